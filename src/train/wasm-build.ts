/**
 * Which tfjs-backend-wasm build to load: the threaded SIMD build (needs a cross-origin isolated page) or the plain
 * SIMD build. Pure (no tfjs, no DOM), so it is unit tested in Node; backend-browser.ts applies it.
 *
 * Why: at one thread the threaded build is slower than the plain SIMD one (its kernels go through the pthread pool's
 * bookkeeping and atomics even when the pool has a single worker; measured in Chromium on a 2-core machine, DMFM
 * 8.3 ms/day threaded vs 6.9 ms/day plain SIMD). tfjs caps its pool at max(1, floor(hardwareConcurrency / 2)) and 8,
 * so on 2- and 3-core machines the threaded build would only ever run one thread: load the plain SIMD build there.
 */
export interface WasmBuildChoice {
  /** load the threaded SIMD build (true) or the plain SIMD build (false) */
  threaded: boolean;
  /** threads the wasm pool will run: 1 for the plain build */
  threads: number;
  /** the choice in words, for the backend's reason string */
  why: string;
}

export interface WasmBuildInput {
  /** the page is cross-origin isolated (SharedArrayBuffer exists) */
  isolated: boolean;
  /** navigator.hardwareConcurrency (logical cores) */
  cores: number;
  /** threads asked for (default: every logical core) */
  threads?: number;
  /** URL override `?wasmThreads=on|off`; anything else is ignored */
  override?: string | null;
}

/** The pool tfjs would run: the threads asked for, capped at max(1, floor(cores / 2)) and at 8. */
export function wasmPoolSize(cores: number, threads?: number): number {
  const c = Number.isFinite(cores) && cores >= 1 ? Math.floor(cores) : 1;
  const wanted = threads !== undefined && Number.isFinite(threads) && threads >= 1 ? Math.round(threads) : c;
  return Math.max(1, Math.min(8, wanted, Math.max(1, Math.floor(c / 2))));
}

export function chooseWasmBuild(o: WasmBuildInput): WasmBuildChoice {
  if (!o.isolated) return { threaded: false, threads: 1, why: 'SIMD, 1 thread (page not cross-origin isolated: no SharedArrayBuffer)' };
  const pool = wasmPoolSize(o.cores, o.threads);
  const ov = o.override === 'on' || o.override === 'off' ? o.override : null;
  if (ov === 'off') return { threaded: false, threads: 1, why: 'SIMD, 1 thread (threaded build turned off by ?wasmThreads=off)' };
  if (ov === 'on')
    return { threaded: true, threads: pool, why: `threaded SIMD, ${pool} thread${pool === 1 ? '' : 's'} (forced by ?wasmThreads=on)` };
  if (pool <= 1)
    return {
      threaded: false,
      threads: 1,
      why: `SIMD, 1 thread: the threaded build is slower at one thread (${o.cores} logical cores, tfjs would run 1 thread)`,
    };
  return {
    threaded: true,
    threads: pool,
    why: `threaded SIMD, ${pool} threads (cross-origin isolated; tfjs uses at most half the ${o.cores} logical cores)`,
  };
}
