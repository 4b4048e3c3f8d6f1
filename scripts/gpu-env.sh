# Sourced by the project's scripts: points Dawn's Vulkan loader at a driver.
# A machine with a GPU and its Vulkan driver keeps its own; a machine without one uses the SwiftShader
# CPU driver that Debian's chromium package ships (installed by scripts/setup.sh).
swiftshader=/usr/lib/chromium/vk_swiftshader_icd.json
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -z "${VK_DRIVER_FILES:-}" ] && [ -f "$swiftshader" ]; then
  if ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* /usr/local/nvidia/share/vulkan/icd.d/* >/dev/null 2>&1; then
    export VK_ICD_FILENAMES="$swiftshader"
  fi
fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-runtime-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR"
