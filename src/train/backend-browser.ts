/**
 * Browser-only backend registration: webgpu, and the wasm backend's three .wasm files served by Vite
 * (imported with `?url`, so a static build under any sub-path finds them). Node never imports this file.
 * Call `registerBrowserBackends()` once in the worker before selectBackend().
 */
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import './tf';

let done = false;
/** point the wasm backend at the bundled .wasm files (idempotent) */
export function registerBrowserBackends(): void {
  if (done) return;
  done = true;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
}
