import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from './tf';
import { prepareData } from './data';
import { plantedPanel } from './fixtures';
import { runOnPanel, runEta } from './runner';
import { defaultRun, type RunConfig } from '../core/run';
import { LabError } from '../core/errors';
import type { SplitPlan } from '../data/splits';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('prepareData', () => {
  it('standardises the label per date over the cross-section and clips it (worked example)', () => {
    // one date, 5 stocks, stock 4 not in the cross-section; fwd (h=1) = [.01, .02, .03, .10, 5]
    // over the 4 valid: mean .04, sd = sqrt((.03^2 + .02^2 + .01^2 + .06^2) / 4) = sqrt(12.5e-4) = .0353553
    // z = [-0.848528, -0.565685, -0.282843, 1.697056]; with clip 1.5 the last becomes 1.5
    const p = plantedPanel({ T: 1, N: 5, F: 2, horizons: [1], seed: 1, noise: 0, missing: 0 });
    p.valid.set([1, 1, 1, 1, 0]);
    p.fwd.set([0.01, 0.02, 0.03, 0.1, 5]);
    const d = prepareData(p, { labelClip: 1.5 });
    const want = [-0.848528, -0.565685, -0.282843, 1.5, 0];
    want.forEach((v, i) => expect(d.target[i]).toBeCloseTo(v, 5));
    expect(Array.from(d.targetMask)).toEqual([1, 1, 1, 1, 0]);
    expect(Array.from(d.mask)).toEqual([1, 1, 1, 1, 0]);
    const unclipped = prepareData(p, { labelClip: 0 });
    expect(unclipped.target[3]).toBeCloseTo(1.697056, 5);
  });

  it('selects factors by name or group and rejects unknown ones / universes', () => {
    const p = plantedPanel({ T: 2, N: 4, F: 5, horizons: [1], seed: 1, noise: 0, missing: 0 });
    const d = prepareData(p, { factors: ['signal', 'f4'] }); // group 'signal' = f0..f2
    expect(d.factorNames).toEqual(['f0', 'f1', 'f2', 'f4']);
    // x [T, N, F'] copies the chosen columns: stock 1 of date 1, factor f4
    expect(d.x[(1 * 4 + 1) * 4 + 3]).toBe(p.x[(1 * 4 + 1) * 5 + 4]);
    expect(() => prepareData(p, { factors: ['momentum'] })).toThrow(/unknown factor or group "momentum".*5 factors/);
    expect(() => prepareData(p, { universe: 'top100' })).toThrow(/universe "top100" is not in panel/);
  });
});

describe('runOnPanel', () => {
  const T = 90,
    N = 40;
  const panel = plantedPanel({ T, N, F: 6, horizons: [1, 5], seed: 5, noise: 1.5, missing: 0.1 });
  // a half-universe: even stocks only
  panel.universes.push({
    name: 'even',
    description: 'even stocks',
    member: Uint8Array.from({ length: T * N }, (_, k) => ((k % N) % 2 === 0 ? 1 : 0)),
  });
  // two hand-made groups (the leakage gap of 5 >= the longest horizon); splits.ts plans are tested there
  const plan: SplitPlan = {
    kind: 'fixed',
    maxHorizon: 5,
    warnings: [],
    groups: [
      {
        index: 0,
        label: 'g0',
        train: { start: 0, end: 40 },
        valid: { start: 40, end: 50 },
        gap: { start: 50, end: 55 },
        test: { start: 55, end: 70 },
      },
      {
        index: 1,
        label: 'g1',
        train: { start: 0, end: 55 },
        valid: { start: 55, end: 65 },
        gap: { start: 65, end: 70 },
        test: { start: 70, end: 85 },
      },
    ],
  };
  const run = (over: Partial<RunConfig>): RunConfig => ({
    ...defaultRun,
    dataset: { kind: 'synthetic', name: 'planted' },
    strategy: { ...defaultRun.strategy, horizon: 5, rebalance: 5 },
    ...over,
  });

  it('stitches the test segments, scores only the universe, and reports per-horizon IC', async () => {
    const r = await runOnPanel(panel, run({ model: 'linear', universe: 'even' }), { plan });
    expect(r.testIndex).toEqual(Int32Array.from({ length: 30 }, (_, i) => 55 + i));
    expect(r.groups.map((g) => [g.label, g.test])).toEqual([
      ['g0', [panel.dates[55], panel.dates[69]]],
      ['g1', [panel.dates[70], panel.dates[84]]],
    ]);
    for (let j = 0; j < 30; j++) {
      for (let n = 0; n < N; n++) {
        const s = r.scores[j * N + n];
        const inX = n % 2 === 0 && panel.valid[r.testIndex[j] * N + n] === 1;
        expect(Number.isFinite(s)).toBe(inX);
      }
    }
    expect(r.horizonMetrics[1].dates).toBe(30);
    expect(r.horizonMetrics[1].rank_ic).toBeGreaterThan(0.2);
    expect(r.evalHorizon).toBe(5);
    expect(r.timings.total_ms).toBeGreaterThan(0);
  });

  it('refuses a run above the memory limit before training', async () => {
    const e = await runOnPanel(panel, run({ model: 'mlp', config: { hidden: 64 } }), { plan, memoryLimitBytes: 1e5 }).catch((x) => x);
    expect(e).toBeInstanceOf(LabError);
    expect(e.message).toMatch(/^MLP on planted\(seed 5\): estimated memory .* exceeds the limit of 0\.1 MB/);
  });

  it('same run twice gives identical scores (seeded init and batch order)', async () => {
    const cfg = { hidden: 8, layers: 1, epochs: 2, batchDates: 8 };
    const a = await runOnPanel(panel, run({ model: 'mlp', config: cfg }), { plan });
    const b = await runOnPanel(panel, run({ model: 'mlp', config: cfg }), { plan });
    expect(Array.from(b.scoresByHorizon)).toEqual(Array.from(a.scoresByHorizon));
    const c = await runOnPanel(panel, run({ model: 'mlp', config: cfg, seed: 7 }), { plan });
    expect(Array.from(c.scoresByHorizon)).not.toEqual(Array.from(a.scoresByHorizon));
  });
});

describe('runEta (time left in a run of several groups)', () => {
  it("before a group finishes: this group's bound plus each later group at this group's bounded pace", () => {
    // 30 s elapsed, 90 s left if every epoch runs: 90 + 3 later groups x (30 + 90) = 450
    expect(runEta(90, 30, [], 3)).toBe(450);
  });
  it('after groups finished: later groups at their mean wall time, the current remainder capped by it', () => {
    // finished groups took 40 s and 60 s (mean 50); 20 s into the current one, its bound says 200 s left:
    // min(200, 50 - 20) + 2 x 50 = 130
    expect(runEta(200, 20, [40, 60], 2)).toBe(130);
    // a current group already past the mean adds nothing of its own; a bound below the mean wins
    expect(runEta(200, 70, [40, 60], 1)).toBe(50);
    expect(runEta(5, 20, [40, 60], 0)).toBe(5);
  });
});
