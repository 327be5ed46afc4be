# Sourced at the start of a command on the GPU machine: the Vulkan loader carried in .gl/, the
# NVIDIA driver's Vulkan ICD, and the trainer unpacked from .device/ to $TRAINER.
for f in .gl/*.deb; do dpkg -x "$f" /; done
ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
export XDG_RUNTIME_DIR=/tmp
# NVRTC (burn's CUDA backend compiles kernels at run time) needs the toolkit's headers.
if [[ -z "${CUDA_PATH:-}" ]]; then
  for d in /usr/local/cuda /usr/local/cuda-*; do
    if [[ -f "$d/include/cuda_fp16.h" ]]; then export CUDA_PATH=$d; break; fi
  done
fi
TRAINER=/tmp/native-trainer
if [[ ! -x $TRAINER ]]; then
  xz -dc .device/native-trainer.xz > "$TRAINER"
  chmod +x "$TRAINER"
fi
export TRAINER
if [[ -f .device/native-trainer-wgsl.xz && ! -x /tmp/native-trainer-wgsl ]]; then
  xz -dc .device/native-trainer-wgsl.xz > /tmp/native-trainer-wgsl
  chmod +x /tmp/native-trainer-wgsl
fi
