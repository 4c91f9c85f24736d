import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from './tf';
import { plantedPanel } from './fixtures';
import { runOnPanel, type RunResult } from './runner';
import { evaluateScores, evaluateUniverses, scoreGrid } from './reevaluate';
import { defaultRun, type RunConfig } from '../core/run';
import { LabError } from '../core/errors';
import type { SplitPlan } from '../data/splits';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('re-evaluating stored scores', () => {
  const T = 90,
    N = 40;
  const panel = plantedPanel({ T, N, F: 6, horizons: [1, 5], seed: 5, noise: 1.5, missing: 0.1 });
  panel.universes.push({
    name: 'even',
    description: 'even stocks',
    member: Uint8Array.from({ length: T * N }, (_, k) => ((k % N) % 2 === 0 ? 1 : 0)),
  });
  panel.universes.push({ name: 'nobody', description: 'no members', member: new Uint8Array(T * N) });
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
  const run: RunConfig = {
    ...defaultRun,
    dataset: { kind: 'synthetic', name: 'planted' },
    model: 'linear',
    universe: 'even',
    strategy: { kind: 'topquantile', groups: 5, horizon: 5, rebalance: 5, cost: 0.004 },
  };
  let r: RunResult;
  const scores = () => ({ scoresByHorizon: r.scoresByHorizon, testIndex: r.testIndex, horizons: r.horizons });
  beforeAll(async () => {
    r = await runOnPanel(panel, run, { plan });
  });

  it("with the run's own strategy and universe it reproduces the runner's evaluation exactly", () => {
    const e = evaluateScores(panel, run, scores());
    expect(e.metrics).toEqual(r.eval.metrics);
    expect(Array.from(e.series.cumExcess)).toEqual(Array.from(r.eval.series.cumExcess));
    expect(Array.from(e.ic)).toEqual(Array.from(r.eval.ic));
    expect(e.evalIso).toEqual(r.testDates);
  });

  it('places the horizon head on the [T, N] grid at the test dates only', () => {
    const g = scoreGrid(panel, scores(), 1); // head 0 (horizon 1)
    const D = r.testIndex.length;
    expect(Array.from(g.testMask).reduce((a, b) => a + b, 0)).toBe(D);
    // test date j = 3 (panel date 58), stock 2: scoresByHorizon[h = 0, j = 3, n = 2]
    expect(g.scores[58 * N + 2]).toBe(r.scoresByHorizon[(0 * D + 3) * N + 2]);
    expect(Number.isNaN(g.scores[10 * N + 2])).toBe(true); // a training date carries no score
  });

  it('every universe: the run universe matches, "all" shares the IC (odd stocks were never scored), an empty one is NaN', () => {
    const u = evaluateUniverses(panel, run, scores());
    expect(u.map((x) => x.universe)).toEqual(['all', 'even', 'nobody']);
    const even = u[1],
      all = u[0],
      nobody = u[2];
    expect(even.metrics).toEqual(r.eval.metrics);
    expect(even.icDates).toBe(30);
    expect(all.metrics.ic).toBeCloseTo(even.metrics.ic, 12);
    expect(all.metrics.rankIc).toBeCloseTo(even.metrics.rankIc, 12);
    expect(all.icDates).toBe(30);
    expect(nobody.icDates).toBe(0);
    expect(Number.isFinite(nobody.metrics.ic)).toBe(false);
  });

  it('a cost change moves alpha by exactly the cost drag (same holdings, same gross returns)', () => {
    const free = evaluateScores(panel, { ...run, strategy: { ...run.strategy, cost: 0 } }, scores());
    const paid = r.eval.metrics;
    expect(free.metrics.costDrag).toBe(0);
    expect(paid.costDrag).toBeGreaterThan(0);
    // net = (1 - c)(1 + R) - 1 = R - c - cR; the planted panel's daily returns are 0 (R = 0), so
    // alpha_free - alpha_paid = 252 x mean(c) = costDrag
    expect(free.metrics.alpha - paid.alpha).toBeCloseTo(paid.costDrag, 12);
    expect(free.metrics.ic).toBe(paid.ic);
  });

  it('refuses a horizon the model has no head for, and scores of the wrong size', () => {
    expect(() => evaluateScores(panel, { ...run, strategy: { ...run.strategy, horizon: 20 } }, scores())).toThrow(LabError);
    expect(() => evaluateScores(panel, { ...run, strategy: { ...run.strategy, horizon: 20 } }, scores())).toThrow(
      /horizon 20 is not one of the model's heads \[1, 5\]/,
    );
    const short = { ...scores(), scoresByHorizon: r.scoresByHorizon.subarray(1) };
    expect(() => evaluateScores(panel, run, short)).toThrow(/H x D x N = 2 x 30 x 40 = 2400/);
  });
});
