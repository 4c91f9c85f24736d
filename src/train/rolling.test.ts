import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from './tf';
import { plantedPanel } from './fixtures';
import { runOnPanel } from './runner';
import { evaluateScores, evaluateUniverses } from './reevaluate';
import { defaultRun, type RunConfig } from '../core/run';
import { monthEnds } from '../data/splits';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** months between two ISO dates' months: monthIndex('2020-03-..') - monthIndex('2015-01-..') */
const monthIndex = (iso: string) => +iso.slice(0, 4) * 12 + +iso.slice(5, 7) - 1;

describe('rolling protocol (Deep Factor Model): 60 monthly cross-sections, re-trained every month', () => {
  // 1960 consecutive calendar days from 2015-01-01 (~64 months), 12 stocks, labels of 1 and 20 days
  const T = 1960,
    N = 12;
  const panel = plantedPanel({ T, N, F: 4, horizons: [1, 20], seed: 3, noise: 0.5, missing: 0.1 });
  const me = new Set(Array.from(monthEnds(panel.dates)));
  const run = (config: Record<string, number | string | boolean>): RunConfig => ({
    ...defaultRun,
    dataset: { kind: 'synthetic', name: 'planted' },
    model: 'dfm',
    config,
    split: { kind: 'rolling', windowMonths: 60 },
    strategy: { kind: 'longshort', groups: 5, horizon: 20 },
  });

  it('each month sees only month-ends of the previous 60 months with realised labels; warm start trains warmEpochs', async () => {
    const r = await runOnPanel(panel, run({ epochs: 2, warmEpochs: 1, batchDates: 20, warmStart: true }));
    expect(r.groups.length).toBeGreaterThanOrEqual(3);
    for (const g of r.groups) {
      const test0 = g.test[0];
      const s = panel.dates.indexOf(test0);
      expect(me.has(s)).toBe(true); // predictions are made at a month end
      expect(g.samples!.length).toBeGreaterThan(0);
      expect(g.samples!.length).toBeLessThanOrEqual(60);
      for (const d of g.samples!) {
        const t = panel.dates.indexOf(d);
        expect(me.has(t)).toBe(true); // a month-end cross-section
        const lag = monthIndex(test0) - monthIndex(d);
        expect(lag).toBeGreaterThanOrEqual(1); // strictly before the prediction month
        expect(lag).toBeLessThanOrEqual(60); // inside the 60-month window
        expect(t + 1 + 20).toBeLessThanOrEqual(s); // its 20-day label is realised by the prediction date
      }
      // with calendar-day dates every previous month-end clears the 20-day gap: all 60 months are used
      expect(g.samples!.map(monthIndex)).toEqual(Array.from({ length: 60 }, (_, k) => monthIndex(test0) - 60 + k));
      expect(g.valid).toEqual(['', '']);
      expect(g.history.epochs.length).toBe(g.index === 0 ? 2 : 1);
      expect(g.warmStarted).toBe(g.index > 0);
    }
    // the test months stitch, the long-short book is formed at the month-end prediction dates and traded at the
    // next day's close (execution lag 1)
    const next = (iso: string) => panel.dates[panel.dates.indexOf(iso) + 1];
    const starts = r.groups.map((g) => next(g.test[0]));
    expect(r.eval.rebalances.iso.every((d) => starts.includes(d))).toBe(true);
    expect(r.eval.rebalances.iso.length).toBe(starts.length);
    // raw target: MAE / RMSE reported, by day and at the month ends
    expect(r.monthEnd!.dates).toBe(r.groups.length);
    expect(Number.isFinite(r.monthEnd!.mae) && Number.isFinite(r.eval.metrics.rmse)).toBe(true);
    expect(r.monthEnd!.rmse).toBeGreaterThanOrEqual(r.monthEnd!.mae);
  });

  it('re-evaluating a rolling run with its own strategy reproduces it: month-end rebalances, returns as predictions', async () => {
    const cfg = { epochs: 1, warmEpochs: 1, batchDates: 20, warmStart: true };
    const r = await runOnPanel(panel, run(cfg));
    const scores = { scoresByHorizon: r.scoresByHorizon, testIndex: r.testIndex, horizons: r.horizons };
    const e = evaluateScores(panel, run(cfg), scores);
    expect(e.metrics).toEqual(r.eval.metrics);
    expect(e.rebalances.iso).toEqual(r.eval.rebalances.iso);
    // one rebalance per month, traded the day after the month's prediction date (without the run's schedule: every
    // 21 days)
    expect(e.rebalances.iso).toEqual(r.groups.map((g) => panel.dates[panel.dates.indexOf(g.test[0]) + 1]));
    const all = evaluateUniverses(panel, run(cfg), scores).find((u) => u.universe === 'all')!;
    expect(all.metrics).toEqual(r.eval.metrics);
  });

  it('warm start off: every month trains the full epochs from the seeded initialisation', async () => {
    const r = await runOnPanel(panel, run({ epochs: 2, warmEpochs: 1, batchDates: 20, warmStart: false }));
    for (const g of r.groups) {
      expect(g.history.epochs.length).toBe(2);
      expect(g.warmStarted).toBe(false);
    }
  });
});
