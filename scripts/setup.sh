#!/usr/bin/env bash
# Installs what the project needs beyond npm: Debian's chromium (the browser for the page tests and the
# benchmark, and its SwiftShader Vulkan driver, WebGPU on machines without a GPU) and libvulkan1 (the Vulkan
# loader that Dawn for Node opens; chromium keeps its own copy private). Idempotent and quiet.
set -euo pipefail
missing=()
if ! command -v chromium >/dev/null 2>&1 || [ ! -f /usr/lib/chromium/libvk_swiftshader.so ]; then missing+=(chromium); fi
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1 '; then missing+=(libvulkan1); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "webgpu-lstm: Debian packages missing; install them as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "webgpu-lstm: installing Debian's ${missing[*]} with apt-get..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -d node_modules ]; then
  echo "webgpu-lstm: installing npm packages (npm ci)..." >&2
  npm ci --no-audit --no-fund
fi
