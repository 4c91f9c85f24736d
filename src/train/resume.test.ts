/**
 * Group checkpoints: a walk-forward run stopped after its first group and resumed from that group's checkpoint gives
 * exactly the uninterrupted run (same seed), training only the remaining groups; checkpoints of other runs are refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from './tf';
import { plantedPanel } from './fixtures';
import { runOnPanel, type RunResult } from './runner';
import { runKey, stableJson, type GroupCheckpoint } from './run-key';
import { defaultRun, type RunConfig } from '../core/run';
import { LabError } from '../core/errors';
import { makeSplits } from '../data/splits';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// 900 calendar days from 2015-01-01 (to 2017-06-19): half-years 2015H1..2017H1; 3 groups = test 2016H1, 2016H2, 2017H1
const panel = plantedPanel({ T: 900, N: 24, F: 6, horizons: [1, 5], seed: 3, noise: 1, missing: 0.1 });
const run: RunConfig = {
  ...defaultRun,
  dataset: { kind: 'synthetic', name: 'planted' },
  model: 'mlp',
  config: { hidden: 8, layers: 1, epochs: 2, batchDates: 32, patience: 5 },
  split: { kind: 'walkforward', groups: 3, gap: 5 },
  seed: 11,
  strategy: { ...defaultRun.strategy, horizon: 5, rebalance: 5 },
};

describe('runKey', () => {
  it('ignores key order, the strategy rules and the backend; changes with seed, hyper-parameters, split and horizon', () => {
    expect(stableJson({ b: 1, a: [2, { d: undefined, c: 'x' }] })).toBe('{"a":[2,{"c":"x"}],"b":1}');
    const k = runKey(run);
    expect(k).toMatch(/^mlp-[0-9a-f]{16}$/);
    const reordered = { ...run, config: { patience: 5, batchDates: 32, epochs: 2, layers: 1, hidden: 8 } };
    expect(runKey(reordered)).toBe(k);
    expect(runKey({ ...run, backend: 'wasm', strategy: { ...run.strategy, cost: 0, kind: 'longshort' }, explain: true })).toBe(k);
    for (const other of [
      { ...run, seed: 12 },
      { ...run, config: { ...run.config, hidden: 9 } },
      { ...run, split: { ...run.split, groups: 2 } },
      { ...run, strategy: { ...run.strategy, horizon: 1 } },
    ]) {
      expect(runKey(other)).not.toBe(k);
    }
  });
});

describe('runOnPanel resume', () => {
  let full: RunResult;
  const fullCps: GroupCheckpoint[] = [];
  const saved: GroupCheckpoint[] = [];

  it("an uninterrupted run hands out one checkpoint per group with that group's test scores", async () => {
    full = await runOnPanel(panel, run, {
      onGroupDone: (cp) => {
        fullCps.push(cp);
      },
    });
    expect(full.groups.map((g) => g.label)).toEqual(['2016H1', '2016H2', '2017H1']);
    expect(fullCps.map((c) => [c.groupIndex, c.label, c.total, c.runKey])).toEqual(
      [0, 1, 2].map((i) => [i, full.groups[i].label, 3, runKey(run)]),
    );
    // group g's scores [H, Dg, N] are the rows offset..offset+Dg of each horizon block of the stitched [H, D, N]
    const D = full.testDates.length,
      N = 24;
    let offset = 0;
    for (const c of fullCps) {
      const [H, Dg, n] = c.shape;
      expect([H, n]).toEqual([2, N]);
      expect(c.test).toEqual([full.testDates[offset], full.testDates[offset + Dg - 1]]);
      for (let h = 0; h < H; h++) {
        expect(Array.from(c.scores.subarray(h * Dg * N, (h + 1) * Dg * N))).toEqual(
          Array.from(full.scoresByHorizon.subarray((h * D + offset) * N, (h * D + offset + Dg) * N)),
        );
      }
      offset += Dg;
    }
    expect(offset).toBe(D);
  });

  it('stopped after group 1 and resumed: identical scores and metrics, only groups 2-3 trained', async () => {
    const ac = new AbortController();
    const trainedA = new Set<number>();
    const err = await runOnPanel(panel, run, {
      signal: ac.signal,
      onProgress: (p) => trainedA.add(p.group ?? -1),
      onGroupDone: (cp) => {
        saved.push(cp);
        if (cp.groupIndex === 0) ac.abort();
      },
    }).catch((e) => e);
    expect(err.name).toBe('CancelledError');
    expect(saved.map((c) => c.groupIndex)).toEqual([0]);
    expect([...trainedA]).toEqual([0]);

    const trainedB = new Set<number>();
    const more: GroupCheckpoint[] = [];
    const r = await runOnPanel(panel, run, {
      resume: saved,
      onProgress: (p) => trainedB.add(p.group ?? -1),
      onGroupDone: (cp) => {
        more.push(cp);
      },
    });
    expect([...trainedB]).toEqual([1, 2]); // group 0 came from the checkpoint
    expect(more.map((c) => c.groupIndex)).toEqual([1, 2]);
    expect(Array.from(r.scoresByHorizon)).toEqual(Array.from(full.scoresByHorizon));
    expect(Array.from(r.testIndex)).toEqual(Array.from(full.testIndex));
    expect(r.eval.metrics).toEqual(full.eval.metrics);
    expect(Array.from(r.eval.series.nav)).toEqual(Array.from(full.eval.series.nav));
    expect(r.horizonMetrics).toEqual(full.horizonMetrics);
    const epochs = (x: RunResult) => x.groups.map((g) => g.history.epochs.map((e) => ({ ...e, ms: 0 }))); // all but the timing
    expect(epochs(r)).toEqual(epochs(full));
    expect(r.groups.map((g) => g.weights)).toEqual(full.groups.map((g) => g.weights));
    // every group resumed: nothing trains, same result
    const trainedC = new Set<number>();
    const all = await runOnPanel(panel, run, { resume: fullCps, onProgress: (p) => trainedC.add(p.group ?? -1) });
    expect(trainedC.size).toBe(0);
    expect(Array.from(all.scoresByHorizon)).toEqual(Array.from(full.scoresByHorizon));
    expect(all.eval.metrics).toEqual(full.eval.metrics);
  });

  it('refuses checkpoints of another run, another split or other data', async () => {
    const refuse = async (r: RunConfig, resume: GroupCheckpoint[], plan?: ReturnType<typeof makeSplits>) => {
      const e = await runOnPanel(panel, r, { resume, plan }).catch((x) => x);
      expect(e).toBeInstanceOf(LabError);
      expect(e.hint).toMatch(/train afresh|at most once/);
      return e.message as string;
    };
    expect(await refuse({ ...run, seed: 12 }, saved)).toMatch(/^Checkpoint of group 1 \(2016H1\) belongs to another run/);
    expect(await refuse({ ...run, split: { ...run.split, groups: 2 } }, saved)).toMatch(/belongs to another run/);
    // same key but the plan's group 0 is 2016H2: the label / test span check catches it
    const two = makeSplits(panel.dates, { ...run.split, groups: 2 }, panel.horizons);
    expect(await refuse(run, saved, two)).toMatch(
      /test 2016-01-01\.\.2016-06-30, does not match this run's group 2016H2, test 2016-07-01\.\.2016-12-31/,
    );
    const cp = saved[0];
    expect(await refuse(run, [{ ...cp, shape: [2, cp.shape[1], 23], scores: cp.scores.subarray(0, 2 * cp.shape[1] * 23) }])).toMatch(
      /scores of shape \[2, 182, 23\].*needs \[2, 182, 24\]/,
    );
    expect(await refuse(run, [cp, cp])).toMatch(/given twice/);
  });

  it('rolling warm start: a resumed run starts the next month from the checkpointed weights (same result)', async () => {
    // the rolling fixture of rolling.test.ts: ~64 months, 60-month window, each month warm-started from the previous one
    const p = plantedPanel({ T: 1960, N: 12, F: 4, horizons: [1, 20], seed: 3, noise: 0.5, missing: 0.1 });
    const r: RunConfig = {
      ...defaultRun,
      dataset: { kind: 'synthetic', name: 'planted' },
      model: 'dfm',
      config: { epochs: 2, warmEpochs: 1, batchDates: 20, warmStart: true },
      split: { kind: 'rolling', windowMonths: 60 },
      strategy: { kind: 'longshort', groups: 5, horizon: 20 },
    };
    const whole = await runOnPanel(p, r);
    expect(whole.groups.length).toBeGreaterThanOrEqual(3);
    const ac = new AbortController();
    const cps: GroupCheckpoint[] = [];
    const err = await runOnPanel(p, r, {
      signal: ac.signal,
      onGroupDone: (cp) => {
        cps.push(cp);
        if (cp.groupIndex === 1) ac.abort();
      },
    }).catch((e) => e);
    expect(err.name).toBe('CancelledError');
    expect(cps.map((c) => c.groupIndex)).toEqual([0, 1]);
    const trained = new Set<number>();
    const res = await runOnPanel(p, r, { resume: cps, onProgress: (q) => trained.add(q.group ?? -1) });
    expect(Math.min(...trained)).toBe(2);
    expect(res.groups.map((g) => g.warmStarted)).toEqual(whole.groups.map((g) => g.warmStarted));
    expect(Array.from(res.scoresByHorizon)).toEqual(Array.from(whole.scoresByHorizon));
    expect(res.monthEnd).toEqual(whole.monthEnd);
    // control: the resumed weights are what the next month starts from (zeroed ones give other scores)
    const cold = await runOnPanel(p, r, {
      resume: cps.map((c) => ({
        ...c,
        record: { ...c.record, weights: c.record.weights!.map((w) => ({ ...w, values: new Float32Array(w.values.length) })) },
      })),
    });
    expect(Array.from(cold.scoresByHorizon)).not.toEqual(Array.from(whole.scoresByHorizon));
  });
});
