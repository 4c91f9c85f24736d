/**
 * A/B switches of the page's URL that the lab worker must see: `?wasmThreads=on|off` (which tfjs-wasm build loads,
 * see wasm-build.ts), `?kernels=off` (the lab's wasm kernels off, the tfjs path instead) and `?prepHelpers=off` (the
 * per-date preprocessing on the lab worker alone, without helper workers: src/data/cross-section-pool.ts). The worker's own
 * `location` is its script URL, without the page's query, so the page passes them in the worker's `name`
 * ("factor-lab?wasmThreads=off&kernels=off"). Only these keys with these values travel; anything else is dropped.
 * Pure (no DOM), unit tested.
 */
export interface WorkerFlags {
  wasmThreads: 'on' | 'off' | null;
  kernels: 'off' | null;
  prepHelpers: 'off' | null;
}

const BASE = 'factor-lab';

function flagsOf(params: URLSearchParams): WorkerFlags {
  const t = params.get('wasmThreads');
  return {
    wasmThreads: t === 'on' || t === 'off' ? t : null,
    kernels: params.get('kernels') === 'off' ? 'off' : null,
    prepHelpers: params.get('prepHelpers') === 'off' ? 'off' : null,
  };
}

function params(search: string): URLSearchParams {
  try {
    return new URLSearchParams(search);
  } catch {
    return new URLSearchParams();
  }
}

/** the worker's name for a page whose query string is `search` */
export function workerName(search: string): string {
  const f = flagsOf(params(search));
  const q = new URLSearchParams();
  if (f.wasmThreads) q.set('wasmThreads', f.wasmThreads);
  if (f.kernels) q.set('kernels', f.kernels);
  if (f.prepHelpers) q.set('prepHelpers', f.prepHelpers);
  const s = q.toString();
  return s ? `${BASE}?${s}` : BASE;
}

/** the flags carried by a worker's name (or by a page's query string, for code that runs on the page) */
export function workerFlags(nameOrSearch: string | undefined | null): WorkerFlags {
  const s = nameOrSearch ?? '';
  const i = s.indexOf('?');
  return flagsOf(params(i >= 0 ? s.slice(i + 1) : ''));
}
