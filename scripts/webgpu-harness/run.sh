#!/usr/bin/env bash
# Runs the harness on a bare Linux machine (no network, no Node): unpacks the carried Node binary, makes the carried
# Vulkan loader findable, points Dawn at the NVIDIA Vulkan driver when the system has the driver but no ICD file,
# then times DMFM and MLP training per trading day on webgpu and wasm. Arguments go to harness.mjs
# (default: --backends webgpu,wasm --out figures.json).
set -euo pipefail
cd "$(dirname "$0")"
[ -x ./node ] || { xz -dc node.xz > node && chmod +x node; }
export LD_LIBRARY_PATH="$PWD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ -z "${VK_ICD_FILENAMES:-}" ] && ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  glx="$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0 /{print $NF; exit}')"
  if [ -n "$glx" ]; then
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$glx" > nvidia_icd.json
    export VK_ICD_FILENAMES="$PWD/nvidia_icd.json"
    echo "[run] no Vulkan ICD file on this system: using $glx" >&2
  fi
fi
nproc >&2 || true
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >&2 || true
if [ $# -eq 0 ]; then set -- --backends webgpu,wasm --out figures.json; fi
exec ./node harness.mjs "$@"
