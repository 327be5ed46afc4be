//! The history of generated images (Shrivastava et al.): the discriminator sees a mix of the
//! newest fake and older ones, which steadies training. Reference: `util/image_pool.py`.

use burn::tensor::Tensor;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Up to `capacity` past fakes.
pub struct ImagePool {
    capacity: usize,
    images: Vec<Tensor<4>>,
    rng: StdRng,
}

impl ImagePool {
    /// An empty pool; `capacity` 0 disables it.
    pub fn new(capacity: usize, seed: u64) -> Self {
        Self {
            capacity,
            images: Vec::with_capacity(capacity),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Restarts the random choices from `seed`.
    pub fn reseed(&mut self, seed: u64) {
        self.rng = StdRng::seed_from_u64(seed);
    }

    /// The stored images, oldest slot first.
    pub fn images(&self) -> &[Tensor<4>] {
        &self.images
    }

    /// Replaces the stored images (a restored checkpoint's); extra ones beyond the capacity are
    /// dropped.
    pub fn set_images(&mut self, mut images: Vec<Tensor<4>>) {
        images.truncate(self.capacity);
        self.images = images;
    }

    /// How many images it holds.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// Returns the image to show the discriminator for a new fake (batch 1, detached): while the
    /// pool fills, the fake itself (kept); then, with probability ½, a stored one (replaced by
    /// the fake), else the fake.
    pub fn query(&mut self, image: Tensor<4>) -> Tensor<4> {
        if self.capacity == 0 {
            return image;
        }
        if self.images.len() < self.capacity {
            self.images.push(image.clone());
            return image;
        }
        if self.rng.random::<f64>() > 0.5 {
            let index = self.rng.random_range(0..self.capacity);
            std::mem::replace(&mut self.images[index], image)
        } else {
            image
        }
    }
}
