#!/usr/bin/env bash
# The GPU benchmark (npm run bench:gpu) on a Linux machine with an NVIDIA GPU that has PyTorch
# but no Node and no Vulkan loader. Two steps:
#
#   tools/gpu-bench.sh pack          here, in the repository root (Node, npm install done, Debian apt):
#                                    writes .gpu-bench/ (git-ignored through .git/info/exclude):
#                                    node.xz (this Node binary), bench-gpu.mjs (tools/bench-gpu.ts
#                                    bundled with tfjs), node_modules/webgpu (Dawn for linux-x64),
#                                    debs/ (the Vulkan loader and GL dispatch libraries, amd64)
#   tools/gpu-bench.sh run [args]    there, in the repository root, as root: unpacks the .debs into /,
#                                    points Vulkan at NVIDIA's driver, unpacks Node and runs
#                                    bench-gpu.mjs --model full --device cuda [args] (see tools/bench-gpu.ts)
#
# With the device tool: carry [".gpu-bench"] and run `bash tools/gpu-bench.sh run --out $OUT/gpu-full.json`.
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=.gpu-bench

pack() {
  grep -qx "/$PACK/" .git/info/exclude 2>/dev/null || echo "/$PACK/" >>"$(git rev-parse --git-common-dir)/info/exclude"
  rm -rf "$PACK" && mkdir -p "$PACK/debs" "$PACK/node_modules/webgpu/dist/linux-x64"
  xz -T0 -c "$(command -v node)" >"$PACK/node.xz"
  for tool in bench-gpu webgpu-parity; do
    npx esbuild "tools/$tool.ts" --bundle --platform=node --format=esm --target=node20 --external:webgpu \
      --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
      --log-level=warning --outfile="$PACK/$tool.mjs"
  done
  cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$PACK/node_modules/webgpu/"
  cp node_modules/webgpu/dist/linux-x64/dawn.node "$PACK/node_modules/webgpu/dist/linux-x64/"
  local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  mkdir -p /tmp/amd64/partial
  # shellcheck disable=SC2086
  apt-get $o update -qq
  # shellcheck disable=SC2086
  (cd "$PACK/debs" && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  du -sh "$PACK"
}

run() {
  [ -f "$PACK/node.xz" ] || { echo "no $PACK/: run 'tools/gpu-bench.sh pack' first, where Node is" >&2; exit 1; }
  for f in "$PACK"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$icd" ] && export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
  local egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  [ -f "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"
  xz -dc "$PACK/node.xz" >/tmp/gc-node && chmod +x /tmp/gc-node
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
  # Full-size parity of the fused kernels first (one JSON line; non-zero exit on a miss), then the benchmark.
  GC_LENS_DAWN_ENV=1 /tmp/gc-node "$PACK/webgpu-parity.mjs" full || echo "webgpu-parity full: FAILED" >&2
  GC_LENS_DAWN_ENV=1 /tmp/gc-node "$PACK/bench-gpu.mjs" --model full --device cuda --python python3 "$@"
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  *) echo "usage: tools/gpu-bench.sh pack | run [bench-gpu args]" >&2; exit 2 ;;
esac
