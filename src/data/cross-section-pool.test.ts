/**
 * cross-section-pool.ts: per-date preprocessing across helper threads giving exactly the
 * single-thread result (real worker_threads), also when a helper fails (its block is redone on the calling thread).
 */
import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { preprocessDates, type CrossSectionConfig } from './preprocess';
import {
  createCrossSectionPool,
  defaultHelperCount,
  preprocessDatesParallel,
  runCrossSectionJob,
  type CrossSectionJob,
  type CrossSectionReply,
  type HelperPort,
} from './cross-section-pool';
import { nodeCrossSectionPool } from './cross-section-pool-node';

describe('defaultHelperCount', () => {
  it('the cores beyond the calling thread, 0 to 7', () => {
    expect([1, 2, 4, 16, 0].map(defaultHelperCount)).toEqual([0, 1, 3, 7, 0]);
  });
});

/** a random [T, N, F] panel with missing values, invalid stocks and 3 industries (some unknown) */
function randomPanel(T: number, N: number, F: number, seed: number) {
  const rng = makeRng(seed).uniform;
  const x = new Float32Array(T * N * F);
  const valid = new Uint8Array(T * N);
  const industry = new Int32Array(T * N);
  for (let t = 0; t < T; t++) {
    const nOn = t % 7 === 3 ? 2 : N; // some thin dates
    for (let n = 0; n < N; n++) {
      valid[t * N + n] = n < nOn && rng() > 0.1 ? 1 : 0;
      industry[t * N + n] = rng() < 0.1 ? -1 : Math.floor(rng() * 3);
      for (let f = 0; f < F; f++) {
        const r = rng();
        x[(t * N + n) * F + f] = r < 0.05 ? NaN : r < 0.08 ? 50 * (rng() - 0.5) : rng() - 0.5;
      }
    }
  }
  return { x, valid, industry };
}

const CFGS: CrossSectionConfig[] = [
  { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: false },
  { madK: 3, normalize: 'rank', missing: 'fill', industryNeutral: true },
  { madK: 0, normalize: 'none', missing: 'mask', industryNeutral: false },
];

function sequential(p: ReturnType<typeof randomPanel>, T: number, N: number, F: number, cfg: CrossSectionConfig) {
  const x = p.x.slice(),
    valid = p.valid.slice();
  const nValid = preprocessDates(x, valid, p.industry, T, N, F, cfg, 3);
  return { x, valid, nValid };
}

const bytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('preprocessDatesParallel', () => {
  const T = 61,
    N = 37,
    F = 4;
  // chunks of 5 dates for the helpers, steps of 2 dates on the calling thread: many chunks on this small panel
  const small = { minValues: 0, chunkValues: 5 * N * F, stepValues: 2 * N * F };
  it('on 1 and 3 worker_threads equals preprocessDates byte for byte (x, valid, valid count per date)', async () => {
    for (const helpers of [1, 3]) {
      const pool = nodeCrossSectionPool(helpers);
      try {
        for (const cfg of CFGS) {
          const p = randomPanel(T, N, F, 7 + helpers);
          const sent = { n: 0 };
          const counting = { ...pool, run: (j: Parameters<typeof pool.run>[0]) => (sent.n++, pool.run(j)) } as typeof pool;
          const want = sequential(p, T, N, F, cfg);
          const x = p.x.slice(),
            valid = p.valid.slice();
          const nValid = await preprocessDatesParallel(x, valid, p.industry, T, N, F, cfg, 3, counting, small);
          expect(sent.n).toBeGreaterThanOrEqual(helpers); // the helpers did take chunks
          expect(bytes(x)).toEqual(bytes(want.x));
          expect(valid).toEqual(want.valid);
          expect(nValid).toEqual(want.nValid);
          // the fixture exercises the cases: thin dates and missing values
          expect(Math.min(...nValid)).toBeLessThanOrEqual(2);
        }
        expect(pool.healthy).toBe(true);
      } finally {
        pool.close();
      }
    }
  });

  /** an in-process helper that answers through `answer` (a fake thread: how it fails is the test's choice) */
  function fakePool(
    size: number,
    answer: (job: CrossSectionJob, reply: (r: CrossSectionReply) => void, fail: (w: string) => void) => void,
    timeoutMs?: number,
  ) {
    const jobs: number[] = [];
    const pool = createCrossSectionPool(
      (): HelperPort => {
        let onReply: (r: CrossSectionReply) => void = () => {};
        let onFail: (w: string) => void = () => {};
        return {
          post: (job) => {
            if ('parquet' in job) {
              queueMicrotask(() => onReply({ id: job.id, ok: false, error: 'no parquet here' }));
              return;
            }
            if (!('T' in job)) {
              queueMicrotask(() => onReply(runCrossSectionJob(job).reply));
              return;
            }
            jobs.push(job.T);
            queueMicrotask(() => answer(job, onReply, onFail));
          },
          listen: (r, f) => {
            onReply = r;
            onFail = f;
          },
          terminate: () => {},
        };
      },
      size,
      { timeoutMs },
    );
    return { pool, jobs };
  }

  it('a helper that dies, or answers with an error, loses no block: the calling thread redoes its chunk, the pool is retired', async () => {
    const cfg = CFGS[0];
    const p = randomPanel(T, N, F, 3);
    const want = sequential(p, T, N, F, cfg);
    const cases = {
      dies: (_j: CrossSectionJob, _r: (r: CrossSectionReply) => void, fail: (w: string) => void) => fail('killed'),
      error: (j: CrossSectionJob, reply: (r: CrossSectionReply) => void) => reply({ id: j.id, ok: false, error: 'out of memory' }),
      // a reply of the wrong length must not be written into the panel
      short: (j: CrossSectionJob, reply: (r: CrossSectionReply) => void) =>
        reply({ id: j.id, ok: true, x: new Float32Array(3), valid: new Uint8Array(1), nValid: new Int32Array(1) }),
    };
    for (const [name, answer] of Object.entries(cases)) {
      const { pool, jobs } = fakePool(2, answer);
      const x = p.x.slice(),
        valid = p.valid.slice();
      const nValid = await preprocessDatesParallel(x, valid, p.industry, T, N, F, cfg, 3, pool, small);
      expect(jobs.length, name).toBeGreaterThanOrEqual(2); // chunks were sent to both helpers
      expect(bytes(x), name).toEqual(bytes(want.x));
      expect(nValid, name).toEqual(want.nValid);
      if (name !== 'short') expect(pool.healthy, name).toBe(false);
      expect(pool.size === 0, name).toBe(name !== 'short');
    }
  });

  it('a working in-process helper (runCrossSectionJob) gives the same result; small panels stay on the calling thread', async () => {
    const cfg = CFGS[1];
    const p = randomPanel(T, N, F, 5);
    const want = sequential(p, T, N, F, cfg);
    const { pool, jobs } = fakePool(2, (j, reply) => reply(runCrossSectionJob(j).reply));
    const x = p.x.slice(),
      valid = p.valid.slice();
    expect(await preprocessDatesParallel(x, valid, p.industry, T, N, F, cfg, 3, pool, small)).toEqual(want.nValid);
    expect(bytes(x)).toEqual(bytes(want.x));
    // the helpers took chunks of at most 5 dates from the back, the calling thread the rest from the front
    const byHelpers = jobs.reduce((a, b) => a + b, 0);
    expect(Math.max(...jobs)).toBeLessThanOrEqual(5);
    expect(byHelpers).toBeGreaterThan(0);
    expect(byHelpers).toBeLessThan(T);
    const sentBefore = jobs.length;
    // default threshold: 61 x 37 x 4 values is far below 1M, nothing is sent
    const x2 = p.x.slice();
    expect(await preprocessDatesParallel(x2, p.valid.slice(), p.industry, T, N, F, cfg, 3, pool)).toEqual(want.nValid);
    expect(jobs.length).toBe(sentBefore);
    expect(bytes(x2)).toEqual(bytes(want.x));
  });

  it('reserve: a helper that cannot allocate gives null and the pool stays usable; no helper gives null', async () => {
    const { pool } = fakePool(1, (j, reply) => reply(runCrossSectionJob(j).reply));
    // a RangeError in the helper (an ArrayBuffer beyond any limit) is a null reservation, not a failed pool
    expect(await pool.reserve(2 ** 53)).toBeNull();
    expect(pool.healthy).toBe(true);
    const b = await pool.reserve(3 * 4096 + 5);
    expect(b?.byteLength).toBe(3 * 4096 + 5);
    const none = createCrossSectionPool(() => {
      throw new Error('Worker is not defined');
    }, 1);
    expect(await none.reserve(1024)).toBeNull();
  });

  it('a helper that never answers: after the timeout the pool is retired and this thread does every chunk', async () => {
    const cfg = CFGS[2];
    const p = randomPanel(T, N, F, 11);
    const want = sequential(p, T, N, F, cfg);
    const { pool, jobs } = fakePool(1, () => {}, 30); // posts are swallowed; 30 ms watchdog
    const x = p.x.slice(),
      valid = p.valid.slice();
    const nValid = await preprocessDatesParallel(x, valid, p.industry, T, N, F, cfg, 3, pool, small);
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    expect(bytes(x)).toEqual(bytes(want.x));
    expect(valid).toEqual(want.valid);
    expect(nValid).toEqual(want.nValid);
    expect([pool.healthy, pool.size]).toEqual([false, 0]);
    // a reservation from a silent helper comes back null, not never
    const terminated: number[] = [];
    const silent = createCrossSectionPool(() => ({ post: () => {}, listen: () => {}, terminate: () => terminated.push(1) }), 1, {
      timeoutMs: 30,
    });
    expect(await silent.reserve(4096)).toBeNull();
    expect([silent.healthy, terminated.length]).toEqual([false, 1]); // the hung helper was terminated
  });

  it('a pool whose helpers cannot be created works alone (size 0)', async () => {
    const pool = createCrossSectionPool(() => {
      throw new Error('Worker is not defined');
    }, 2);
    expect([pool.size, pool.healthy]).toEqual([0, false]);
    await expect(
      pool.run({
        x: new Float32Array(1),
        valid: new Uint8Array(1),
        industry: new Int32Array(1),
        T: 1,
        N: 1,
        F: 1,
        nIndustries: 1,
        cfg: CFGS[0],
      }),
    ).rejects.toThrow(/no preprocessing helper/);
  });
});
