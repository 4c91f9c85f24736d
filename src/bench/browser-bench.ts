/**
 * Browser half of `npm run bench` (bench.html). scripts/bench-browser.ts opens this page in headless Chromium and
 * calls window.__bench: the data pipeline runs in the real lab worker (DuckDB-WASM + parquet-wasm, exactly the
 * app's path), training steps run on each tfjs backend the browser offers.
 */
import { createLabClient } from '../train/client';
import { defaultPreprocessing } from '../core/run';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerBrowserBackends, wasmMode } from '../train/backend-browser';
import { checkWebGpu, registeredBackends, type BackendName } from '../train/backend';
import { oneSeededStep, type SeededStepResult } from '../train/parity';
import { heapKernels, kernelsReady, setWasmKernels } from '../models/kernels/tfjs-wasm';
import { setKernelFma } from '../models/kernels/kernels';
import { firstTouchMs } from './first-touch';
import { benchSeqStep, benchTrainStep, DMFM_BENCH, FACTORVAE_BENCH_CONFIG, MLP_BENCH, type TrainFigure } from './train-bench';
import { models } from '../models/registry';

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r.arrayBuffer();
}

/** Load a prices parquet (+ sectors) through the lab worker; returns the worker's own timing and the panel size. */
async function benchData(pricesUrl: string, sectorsUrl: string): Promise<TrainFigure[]> {
  // the lab starts its worker once per page (DuckDB-WASM and parquet-wasm compile as it starts): timed on its own,
  // the load below is then what a user waits for between choosing a file and seeing its panel
  const ts = performance.now();
  const client = createLabClient();
  try {
    await client.query('SELECT 1');
    const startMs = performance.now() - ts;
    const t0 = performance.now();
    const [prices, sectors] = await Promise.all([fetchBytes(pricesUrl), fetchBytes(sectorsUrl)]);
    const fetchMs = performance.now() - t0;
    const t1 = performance.now();
    const s = await client.loadDataset(
      { kind: 'file', name: pricesUrl.split('/').pop() ?? 'prices.parquet' },
      defaultPreprocessing,
      prices,
      sectors,
    );
    const wall = performance.now() - t1;
    const toPanel = performance.now() - ts;
    // the worker replies with the panel before its cache save: the save runs after, while the user reads the page
    const saved = await client.cacheSaved();
    const touchMs = firstTouchMs(256);
    const rt = 'chromium';
    return [
      // what a first visit waits for: worker start (DuckDB-WASM + parquet-wasm instantiated), fetching the two files and
      // the load (parquet, validation, factors, preprocessing) up to the panel's summary; the panel cache save runs
      // after that reply (its own figure below)
      {
        name: 'data: full dataset to panel, worker start included',
        runtime: rt,
        backend: '',
        value: toPanel,
        unit: 'ms',
      },
      {
        name: 'data: panel cache save after the reply (background, worker)',
        runtime: rt,
        backend: '',
        value: saved?.saved ? saved.ms : NaN,
        unit: 'ms',
      },
      { name: 'data: worker start (DuckDB-WASM instantiated, once per page)', runtime: rt, backend: '', value: startMs, unit: 'ms' },
      // the machine's cost of fresh memory (page faults), as in bench-data.ts: the load writes ~1-2 GB it just allocated
      { name: 'data: first write of 256 MB of fresh memory (page faults)', runtime: rt, backend: '', value: touchMs, unit: 'ms' },
      { name: 'data: fetch full prices + sectors parquet', runtime: rt, backend: '', value: fetchMs, unit: 'ms' },
      { name: 'data: load + validate + factors + panel (worker, full dataset)', runtime: rt, backend: '', value: wall, unit: 'ms' },
      { name: `data: panel arrays (T=${s.T}, N=${s.N}, F=${s.F})`, runtime: rt, backend: '', value: s.mb, unit: 'MB' },
      { name: 'data: worker load (load_ms, without the summary and messaging)', runtime: rt, backend: '', value: s.load_ms, unit: 'ms' },
      ...Object.entries(s.load_steps ?? {}).map(([k, ms]) => ({
        name: `data: load step '${k}' (worker)`,
        runtime: rt,
        backend: '',
        value: ms,
        unit: 'ms',
      })),
    ];
  } finally {
    client.terminate();
  }
}

async function benchTrain(): Promise<TrainFigure[]> {
  // bench.html?threads=N: the wasm backend's threads (used only when the page is cross-origin isolated; default 1, so
  // the figures stay comparable with single-threaded runs; scripts/bench-browser.ts adds a page with every core)
  registerBrowserBackends({ threads: Number(new URLSearchParams(location.search).get('threads') ?? 1) || 1 });
  // bench.html?kernels=off: the tfjs path instead of the lab's wasm kernels (A/B; scripts/bench-browser.ts BENCH_KERNELS=off)
  if (new URLSearchParams(location.search).get('kernels') === 'off') setWasmKernels(false);
  // bench.html?fma=off: the plain SIMD kernels where relaxed SIMD's fused multiply-add would run (A/B; BENCH_FMA=off)
  if (new URLSearchParams(location.search).get('fma') === 'off') setKernelFma(false);
  const gpu = await checkWebGpu();
  const out: TrainFigure[] = [];
  // bench.html?backends=wasm,webgl limits the backends (scripts/bench-browser.ts passes BENCH_BACKENDS)
  const only = new URLSearchParams(location.search).get('backends')?.split(',');
  for (const b of ['cpu', 'wasm', 'webgl', 'webgpu'] as BackendName[]) {
    if (!registeredBackends().includes(b) || (only && !only.includes(b))) continue;
    const slow = b === 'cpu' || (b === 'webgpu' && !gpu.ok);
    for (const base of [MLP_BENCH, DMFM_BENCH]) {
      try {
        const figs = await benchTrainStep(b, { ...base, steps: slow ? 2 : base.steps }, 'chromium');
        if (b === 'webgpu') for (const f of figs) f.name += gpu.ok ? ' [real GPU adapter]' : ` [fallback adapter: ${gpu.info}]`;
        if (b === 'wasm') for (const f of figs) f.name += ` [${getThreadsCount()} thread(s)]`;
        out.push(...figs);
      } catch (e) {
        console.error(`bench ${base.model} on ${b} failed`, e);
      }
    }
    // issue 12's FactorVAE and GRU figures (named as in scripts/bench-factorvae.ts), 1 and 16 dates per step: on wasm,
    // and on webgpu only with a real GPU adapter (on cpu, webgl's software GL and a fallback adapter a step takes
    // seconds; Node's bench has the cpu figure)
    if (b === 'wasm' || (b === 'webgpu' && gpu.ok)) {
      const seq: [string, number, number, Record<string, number>][] = [
        ['factorvae', 1, 8, FACTORVAE_BENCH_CONFIG],
        ['factorvae', 16, 1, FACTORVAE_BENCH_CONFIG],
        ...(models.some((s) => s.id === 'gru')
          ? ([
              ['gru', 1, 8, { hidden: 64 }],
              ['gru', 16, 1, { hidden: 64 }],
            ] as [string, number, number, Record<string, number>][])
          : []),
      ];
      for (const [model, B, steps, cfg] of seq) {
        try {
          const figs = await benchSeqStep(model, b, B, steps, cfg, 'chromium');
          for (const f of figs) f.name += b === 'wasm' ? ` [${getThreadsCount()} thread(s)]` : ' [real GPU adapter]';
          out.push(...figs);
        } catch (e) {
          console.error(`bench ${model} B=${B} on ${b} failed`, e);
        }
      }
    }
    // whether the wasm figures ran the lab's wasm SIMD kernels (src/models/kernels) or fell back to the tfjs path
    if (b === 'wasm')
      out.push({
        name: `train: lab wasm SIMD kernels in use (1) or tfjs fallback (0) [${getThreadsCount()} thread(s)]`,
        runtime: 'chromium',
        backend: b,
        value: kernelsReady() ? 1 : 0,
        unit: '',
      });
    if (b === 'wasm' && kernelsReady())
      out.push({
        name: `train: lab kernels with relaxed-SIMD fused multiply-add (1) or plain SIMD (0) [${getThreadsCount()} thread(s)]`,
        runtime: 'chromium',
        backend: b,
        value: heapKernels().k.fma ? 1 : 0,
        unit: '',
      });
  }
  return out;
}

/** One seeded MLP training step on `backend` in this page (the browser parity test compares backends). */
async function seededStep(backend: BackendName): Promise<SeededStepResult & { fallbackAdapter?: boolean; available: boolean }> {
  registerBrowserBackends();
  if (!registeredBackends().includes(backend)) return { backend, loss: NaN, lossAfter: NaN, weights: [], available: false };
  const gpu = backend === 'webgpu' ? await checkWebGpu() : null;
  try {
    const r = await oneSeededStep(backend);
    return { ...r, fallbackAdapter: gpu ? !gpu.ok : undefined, available: true };
  } catch (e) {
    // e.g. no WebGPU adapter at all in this Chromium: reported, not hidden
    return {
      backend,
      loss: NaN,
      lossAfter: NaN,
      weights: [],
      available: false,
      fallbackAdapter: gpu ? !gpu.ok : undefined,
      error: String(e),
    } as never;
  }
}

declare global {
  interface Window {
    __bench: { data: typeof benchData; train: typeof benchTrain; seededStep: typeof seededStep; wasmMode: typeof wasmMode; ready: boolean };
  }
}
window.__bench = { data: benchData, train: benchTrain, seededStep, wasmMode, ready: true };
document.getElementById('out')!.textContent = 'ready';
