/**
 * Per-date preprocessing on several threads: the dates of a panel are independent (preprocess.ts), so
 * preprocessDatesParallel lets the calling thread work from the first date forward while helpers (Web Workers in the
 * browser, worker_threads in Node: cross-section-worker.ts / cross-section-pool-node.ts) take chunks of dates from the
 * last date backward, until the two ends meet.
 *
 * A chunk travels as a copy in reused buffers (copied in, transferred, copied back), not as shared memory: the panel
 * must not live in a SharedArrayBuffer (the page is not always cross-origin isolated, and OPFS writes and digests
 * refuse shared views). The copies cost a few percent of the work; the preprocessing they split costs 2-2.5 s on one
 * core for the full shared dataset's panel. The result is exactly the single-thread result (tested):
 * preprocessCrossSection depends only on its date, and the guided selections' hints change only how fast the exact
 * median is found.
 *
 * A helper that fails (cannot start, throws, is terminated) never loses a chunk: its chunk is preprocessed on the
 * calling thread and the pool stops using helpers.
 */
import type { CrossSectionConfig } from './preprocess';
import { makeScratch, preprocessDates } from './preprocess';
import { blockBuffers, runFactorPassBlock, type FactorPassBlock, type FactorPassJob } from './factor-pass-job';
import type { ParquetGroupJob } from './parquet-helper';
import { yieldToEvents } from './yield-events';

export { yieldToEvents };

/** one block of dates, [T, N, F] */
export interface CrossSectionJob {
  id: number;
  x: Float32Array;
  valid: Uint8Array;
  industry: Int32Array;
  T: number;
  N: number;
  F: number;
  nIndustries: number;
  cfg: CrossSectionConfig;
}

/**
 * a request for `bytes` of memory, written once by the helper (every 4 KB page) and sent back: fresh memory costs
 * about 3 ms per MB at its first write on the VMs here (page faults, see the README), and a helper pays that on its
 * own core while the loading thread validates; the pages stay in place when the buffer is transferred
 */
export interface ReserveRequest {
  id: number;
  reserve: number;
}

/**
 * what a helper is sent: a block of dates to preprocess, memory to prepare, a block of the factor pass, or a parquet
 * row group to decode (the worker entries run that one, asynchronously: parquet-helper.ts runParquetJob)
 */
export type HelperJob = CrossSectionJob | ReserveRequest | FactorPassJob | ParquetGroupJob;

/** a helper's answer: the block preprocessed, the memory reserved, the factor block computed, or the error it hit */
export type CrossSectionReply =
  | { id: number; ok: true; x: Float32Array; valid: Uint8Array; nValid: Int32Array }
  | { id: number; ok: true; buffer: ArrayBuffer }
  | { id: number; ok: true; pass: FactorPassBlock }
  | { id: number; ok: true; ipc: Uint8Array }
  | { id: number; ok: false; error: string };

/** What a helper runs on a message (the worker entries call this): a job in place on its own copies, or a reservation. */
export function runCrossSectionJob(job: Exclude<HelperJob, ParquetGroupJob>): { reply: CrossSectionReply; transfer: ArrayBuffer[] } {
  if ('pass' in job) {
    try {
      runFactorPassBlock(job.pass);
      return { reply: { id: job.id, ok: true, pass: job.pass }, transfer: blockBuffers(job.pass) };
    } catch (e) {
      return { reply: { id: job.id, ok: false, error: e instanceof Error ? e.message : String(e) }, transfer: [] };
    }
  }
  if ('reserve' in job) {
    try {
      const buffer = new ArrayBuffer(job.reserve);
      const u = new Uint8Array(buffer);
      for (let i = 0; i < u.length; i += 4096) u[i] = 0; // a write to each page maps it (a read would not)
      return { reply: { id: job.id, ok: true, buffer }, transfer: [buffer] };
    } catch (e) {
      return { reply: { id: job.id, ok: false, error: e instanceof Error ? e.message : String(e) }, transfer: [] };
    }
  }
  try {
    const nValid = preprocessDates(job.x, job.valid, job.industry, job.T, job.N, job.F, job.cfg, job.nIndustries);
    return {
      reply: { id: job.id, ok: true, x: job.x, valid: job.valid, nValid },
      transfer: [job.x.buffer as ArrayBuffer, job.valid.buffer as ArrayBuffer, nValid.buffer as ArrayBuffer],
    };
  } catch (e) {
    return { reply: { id: job.id, ok: false, error: e instanceof Error ? e.message : String(e) }, transfer: [] };
  }
}

/** helpers for a machine with `cores` logical cores: the others besides the loading thread's, 0 to 7 */
export const defaultHelperCount = (cores: number): number => Math.max(0, Math.min(7, Math.floor(cores) - 1));

/** the thread behind a helper, whatever the runtime */
export interface HelperPort {
  post(job: HelperJob, transfer: ArrayBuffer[]): void;
  /** called with each reply; `fail` with a reason when the helper dies (error event, exit) */
  listen(reply: (r: CrossSectionReply) => void, fail: (why: string) => void): void;
  terminate(): void;
}

export interface CrossSectionPool {
  /** helper threads (the calling thread works too: size + 1 blocks) */
  readonly size: number;
  /** run one block on a free helper; rejects when the helper fails (the caller then runs the block itself) */
  run(job: Omit<CrossSectionJob, 'id'>): Promise<{ x: Float32Array; valid: Uint8Array; nValid: Int32Array }>;
  /**
   * `bytes` of memory with every page already written, from a free helper (see ReserveRequest); null when there is no
   * helper or it could not allocate (the caller allocates itself). A failed reservation does not retire the pool.
   */
  reserve(bytes: number): Promise<ArrayBuffer | null>;
  /**
   * compute a block of the factor pass on a free helper (its buffers are transferred there and back: the block that
   * resolves is the same memory, filled); rejects when the helper fails (the caller then computes the block itself)
   */
  pass(block: FactorPassBlock): Promise<FactorPassBlock>;
  /**
   * a parquet row group decoded by the first helper (only that one: each helper that decodes holds a copy of the file
   * and parquet-wasm's memory); rejects when it could not (the caller decodes it). A failed decode (a damaged file)
   * does not retire the pool.
   */
  parquet(job: ParquetGroupJob['parquet']): Promise<Uint8Array>;
  /**
   * have the first helper load parquet-wasm now (a few hundred ms in a fresh helper), so a parquet load that follows
   * does not wait for it; nothing without helpers
   */
  warmParquet(): void;
  /** false once a helper has failed: the pool is not used again */
  readonly healthy: boolean;
  close(): void;
}

/** A pool of `size` helpers made by `spawn`; they start at once, so their start-up overlaps the work before. */
export function createCrossSectionPool(
  spawn: () => HelperPort,
  size: number,
  opts: {
    /**
     * a helper that has not answered a message after this long is taken for hung: the pool is retired and its
     * helpers terminated, every waiting caller does its own work (default 60 s; a chunk takes ~0.1 s)
     */
    timeoutMs?: number;
  } = {},
): CrossSectionPool {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const helpers: { port: HelperPort; busy: boolean; timer?: ReturnType<typeof setTimeout> }[] = [];
  const pending = new Map<number, { resolve: (r: CrossSectionReply) => void; reject: (e: Error) => void; helper: number }>();
  /** jobs waiting for a free helper (`only`: for that helper alone) */
  const queue: { job: HelperJob; transfer: ArrayBuffer[]; only?: number }[] = [];
  let nextId = 1;
  let healthy = true;
  const failAll = (why: string) => {
    healthy = false;
    for (const h of helpers) clearTimeout(h.timer);
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new Error(why));
    }
    queue.length = 0; // their promises were in `pending`: rejected above
  };
  const pump = () => {
    for (let h = 0; h < helpers.length && queue.length > 0; h++) {
      if (helpers[h].busy) continue;
      const q = queue.findIndex((e) => e.only === undefined || e.only === h);
      if (q < 0) continue;
      const { job, transfer } = queue.splice(q, 1)[0];
      const p = pending.get(job.id);
      if (!p) continue;
      p.helper = h;
      helpers[h].busy = true;
      helpers[h].timer = setTimeout(() => {
        failAll(`a preprocessing helper did not answer within ${timeoutMs / 1000} s`);
        for (const x of helpers) x.port.terminate();
        helpers.length = 0;
      }, timeoutMs);
      try {
        helpers[h].port.post(job, transfer);
      } catch (e) {
        failAll(`a preprocessing helper could not take a block: ${(e as Error).message}`);
      }
    }
  };
  try {
    for (let i = 0; i < size; i++) {
      const port = spawn();
      const h = helpers.length;
      helpers.push({ port, busy: false });
      port.listen(
        (r) => {
          const p = pending.get(r.id);
          if (helpers[h]) {
            helpers[h].busy = false;
            clearTimeout(helpers[h].timer);
          } // (gone after close: a late reply)
          if (p) {
            pending.delete(r.id);
            p.resolve(r);
          }
          pump();
        },
        (why) => failAll(`a preprocessing helper stopped: ${why}`),
      );
    }
  } catch {
    // a helper could not be created (no Worker here, a blocked script): no helpers, the caller works alone
    healthy = false;
    for (const h of helpers) h.port.terminate();
    helpers.length = 0;
  }
  return {
    get size() {
      return healthy ? helpers.length : 0;
    },
    get healthy() {
      return healthy;
    },
    run(j) {
      if (!healthy || helpers.length === 0) return Promise.reject(new Error('no preprocessing helper'));
      const job: CrossSectionJob = { ...j, id: nextId++ };
      return new Promise<CrossSectionReply>((resolve, reject) => {
        pending.set(job.id, { resolve, reject, helper: -1 });
        queue.push({ job, transfer: [job.x.buffer as ArrayBuffer, job.valid.buffer as ArrayBuffer] });
        pump();
      }).then((r) => {
        if (!r.ok || !('x' in r)) {
          healthy = false;
          throw new Error(r.ok ? 'a preprocessing helper answered a block with something else' : r.error);
        }
        return { x: r.x, valid: r.valid, nValid: r.nValid };
      });
    },
    reserve(bytes) {
      if (!healthy || helpers.length === 0) return Promise.resolve(null);
      const job: ReserveRequest = { id: nextId++, reserve: bytes };
      return new Promise<CrossSectionReply>((resolve, reject) => {
        pending.set(job.id, { resolve, reject, helper: -1 });
        queue.push({ job, transfer: [] });
        pump();
      }).then(
        (r) => (r.ok && 'buffer' in r && r.buffer.byteLength === bytes ? r.buffer : null),
        () => null,
      );
    },
    pass(block) {
      if (!healthy || helpers.length === 0) return Promise.reject(new Error('no helper'));
      const job: FactorPassJob = { id: nextId++, pass: block };
      return new Promise<CrossSectionReply>((resolve, reject) => {
        pending.set(job.id, { resolve, reject, helper: -1 });
        queue.push({ job, transfer: blockBuffers(block) });
        pump();
      }).then((r) => {
        if (!r.ok || !('pass' in r)) {
          healthy = false;
          throw new Error(r.ok ? 'a helper answered a factor block with something else' : r.error);
        }
        return r.pass;
      });
    },
    parquet(p) {
      if (!healthy || helpers.length === 0) return Promise.reject(new Error('no helper'));
      const job: ParquetGroupJob = { id: nextId++, parquet: p };
      return new Promise<CrossSectionReply>((resolve, reject) => {
        pending.set(job.id, { resolve, reject, helper: -1 });
        queue.push({ job, transfer: [], only: 0 });
        pump();
      }).then((r) => {
        if (!r.ok || !('ipc' in r)) throw new Error(r.ok ? 'a helper answered a parquet group with something else' : r.error);
        return r.ipc;
      });
    },
    warmParquet() {
      if (healthy && helpers.length > 0) this.parquet({ file: 0, blob: null, group: -1, batchSize: 0 }).catch(() => {});
    },
    close() {
      failAll('the pool was closed');
      for (const h of helpers) h.port.terminate();
      helpers.length = 0;
    },
  };
}

/** panels of fewer values ([T, N, F]) are preprocessed on the calling thread */
export const PARALLEL_MIN_VALUES = 1 << 20;
/** values per helper chunk (~8 MB of x): small enough to keep the two ends of the panel in step */
export const CHUNK_VALUES = 1 << 21;
/** values the calling thread preprocesses between two looks at the helpers' replies (~5 ms of work) */
const STEP_VALUES = 1 << 18;

/** sizes of preprocessDatesParallel's work (tests make them small to exercise many chunks on a small panel) */
export interface ParallelOptions {
  /** below this many values the panel is preprocessed on the calling thread (default PARALLEL_MIN_VALUES) */
  minValues?: number;
  /** values per helper chunk (default CHUNK_VALUES) */
  chunkValues?: number;
  /** values per step of the calling thread (default 2^18) */
  stepValues?: number;
}

/**
 * preprocessDates over [0, T) of a [T, N, F] panel on the calling thread and the pool's helpers at once; the same
 * result as preprocessDates on one thread (tested). Without a usable pool, or for a small panel, it is preprocessDates.
 *
 * The calling thread works from the first date forward, a few dates at a time, and looks at the helpers' replies in
 * between; the helpers take chunks of dates from the last date backward, two in flight each, until the two ends meet,
 * so neither side waits on a fixed split. A chunk travels in reused buffers (copied in, transferred, copied back):
 * the only new memory is 2 chunk buffers per helper, not a copy of the panel (first writes to fresh memory cost about
 * 3 ms per MB on the VMs here, as much as the preprocessing itself). A chunk whose helper fails is redone here.
 */
export async function preprocessDatesParallel(
  x: Float32Array,
  valid: Uint8Array,
  industry: Int32Array,
  T: number,
  N: number,
  F: number,
  cfg: CrossSectionConfig,
  nIndustries: number,
  pool: CrossSectionPool | null | undefined,
  opts: ParallelOptions = {},
): Promise<Int32Array> {
  const helpers = pool && pool.healthy ? pool.size : 0;
  // a small panel is done here: below ~1M values the work (~25 ms) does not pay for the copies and messages
  if (helpers === 0 || T < 2 || T * N * F < (opts.minValues ?? PARALLEL_MIN_VALUES))
    return preprocessDates(x, valid, industry, T, N, F, cfg, nIndustries);
  const nValid = new Int32Array(T);
  const cell = Math.max(1, N * F);
  const chunk = Math.max(1, Math.floor((opts.chunkValues ?? CHUNK_VALUES) / cell)); // dates per helper chunk
  const step = Math.max(1, Math.floor((opts.stepValues ?? STEP_VALUES) / cell)); // dates per local step
  const jobCfg: CrossSectionConfig = {
    madK: cfg.madK,
    normalize: cfg.normalize,
    missing: cfg.missing,
    industryNeutral: cfg.industryNeutral,
  };
  // one scratch for this thread's steps: each step starts from the previous step's last date's hints
  const scratch = makeScratch(N, nIndustries);
  const local = (a: number, e: number) =>
    nValid.set(
      preprocessDates(
        x.subarray(a * N * F, e * N * F),
        valid.subarray(a * N, e * N),
        industry.subarray(a * N, e * N),
        e - a,
        N,
        F,
        cfg,
        nIndustries,
        scratch,
      ),
      a,
    );
  let lo = 0; // dates [0, lo) are done or being done here
  let hi = T; // dates [hi, T) are claimed by helpers
  const redo: [number, number][] = []; // chunks whose helper failed
  let inFlight = 0;
  let wake: (() => void) | null = null; // the final wait for the chunks still in flight
  const settle = () => {
    inFlight--;
    wake?.();
  };
  type Buffers = { x: Float32Array; valid: Uint8Array; industry: Int32Array };
  /** claim the next chunk from the back into `b` and send it; false when nothing is left to claim */
  const send = (b: Buffers): boolean => {
    // leave the calling thread at least its current step's worth so the two ends do not fight over the last dates
    if (!pool!.healthy || hi - lo <= step) return false;
    const e = hi,
      a = Math.max(lo + step, hi - chunk);
    hi = a;
    const Tb = e - a;
    const job = {
      x: b.x.subarray(0, Tb * N * F),
      valid: b.valid.subarray(0, Tb * N),
      industry: b.industry.subarray(0, Tb * N),
      T: Tb,
      N,
      F,
      nIndustries,
      cfg: jobCfg,
    };
    job.x.set(x.subarray(a * N * F, e * N * F));
    job.valid.set(valid.subarray(a * N, e * N));
    job.industry.set(industry.subarray(a * N, e * N));
    inFlight++;
    pool!.run(job).then(
      (r) => {
        if (r.x.length === Tb * N * F && r.valid.length === Tb * N && r.nValid.length === Tb) {
          x.set(r.x, a * N * F);
          valid.set(r.valid, a * N);
          nValid.set(r.nValid, a);
          // the same memory came back (transferred both ways): reuse it for the next chunk
          send({ x: new Float32Array(r.x.buffer), valid: new Uint8Array(r.valid.buffer), industry: b.industry });
        } else redo.push([a, e]);
        settle();
      },
      () => {
        redo.push([a, e]); // the panel's copy of the chunk is untouched: this thread does it
        settle();
      },
    );
    return true;
  };
  const cap = Math.min(chunk, T) * N;
  for (let h = 0; h < helpers * 2; h++)
    if (!send({ x: new Float32Array(cap * F), valid: new Uint8Array(cap), industry: new Int32Array(cap) })) break;
  // this thread: from the front, a step at a time, letting the replies in between
  while (lo < hi) {
    const e = Math.min(hi, lo + step);
    const a = lo;
    lo = e;
    local(a, e);
    await yieldToEvents();
  }
  while (inFlight > 0) await new Promise<void>((r) => (wake = r));
  for (const [a, e] of redo) local(a, e);
  return nValid;
}
