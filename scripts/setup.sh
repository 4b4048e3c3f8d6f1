#!/usr/bin/env bash
# Installs what the project needs beyond npm: Debian's chromium (the browser for the page tests and the
# benchmark, and its SwiftShader Vulkan driver, WebGPU on machines without a GPU). Idempotent and quiet.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1 || [ ! -f /usr/lib/chromium/libvk_swiftshader.so ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "webgpu-lstm: Debian's chromium package is missing; install it as root: apt-get install -y chromium" >&2
    exit 1
  fi
  echo "webgpu-lstm: installing Debian's chromium (browser + SwiftShader Vulkan driver) with apt-get..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d node_modules ]; then
  echo "webgpu-lstm: installing npm packages (npm ci)..." >&2
  npm ci --no-audit --no-fund
fi
