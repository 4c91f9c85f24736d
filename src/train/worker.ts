/**
 * The lab worker (browser): hosts DuckDB-WASM (blocking build), parquet-wasm and tfjs, and answers the
 * messages of protocol.ts through the dispatcher. Started by client.ts createLabClient().
 */
import { createBrowserEngine } from '../data/sql-engine-browser';
import { initParquetBrowser } from '../data/parquet-browser';
import type { SqlEngine } from '../data/sql-engine';
import type { CrossSectionPool } from '../data/cross-section-pool';
import { browserCrossSectionPool, defaultHelperCount } from '../data/cross-section-pool-browser';
import { LabError } from '../core/errors';
import { registerBrowserBackends } from './backend-browser';
import { readBundledWith } from './bundled';
import { createDispatcher } from './dispatcher';
import { browserPanelCache } from '../data/panel-cache-browser';
import type { PanelCache } from '../data/panel-cache';
import type { WorkerRequest } from './protocol';
import { workerFlags } from './worker-flags';
import { setWasmKernels } from '../models/kernels/tfjs-wasm';

const ctx = self as unknown as {
  postMessage(m: unknown, t: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
  location: Location;
};

async function fetchBytes(url: string, optional: boolean): Promise<Uint8Array | null> {
  let r: Response;
  try {
    r = await fetch(url);
  } catch (e) {
    throw new LabError(
      `Could not fetch ${url}: ${(e as Error).message}`,
      'Check the address and that the server allows cross-origin requests.',
    );
  }
  if (!r.ok) {
    if (optional && r.status === 404) return null;
    throw new LabError(`Fetching ${url} failed: HTTP ${r.status} ${r.statusText}.`);
  }
  const bytes = new Uint8Array(await r.arrayBuffer());
  // a dev server answers unknown paths with index.html: that is "absent", not a parquet file
  if (optional && bytes.length > 0 && bytes[0] === 0x3c) return null;
  return bytes;
}

let engine: Promise<SqlEngine> | null = null;
// the panel cache (OPFS, else IndexedDB)
let panelCache: Promise<PanelCache | null> | null = browserPanelCache();
// start DuckDB-WASM and parquet-wasm as soon as the worker exists (compiling ~40 MB of wasm takes 1-2 s), so a
// first load overlaps it with the page fetching its data; a failure surfaces at that load, not here. Not when the
// panel cache holds panels: a returning visit's load is then most likely a cache hit, which needs neither, and
// instantiating them would hold this worker's thread for seconds while the hit waits (the first query or cache miss
// starts them)
void panelCache
  .then(async (c) => (c ? (await c.index()).length : 0))
  .catch(() => 0)
  .then((cached) => {
    if (cached > 0 || engine) return;
    engine = createBrowserEngine();
    engine.catch(() => {
      engine = null;
    });
    initParquetBrowser().catch(() => {});
  });
// `?kernels=off` on the page (A/B of the lab's wasm kernels against the tfjs path) reaches us in the worker's name
const flags = workerFlags((ctx as { name?: string }).name);
if (flags.kernels === 'off') setWasmKernels(false);
// helper workers for a cold load (parquet row groups, the factor pass, the per-date preprocessing; one per further
// core, at most 7), started with this worker so their start and the first one's parquet-wasm overlap DuckDB's start,
// and kept for later loads; `?prepHelpers=off` on the page = none (A/B). A pool whose helper failed reports size 0, and
// the load does its work here
let prepPool: CrossSectionPool | null | undefined;
const crossSectionPool = (): CrossSectionPool | null => {
  if (prepPool === undefined) {
    const n = flags.prepHelpers === 'off' ? 0 : defaultHelperCount(navigator.hardwareConcurrency || 1);
    prepPool = n > 0 && typeof Worker !== 'undefined' ? browserCrossSectionPool(n) : null;
  }
  return prepPool;
};

crossSectionPool()?.warmParquet();

const dispatch = createDispatcher(
  {
    io: (baseUrl) => {
      const base = new URL('data/', baseUrl ?? new URL('../', ctx.location.href).href).href;
      return {
        engine: () => (engine ??= createBrowserEngine()),
        initParquet: initParquetBrowser,
        readBundled: (name) => readBundledWith(name, (rel) => fetchBytes(base + rel, true)),
        fetchUrl: async (url) => (await fetchBytes(url, false))!,
        panelCache: () => (panelCache ??= browserPanelCache()),
        crossSectionPool,
      };
    },
    registerBackends: registerBrowserBackends,
  },
  (msg, transfer) => ctx.postMessage(msg, transfer),
);

ctx.onmessage = (e: MessageEvent) => {
  void dispatch(e.data as WorkerRequest);
};
