#!/usr/bin/env bash
# Builds the self-contained WebGPU harness package (see README.md) into scripts/webgpu-harness/out/ (git-ignored):
#   harness.mjs      the harness and everything it imports (lab sources, tfjs) in one ES module
#   *.wasm           tfjs-backend-wasm's binaries (the wasm figures next to the GPU ones)
#   node_modules/webgpu   the Dawn binding (only if installed: npm install --no-save webgpu@0.6.2 on a machine with network)
#   node.xz          this machine's Node binary, compressed (run.sh unpacks it)
#   lib/libvulkan.so.1    the Vulkan loader (from this system, else from the distribution's libvulkan1 package)
#   run.sh, README.md
# Fails if the package exceeds 64 MiB (what a device run can carry).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/out"
# keep a node.xz of the same Node version (compressing 95 MB takes minutes on a busy machine)
keep=""
if [ -f "$out/node.xz" ] && [ "$(cat "$out/node.version" 2>/dev/null)" = "$(node -v)" ]; then keep="$(mktemp)"; mv "$out/node.xz" "$keep"; fi
rm -rf "$out" && mkdir -p "$out/lib" "$out/node_modules"
cd "$root"
# __dirname / require for the CommonJS parts of tfjs (the wasm backend finds its .wasm files next to the bundle)
banner="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
npx esbuild scripts/webgpu-harness/harness.ts --bundle --platform=node --format=esm --target=node18 \
  --external:webgpu --banner:js="$banner" --outfile="$out/harness.mjs" --log-level=warning --minify-whitespace
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$out/"
if [ -d node_modules/webgpu ]; then
  # only what this platform loads: index.js (node builtins only) and the linux-x64 dawn.node (~21 MB); the package's
  # other platforms' binaries and its build tools would take the package over 64 MiB
  mkdir -p "$out/node_modules/webgpu/dist"
  cp -L node_modules/webgpu/{package.json,index.js,LICENSE.md} "$out/node_modules/webgpu/"
  cp -rL node_modules/webgpu/dist/linux-x64 "$out/node_modules/webgpu/dist/"
else
  echo "[build] node_modules/webgpu is not installed: the package runs the wasm figures only." >&2
  echo "        On a machine with network: npm install --no-save webgpu@0.6.2, then run build.sh again." >&2
fi
if [ -n "$keep" ]; then mv "$keep" "$out/node.xz"; else xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$out/node.xz"; fi
node -v > "$out/node.version"
vk="$(ldconfig -p 2>/dev/null | awk '/libvulkan\.so\.1 /{print $NF; exit}')"
if [ -n "$vk" ]; then
  cp -L "$vk" "$out/lib/libvulkan.so.1"
else
  tmp="$(mktemp -d)"
  if (cd "$tmp" && apt-get download libvulkan1 >/dev/null 2>&1); then
    dpkg-deb -x "$tmp"/libvulkan1_*.deb "$tmp/x"
    cp -L "$(find "$tmp/x" -name 'libvulkan.so.1*' -type f | head -1)" "$out/lib/libvulkan.so.1"
  else
    echo "[build] no Vulkan loader found or downloadable: the GPU machine must have libvulkan.so.1" >&2
  fi
  rm -rf "$tmp"
fi
cp "$here/run.sh" "$here/README.md" "$out/"
chmod +x "$out/run.sh"
size=$(du -sb "$out" | cut -f1)
echo "[build] $out: $((size / 1048576)) MiB"
du -sh "$out"/* "$out"/node_modules/* 2>/dev/null | sort -h | tail -8
[ "$size" -le $((64 * 1048576)) ] || { echo "[build] over 64 MiB" >&2; exit 1; }
