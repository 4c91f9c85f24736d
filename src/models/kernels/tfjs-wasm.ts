/**
 * The lab's wasm kernels (kernels.ts) as tfjs kernels of the wasm backend, working in place on tfjs-wasm's heap:
 * inputs are read where tfjs keeps them and outputs are allocated by tfjs (zero copies, no upload). This relies on
 * internals of @tensorflow/tfjs-backend-wasm 4.22 that are not public API:
 *   backend.wasm.asm.memory      the Emscripten module's WebAssembly.Memory (the kernels import it; the threaded
 *                                build, used when the page is cross-origin isolated, has it as backend.wasm.wasmMemory,
 *                                shared, and gets the shared-memory variant of the kernels)
 *   backend.dataIdMap.get(id)    { memoryOffset } of a tensor's data in that memory
 *   backend.makeOutput(shape)    allocate an output tensor on the heap (what tfjs' own kernels call)
 * wasmInternals() checks each of them; where one is missing (another tfjs version), or wasm SIMD is unavailable, the
 * kernels are not used and the layers keep their tfjs path (kernelsReady() is false). kernels.test.ts fails loudly
 * when the internals change, so an upgrade cannot silently fall back.
 */
import * as tf from '@tensorflow/tfjs';
import { instantiateKernels, type Kernels } from './kernels';

export interface WasmBackendInternals {
  wasm: { asm?: { memory?: unknown }; wasmMemory?: unknown; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** the heap: exported by the single-threaded builds (Module.asm.memory), imported by the threaded one (Module.wasmMemory) */
const memoryOf = (be: Partial<WasmBackendInternals>): unknown => be.wasm?.asm?.memory ?? be.wasm?.wasmMemory;

/** the tfjs-wasm internals the kernels need, or why they are not there */
export function wasmInternals(backend: unknown): WasmBackendInternals | string {
  const be = backend as Partial<WasmBackendInternals> | null;
  if (!be || typeof be !== 'object') return 'no backend';
  const mem = memoryOf(be);
  if (!(mem instanceof WebAssembly.Memory)) return 'backend.wasm.asm.memory (or .wasmMemory) is not a WebAssembly.Memory';
  if (typeof be.dataIdMap?.get !== 'function') return 'backend.dataIdMap.get is missing';
  if (typeof be.makeOutput !== 'function') return 'backend.makeOutput is missing';
  if (typeof be.wasm?._malloc !== 'function' || typeof be.wasm?._free !== 'function') return 'backend.wasm._malloc / _free are missing';
  return be as WasmBackendInternals;
}

/** a tfjs-wasm backend's internals and the kernels instantiated over its memory */
type Heap = { be: WasmBackendInternals; k: Kernels };
/** per tfjs-wasm backend instance (null: unusable) */
const byBackend = new WeakMap<object, Heap | null>();
let enabled = true;

function kernelsFor(backend: object): Heap | null {
  if (byBackend.has(backend)) return byBackend.get(backend)!;
  const be = wasmInternals(backend);
  let r: Heap | null = null;
  if (typeof be !== 'string') {
    const memory = memoryOf(be) as WebAssembly.Memory;
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const k = instantiateKernels(memory, shared);
    if (k) r = { be, k };
  }
  byBackend.set(backend, r);
  return r;
}

/** switch the wasm kernels off (A/B measurements, tests of the tfjs path) or back on */
export function setWasmKernels(on: boolean): void {
  enabled = on;
}

/** false after setWasmKernels(false) (e.g. `?kernels=off`) */
export const wasmKernelsEnabled = (): boolean => enabled;

/** true when the current backend is tfjs-wasm and the lab's kernels run on it */
export function kernelsReady(): boolean {
  if (!enabled || tf.getBackend() !== 'wasm') return false;
  return kernelsFor(tf.backend()) !== null;
}

/** the current tfjs-wasm backend's internals and the kernels over its memory (only when kernelsReady()) */
export function heapKernels(): Heap {
  const r = kernelsFor(tf.backend());
  if (!r) throw new Error('lab wasm kernels: not available on this backend (check kernelsReady() first)');
  return r;
}

/** byte offset of a tensor's data in tfjs-wasm's memory */
export const offset = (be: WasmBackendInternals, t: tf.TensorInfo): number => {
  const d = be.dataIdMap.get(t.dataId);
  if (!d) throw new Error('lab wasm kernel: a tensor has no data on the wasm heap');
  return d.memoryOffset;
};

const XTDY = 'LabXtDy',
  COLSUM = 'LabColSum',
  MATMUL = 'LabMatMul',
  BMM = 'LabBatchMatMul';

/** a lab kernel on tfjs-wasm: `run` gets the kernels over the backend's memory, the inputs and their byte offsets */
function registerLab(
  kernelName: string,
  run: (r: Heap, t: Record<string, tf.TensorInfo>, at: (t: tf.TensorInfo) => number) => tf.TensorInfo,
): void {
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const r = kernelsFor(backend as object)!;
      return run(r, inputs as Record<string, tf.TensorInfo>, (t) => offset(r.be, t));
    },
  });
}

registerLab(XTDY, (r, { x, dy }, at) => {
  const [M, K] = x.shape,
    J = dy.shape[1];
  const out = r.be.makeOutput([K, J], 'float32');
  r.k.xtdy(at(x), at(dy), at(out), M, K, J);
  return out;
});
registerLab(COLSUM, (r, { dy }, at) => {
  const [M, J] = dy.shape;
  const out = r.be.makeOutput([J], 'float32');
  r.k.colsum(at(dy), at(out), M, J);
  return out;
});
registerLab(MATMUL, (r, { x, w, b }, at) => {
  const [M, K] = x.shape,
    J = w.shape[1];
  const out = r.be.makeOutput([M, J], 'float32');
  r.k.matmul(at(x), at(w), b ? at(b) : 0, at(out), M, K, J, b ? 1 : 0);
  return out;
});
registerLab(BMM, (r, { x, w }, at) => {
  const [B, M, K] = x.shape,
    J = w.shape[2];
  const out = r.be.makeOutput([B, M, J], 'float32');
  const ox = at(x),
    ow = at(w),
    oo = at(out);
  // one call of the 2-D kernel per matrix: tfjs-wasm's batched matMul pays ~9 us of set-up per matrix, which on the
  // attention's [20, 16] x [16, 20] matrices is ~10x the arithmetic (seq-attention.ts)
  for (let i = 0; i < B; i++) r.k.matmul(ox + 4 * i * M * K, ow + 4 * i * K * J, 0, oo + 4 * i * M * J, M, K, J, 0);
  return out;
});

/** x [B, M, K] @ w [B, K, J] -> [B, M, J], matrix by matrix with the wasm kernel (only when kernelsReady()); no gradient */
export const bmm = (x: tf.Tensor3D, w: tf.Tensor3D): tf.Tensor3D => tf.engine().runKernel(BMM, { x, w }, {}) as tf.Tensor3D;

/** x [M, K] @ w [K, J] (+ b [J]) -> [M, J] with the wasm kernel (only when kernelsReady()); no gradient of its own */
export const matmul = (x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D =>
  tf.engine().runKernel(MATMUL, b ? { x, w, b } : { x, w }, {}) as tf.Tensor2D;

/** x [M, K]^T @ dy [M, J] -> [K, J] with the wasm kernel (only when kernelsReady()) */
export const xtdy = (x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D => tf.engine().runKernel(XTDY, { x, dy }, {}) as tf.Tensor2D;
/** column sums of dy [M, J] -> [J] with the wasm kernel (only when kernelsReady()) */
export const colsum = (dy: tf.Tensor2D): tf.Tensor1D => tf.engine().runKernel(COLSUM, { dy }, {}) as tf.Tensor1D;
