/**
 * Browser-only backend registration: webgpu, and the wasm backend's three .wasm files served by Vite
 * (imported with `?url`, so a static build under any sub-path finds them). Node never imports this file.
 * Call `registerBrowserBackends()` once in the worker before selectBackend().
 *
 * Multithreaded wasm. When the page is cross-origin isolated (COOP same-origin + COEP require-corp: the dev server,
 * `vite preview`, scripts/serve-static.mjs and, on static hosts, public/coi-sw.js set them), SharedArrayBuffer exists
 * and tfjs-backend-wasm loads its threaded SIMD build. Its pthread workers import the backend's Emscripten script,
 * which tfjs passes them as a Blob of `wasmFactoryThreadedSimd.toString()`: after Vite bundles and minifies the
 * backend, that function refers to renamed variables outside it (`e is not defined` in the worker). So the worker is
 * given the unbundled script instead: wasm-out/tfjs-backend-wasm-threaded-simd.js, served as a plain asset (`?url`,
 * copied as is), which defines the same global `WasmBackendModuleThreadedSimd`. Without isolation nothing changes:
 * one thread, SIMD. An isolated page whose thread pool would hold one thread (2-3 logical cores: tfjs uses half)
 * also loads the plain SIMD build, which is faster than the threaded one at one thread (src/train/wasm-build.ts).
 */
import '@tensorflow/tfjs-backend-webgpu';
import { workerFlags } from './worker-flags';
import { wasmKernelsEnabled } from '../models/kernels/tfjs-wasm';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import wasmThreadedScript from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js?url';
import { setWasmModeNote } from './backend';
import { tf } from './tf';
import { chooseWasmBuild, type WasmBuildChoice } from './wasm-build';

/** Is this context cross-origin isolated (SharedArrayBuffer available, so wasm can use threads)? */
export const crossOriginIsolated = (): boolean =>
  (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined';

/**
 * Threads asked of the wasm backend: `threads` if given, else every logical core. tfjs-backend-wasm then caps the
 * pool at max(1, hardwareConcurrency / 2) (its estimate of physical cores) and at 8, so a 2-core machine runs 1 thread
 * and an 8-core laptop 4.
 */
export function wasmThreadsWanted(threads?: number): number {
  if (!crossOriginIsolated()) return 1;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return Math.max(1, Math.min(8, Math.round(threads ?? cores)));
}

/** The wasm backend's mode in words, e.g. "2 threads (cross-origin isolated)" or "1 thread (page not cross-origin isolated)". */
export function wasmMode(): string {
  if (wasmChoice && !wasmChoice.threaded) return wasmChoice.why;
  const iso = crossOriginIsolated();
  let n = 1;
  try {
    if (tf.findBackend('wasm')) n = getThreadsCount();
  } catch {
    n = 1;
  }
  if (!iso) return '1 thread (page not cross-origin isolated: no SharedArrayBuffer)';
  let threaded: unknown = null;
  try {
    threaded = tf.env().get('WASM_HAS_MULTITHREAD_SUPPORT');
  } catch {
    threaded = null;
  }
  if (threaded === false) return '1 thread (cross-origin isolated, but this browser has no wasm threads)';
  return `${n} thread${n === 1 ? '' : 's'} (cross-origin isolated, threaded SIMD build; tfjs uses at most half the ${
    (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? '?'
  } logical cores)`;
}

/**
 * Hand Emscripten's pthread workers the unbundled backend script (see the file comment): the 'load' message that
 * carries the main script as a Blob gets the asset's absolute URL instead. Only workers created from here on.
 */
function patchPthreadWorkers(scriptUrl: string): void {
  const g = globalThis as { Worker?: typeof Worker; __labPthreadPatch?: boolean };
  if (!g.Worker || g.__labPthreadPatch) return;
  g.__labPthreadPatch = true;
  const Base = g.Worker;
  const abs = new URL(scriptUrl, (globalThis as { location?: { href: string } }).location?.href).href;
  g.Worker = class extends Base {
    override postMessage(message: unknown, options?: StructuredSerializeOptions | Transferable[]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
      if (m && m.cmd === 'load' && typeof Blob !== 'undefined' && m.urlOrBlob instanceof Blob) message = { ...m, urlOrBlob: abs };
      super.postMessage(message, options as StructuredSerializeOptions);
    }
  } as typeof Worker;
}

let done = false;
/** the build chosen by registerBrowserBackends (null before it runs) */
let wasmChoice: WasmBuildChoice | null = null;
/** `?wasmThreads=on|off` on this context's URL (the page, or a worker's own URL) or in the lab worker's name, else null */
function wasmThreadsOverride(): string | null {
  try {
    const own = new URLSearchParams((globalThis as { location?: { search?: string } }).location?.search ?? '').get('wasmThreads');
    // in the lab worker the page's switch arrives in the worker's name (worker-flags.ts)
    return own ?? workerFlags((globalThis as { name?: string }).name).wasmThreads;
  } catch {
    return null;
  }
}
/** point the wasm backend at the bundled .wasm files and, when isolated, set up its threads (idempotent) */
export function registerBrowserBackends(opts: { threads?: number } = {}): void {
  if (done) return;
  done = true;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  wasmChoice = chooseWasmBuild({ isolated: crossOriginIsolated(), cores, threads: opts.threads, override: wasmThreadsOverride() });
  if (wasmChoice.threaded) {
    patchPthreadWorkers(wasmThreadedScript);
    setThreadsCount(wasmThreadsWanted(opts.threads));
  } else if (crossOriginIsolated()) {
    // isolated, but a pool of one thread: tfjs picks its build from this flag, so the plain SIMD build loads
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  // `?kernels=off` (A/B): say so next to the build, so a measurement names what ran
  setWasmModeNote(() => `${wasmMode()}${wasmKernelsEnabled() ? '' : "; the lab's wasm kernels off (?kernels=off)"}`);
}
