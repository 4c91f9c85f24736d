/**
 * The worker protocol end to end in Node: LabClient <-> structuredClone (with transfer) <-> dispatcher, the
 * same dispatcher worker.ts runs in the browser. Synthetic data (no files), Node DuckDB for the SQL request.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { tf } from './tf';
import { LabClient, type WorkerLike } from './client';
import { createDispatcher } from './dispatcher';
import { nodeWorkerEnv } from './node-io';
import { defaultRun, type RunConfig } from '../core/run';
import { LabError } from '../core/errors';
import { ReplyType, RequestType, transferables, type WorkerReply } from './protocol';
import { runKey, type GroupCheckpoint } from './run-key';

/** A Worker stand-in: messages cross as structured clones (buffers transferred), one macrotask later. */
function inProcessWorker(log: WorkerReply[]): WorkerLike {
  const listeners: ((e: MessageEvent) => void)[] = [];
  const dispatch = createDispatcher(nodeWorkerEnv(), (msg, transfer) => {
    const m = structuredClone(msg, { transfer });
    log.push(msg); // the worker-side original: transferred buffers are detached in it
    setImmediate(() => listeners.forEach((l) => l({ data: m } as MessageEvent)));
  });
  return {
    postMessage: (msg, transfer) => {
      const m = structuredClone(msg, { transfer });
      setImmediate(() => void dispatch(m as never));
    },
    addEventListener: (_t, l) => {
      listeners.push(l);
    },
  };
}

const log: WorkerReply[] = [];
const client = new LabClient(inProcessWorker(log), { baseUrl: 'http://localhost/lab/' });
const spec = { kind: 'synthetic' as const, name: 'synthetic', synthetic: { nStocks: 50, nDays: 520, nFactors: 8, alpha: 0.01 } };
const prep = { ...defaultRun.preprocessing, minHistory: 20 };
const run = (over: Partial<RunConfig>): RunConfig => ({
  ...defaultRun,
  dataset: spec,
  preprocessing: prep,
  backend: 'cpu',
  split: { kind: 'walkforward', groups: 0, gap: 21 },
  strategy: { ...defaultRun.strategy, horizon: 5 },
  ...over,
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('LabClient <-> dispatcher', () => {
  it('loadDataset (synthetic) returns the summary with the DMFM Fig. 3/4 series', async () => {
    const s = await client.loadDataset(spec, prep);
    expect(s).toMatchObject({ kind: 'synthetic', T: 520, N: 50, F: 8, start: '2015-01-05', horizons: [1, 5, 10, 20] });
    expect(s.tables.map((t) => t.name)).toEqual(['factors', 'prices']); // built from the panel on first use
    expect(s.edgesPerStock.values).toBeInstanceOf(Float32Array);
    expect(s.edgesPerStock.values.length).toBe(520);
    // 2015-01 .. 2016-12: 24 month ends; each row of shares sums to 1 (dates with members)
    const K = s.industryProportion.industries.length;
    expect(s.industryProportion.dates).toHaveLength(24);
    const row = Array.from(s.industryProportion.share.subarray(23 * K, 24 * K));
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(s.universes[0].name).toBe('all');
  });

  it('train streams progress and returns scores, history, backend and the evaluation', async () => {
    const progress: { group?: number; epoch: number; phase: string }[] = [];
    const h = client.train(run({ model: 'mlp', config: { hidden: 8, layers: 1, epochs: 3, batchDates: 16 } }), {
      onProgress: (p) => progress.push(p),
    });
    const r = await h.result;
    expect(r.backend).toMatchObject({ backend: 'cpu', forced: true });
    expect(r.model.id).toBe('mlp');
    expect(r.groups.map((g) => g.label)).toEqual(['2016H2']);
    const g = r.groups[0];
    // leakage: train and validation end before the test starts (the 21-day gap lies between)
    expect(g.train[1] < g.valid[0] && g.valid[1] < g.test[0]).toBe(true);
    expect(r.testDates[0]).toBe(g.test[0]);
    const D = r.testDates.length,
      N = r.tickers.length;
    expect(r.scores).toBeInstanceOf(Float32Array);
    expect(r.scores.length).toBe(D * N);
    expect(r.scoresByHorizon.length).toBe(4 * D * N);
    expect(g.history.epochs.length).toBe(3);
    expect(progress.some((p) => p.phase === 'train' && p.group === 0)).toBe(true);
    expect(progress.filter((p) => p.phase === 'validate').map((p) => p.epoch)).toEqual([1, 2, 3]);
    expect(r.eval.metrics.rankIc).toBeCloseTo(r.horizonMetrics[1].rank_ic, 10); // same scores, same horizon (5)
    expect(r.horizonMetrics.map((m) => m.horizon)).toEqual([1, 5, 10, 20]);
    // the result's typed arrays were transferred, not copied: detached (length 0) on the worker side
    const reply = log.find((m) => m.type === ReplyType.TRAIN_RESULT)!;
    if (reply.type !== ReplyType.TRAIN_RESULT) throw new Error('no result');
    expect(reply.result.scores.length).toBe(0);
    expect(reply.result.scoresByHorizon.length).toBe(0);
    expect(reply.result.tickers.length).toBe(N); // plain arrays are copied
  });

  it('GROUP_DONE brings one checkpoint per group; resume passes through and trains only the missing group', async () => {
    const two = run({
      model: 'mlp',
      split: { kind: 'walkforward', groups: 2, gap: 21 },
      config: { hidden: 8, layers: 1, epochs: 1, batchDates: 16 },
    });
    const cps: GroupCheckpoint[] = [];
    const full = await client.train(two, { onGroupDone: (cp) => cps.push(cp) }).result;
    expect(full.groups.map((g) => g.label)).toEqual(['2016H1', '2016H2']);
    expect(cps.map((c) => [c.groupIndex, c.label, c.total, c.runKey])).toEqual([
      [0, '2016H1', 2, runKey(two)],
      [1, '2016H2', 2, runKey(two)],
    ]);
    const D = full.testDates.length,
      N = 50;
    const Dg = cps.map((c) => c.shape[1]);
    expect(Dg[0] + Dg[1]).toBe(D);
    cps.forEach((c, i) => {
      expect(c.shape).toEqual([4, Dg[i], N]); // [H, Dg, N]
      expect(c.scores).toBeInstanceOf(Float32Array);
      expect(c.scores.length).toBe(4 * Dg[i] * N);
      expect(c.record.history.epochs).toHaveLength(1);
      expect(c.record.weights!.length).toBeGreaterThan(0);
      expect(c.test).toEqual(full.groups[i].test);
    });
    // group 1's last-horizon block = rows Dg0.. of the stitched [H, D, N] result's last block
    expect(Array.from(cps[1].scores.subarray(3 * Dg[1] * N))).toEqual(
      Array.from(full.scoresByHorizon.subarray((3 * D + Dg[0]) * N, 4 * D * N)),
    );
    // the worker transferred the scores (detached on its side) and copied the record
    const sent = log.filter((m) => m.type === ReplyType.GROUP_DONE);
    expect(
      sent
        .slice(-2)
        .map((m) => (m.type === ReplyType.GROUP_DONE ? [m.checkpoint.scores.length, m.checkpoint.record.weights!.length > 0] : null)),
    ).toEqual([
      [0, true],
      [0, true],
    ]);

    const groups = new Set<number | undefined>();
    const again: GroupCheckpoint[] = [];
    const resumed = await client.train(two, {
      resume: [cps[0]],
      onProgress: (p) => groups.add(p.group),
      onGroupDone: (cp) => again.push(cp),
    }).result;
    expect([...groups]).toEqual([1]);
    expect(again.map((c) => c.groupIndex)).toEqual([1]);
    expect(Array.from(resumed.scoresByHorizon)).toEqual(Array.from(full.scoresByHorizon));
    expect(resumed.eval.metrics).toEqual(full.eval.metrics);
    expect(cps[0].scores.length).toBe(4 * Dg[0] * N); // resume checkpoints are copied, not transferred
    const wrong = await client.train({ ...two, seed: 1 }, { resume: [cps[0]] }).result.catch((e) => e);
    expect(wrong).toBeInstanceOf(LabError);
    expect(wrong.message).toMatch(/belongs to another run/);
  });

  it('Linear on the planted synthetic signal scores a clearly positive test IC', async () => {
    const r = await client.train(run({ model: 'linear', config: {} })).result;
    expect(r.groups[0].history.epochs).toHaveLength(1);
    expect(r.horizonMetrics[1].rank_ic).toBeGreaterThan(0.2);
    const ex = r.groups[0].extras as { coefficients: { horizon: number; weights: { factor: string; w: number }[] }[] };
    expect(ex.coefficients.map((c) => c.horizon)).toEqual([1, 5, 10, 20]);
  });

  it('a train result carries every universe; EVALUATE re-scores the stored scores without training', async () => {
    const lin = run({ model: 'linear', config: {} });
    const r = await client.train(lin).result;
    const s = await client.loadDataset(spec, prep);
    expect(r.universes!.map((u) => u.universe)).toEqual(s.universes.map((u) => u.name));
    expect(r.universes![0].metrics).toEqual(r.eval.metrics); // run universe 'all' = the run's own evaluation
    const scores = { scoresByHorizon: r.scoresByHorizon, testIndex: r.testIndex, horizons: r.horizons };
    const same = await client.evaluate(lin, scores);
    expect(same.eval.metrics).toEqual(r.eval.metrics);
    // cost 0: same holdings, so the same gross returns R; the paid run's net is (1 - c)(1 + R) - 1 = R - c - cR, hence
    // alpha_free - alpha_paid = 252 x mean(c + cR) over the holding days
    const free = await client.evaluate({ ...lin, strategy: { ...lin.strategy, cost: 0 } }, scores);
    const paid = r.eval.series;
    expect(Array.from(free.eval.series.gross)).toEqual(Array.from(paid.gross));
    let drag = 0;
    for (let k = 0; k < paid.cost.length; k++) drag += paid.cost[k] * (1 + paid.gross[k]);
    expect(drag).toBeGreaterThan(0);
    expect(free.eval.metrics.alpha - r.eval.metrics.alpha).toBeCloseTo((252 * drag) / paid.cost.length, 12);
    expect(r.scoresByHorizon.length).toBe(4 * r.testDates.length * r.tickers.length); // copied, not transferred
  });

  it('cancel through an AbortSignal rejects with CancelledError; a second run while training is refused', async () => {
    const ac = new AbortController();
    let steps = 0;
    const h = client.train(run({ model: 'mlp', config: { hidden: 8, layers: 1, epochs: 200, batchDates: 4 } }), {
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === 'train' && ++steps === 2) ac.abort();
      },
    });
    const busy = await client.train(run({ model: 'ew' })).result.catch((e) => e);
    expect(busy).toBeInstanceOf(LabError);
    expect(busy.message).toMatch(/already training/);
    const err = await h.result.catch((e) => e);
    expect(err.name).toBe('CancelledError');
  });

  it('errors cross the boundary as LabError with message and hint', async () => {
    const err = await client.train(run({ model: 'gat9000' })).result.catch((e) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(err.message).toBe('Unknown model "gat9000".');
    expect(err.hint).toMatch(/linear, ew, mlp/);
    const e2 = await client.train(run({ model: 'ew', strategy: { ...defaultRun.strategy, horizon: 7 } })).result.catch((e) => e);
    expect(e2.message).toMatch(/strategy horizon 7 is not one of the panel's label horizons \[1, 5, 10, 20\]/);
  });

  it('query runs SQL in the worker DuckDB and returns plain rows', async () => {
    const q = await client.query(`SELECT 42::BIGINT AS a, DATE '2020-01-02' AS d, 'x' AS s UNION ALL SELECT 7, NULL, 'y'`);
    expect(q.columns.map((c) => c.name)).toEqual(['a', 'd', 's']);
    expect(q.rows).toEqual([
      [42, '2020-01-02', 'x'],
      [7, null, 'y'],
    ]);
    expect(q.totalRows).toBe(2);
    expect(q.truncated).toBe(false);
    const many = await client.query('SELECT * FROM range(1500)');
    expect(many.rows).toHaveLength(1000);
    expect(many).toMatchObject({ totalRows: 1500, truncated: true });
  });

  it('seededStep and initBackend through the client', async () => {
    const s = await client.seededStep('cpu');
    expect(s.backend).toBe('cpu');
    expect(s.lossAfter).toBeLessThan(s.loss);
    const c = await client.initBackend('wasm');
    expect(c).toMatchObject({ backend: 'wasm', forced: true });
  });

  it('transferables() takes whole-buffer typed arrays only, never excluded (panel) buffers', () => {
    const own = new Float32Array(4),
      big = new Float32Array(8),
      view = big.subarray(2, 4),
      panelBuf = new Float32Array(3);
    const t = transferables({ a: own, b: [view, { c: panelBuf }], d: own }, new Set([panelBuf.buffer]));
    expect(t).toEqual([own.buffer]);
    expect(RequestType.TRAIN).toBe('TRAIN');
  });
});
