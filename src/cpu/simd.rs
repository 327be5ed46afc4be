//! Four `f32` lanes: WebAssembly SIMD128 on wasm32, a plain array (which LLVM vectorises) elsewhere.
//!
//! On wasm32 every function here is compiled with `simd128` enabled, whatever the crate's global
//! target features, so the engine's kernels use SIMD without rebuilding the dependency graph with
//! `+simd128`. A module that contains SIMD instructions is refused as a whole by an engine without
//! SIMD support, so code that runs can always execute them (every current browser has SIMD128).

#[cfg(target_arch = "wasm32")]
mod imp {
    use core::arch::wasm32::*;

    /// Four lanes.
    #[derive(Clone, Copy)]
    pub struct V4(v128);

    impl V4 {
        /// All lanes `x`.
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn splat(x: f32) -> Self {
            Self(f32x4_splat(x))
        }

        /// Lanes from `p[0..4]`.
        ///
        /// # Safety
        /// `p..p+4` must be readable.
        #[inline]
        #[target_feature(enable = "simd128")]
        pub unsafe fn load(p: *const f32) -> Self {
            Self(unsafe { v128_load(p as *const v128) })
        }

        /// All lanes `*p`.
        ///
        /// # Safety
        /// `p` must be readable.
        #[inline]
        #[target_feature(enable = "simd128")]
        pub unsafe fn load_splat(p: *const f32) -> Self {
            Self(unsafe { v128_load32_splat(p as *const u32) })
        }

        /// Writes the lanes to `p[0..4]`.
        ///
        /// # Safety
        /// `p..p+4` must be writable.
        #[inline]
        #[target_feature(enable = "simd128")]
        pub unsafe fn store(self, p: *mut f32) {
            unsafe { v128_store(p as *mut v128, self.0) }
        }

        /// `self + a · b`.
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            Self(f32x4_add(self.0, f32x4_mul(a.0, b.0)))
        }

        /// Lane-wise sum.
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn add(self, o: Self) -> Self {
            Self(f32x4_add(self.0, o.0))
        }

        /// Lane-wise difference.
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn sub(self, o: Self) -> Self {
            Self(f32x4_sub(self.0, o.0))
        }

        /// Lane-wise product.
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn mul(self, o: Self) -> Self {
            Self(f32x4_mul(self.0, o.0))
        }

        /// Lane-wise `max(self, 0)`.
        #[inline]
        #[target_feature(enable = "simd128")]
        pub fn relu(self) -> Self {
            Self(f32x4_pmax(self.0, f32x4_splat(0.0)))
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    /// Four lanes.
    #[derive(Clone, Copy)]
    pub struct V4([f32; 4]);

    impl V4 {
        /// All lanes `x`.
        #[inline(always)]
        pub fn splat(x: f32) -> Self {
            Self([x; 4])
        }

        /// Lanes from `p[0..4]`.
        ///
        /// # Safety
        /// `p..p+4` must be readable.
        #[inline(always)]
        pub unsafe fn load(p: *const f32) -> Self {
            Self(unsafe { (p as *const [f32; 4]).read_unaligned() })
        }

        /// All lanes `*p`.
        ///
        /// # Safety
        /// `p` must be readable.
        #[inline(always)]
        pub unsafe fn load_splat(p: *const f32) -> Self {
            Self([unsafe { *p }; 4])
        }

        /// Writes the lanes to `p[0..4]`.
        ///
        /// # Safety
        /// `p..p+4` must be writable.
        #[inline(always)]
        pub unsafe fn store(self, p: *mut f32) {
            unsafe { (p as *mut [f32; 4]).write_unaligned(self.0) }
        }

        /// `self + a · b` (a product and a sum, as on wasm: no fused multiply-add).
        #[inline(always)]
        pub fn mul_add(self, a: Self, b: Self) -> Self {
            Self(std::array::from_fn(|i| self.0[i] + a.0[i] * b.0[i]))
        }

        /// Lane-wise sum.
        #[inline(always)]
        pub fn add(self, o: Self) -> Self {
            Self(std::array::from_fn(|i| self.0[i] + o.0[i]))
        }

        /// Lane-wise difference.
        #[inline(always)]
        pub fn sub(self, o: Self) -> Self {
            Self(std::array::from_fn(|i| self.0[i] - o.0[i]))
        }

        /// Lane-wise product.
        #[inline(always)]
        pub fn mul(self, o: Self) -> Self {
            Self(std::array::from_fn(|i| self.0[i] * o.0[i]))
        }

        /// Lane-wise `max(self, 0)`.
        #[inline(always)]
        pub fn relu(self) -> Self {
            Self(self.0.map(|x| x.max(0.0)))
        }
    }
}

pub use imp::V4;
