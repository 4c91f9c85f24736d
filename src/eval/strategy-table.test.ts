import { describe, expect, it } from 'vitest';
import { scaleTopK, strategyTable } from './strategy-table';

/**
 * Worked fixture: 6 stocks x 5 dates, scores on dates 0..2 (the test dates), lag 1, no costs, k 2, n 1.
 * Execution: the scores of date t trade at close t+1 and earn from day t+2, so the holding days are 2, 3, 4.
 * Benchmark: equal-weighted return of the 6 stocks each day.
 */
const dates = ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07'];
// prettier-ignore
const scoresRows = [
  [0.6, 0.5, 0.4, 0.3, 0.2, 0.1],
  [0.6, 0.0, 0.5, 0.4, 0.3, 0.2],
  [0.6, 0.0, 0.5, 0.4, 0.3, 0.2],
  [NaN, NaN, NaN, NaN, NaN, NaN],
  [NaN, NaN, NaN, NaN, NaN, NaN],
];
// prettier-ignore
const retRows = [
  [0, 0, 0, 0, 0, 0],
  [0, 0, 0, 0, 0, 0],
  [0.02, 0.0, 0.01, 0.0, 0.0, -0.03], // benchmark 0
  [0.01, 0.05, -0.02, 0.0, 0.0, 0.0], // benchmark 0.04 / 6
  [0.0, 0.0, 0.03, 0.01, 0.0, -0.04], // benchmark 0
];
// sigma: stock 0 is risky (3.5) on every date, the others 0; TDrisk (eta 0.1) ranks it at 0.6 - 0.35 = 0.25
const sigmaRows = scoresRows.map((r) => r.map((v, n) => (Number.isFinite(v) ? (n === 0 ? 3.5 : 0) : NaN)));
const flat = (rows: number[][]) => Float64Array.from(rows.flat());
const input = {
  dates,
  scores: flat(scoresRows),
  labels: flat(retRows), // any finite label: Table 3 reads only the portfolio
  ret: flat(retRows),
  testMask: [1, 1, 1, 0, 0],
};
const noCost = { openCost: 0, closeCost: 0, lag: 1 };

const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const sd = (x: number[]) => Math.sqrt(x.reduce((a, b) => a + (b - mean(x)) ** 2, 0) / (x.length - 1));

describe('strategyTable (FactorVAE Table 3) on a worked fixture', () => {
  const t = strategyTable({ ...input, sigma: flat(sigmaRows) }, noCost, { k: 2, n: 1, eta: 0.1 });

  it('TopK-Drop: holdings, excess series, AR, SR, MDD and both curves by hand', () => {
    // date 0 (trade at close 1): nothing held, buy the best k = 2: stocks 0, 1 at 0.5 each.
    // day 2: R = 0.5 x 0.02 + 0.5 x 0 = 0.01; values 0.51 (stock 0), 0.50 (stock 1); NAV 1.01.
    // date 1 (trade at close 2): held sorted [0 (0.6), 1 (0.0)], best non-held: stock 2 (0.5); the n = 1 worst of
    //   {0, 2, 1} is stock 1: sell it (0.50), buy stock 2 with the 0.50.
    // day 3: stock 0 0.51 x 1.01 = 0.5151, stock 2 0.50 x 0.98 = 0.49; NAV 1.0051, R = 1.0051 / 1.01 - 1.
    // date 2: same scores, the worst of {0, 2, 3} is stock 3, not held: no trade.
    // day 4: stock 0 0.5151 x 1.00, stock 2 0.49 x 1.03 = 0.5047; NAV 1.0198, R = 1.0198 / 1.0051 - 1.
    const r = t.rows[0];
    expect(r.kind).toBe('topkdrop');
    expect(r.iso).toEqual(['2020-01-03', '2020-01-06', '2020-01-07']);
    const port = [0.01, 1.0051 / 1.01 - 1, 1.0198 / 1.0051 - 1];
    const bench = [0, 0.04 / 6, 0];
    const ex = port.map((p, i) => p - bench[i]);
    Array.from(r.eval.series.excess).forEach((v, i) => expect(v).toBeCloseTo(ex[i], 12));
    expect(r.ar).toBeCloseTo(mean(ex) * 252, 10);
    expect(r.sr).toBeCloseTo((mean(ex) / sd(ex)) * Math.sqrt(252), 10);
    // excess curve: up 1% on day 2 (the peak), down on day 3 (ex[1] < 0), above the peak on day 4 (ex[2] = 1.46%)
    expect(ex[1]).toBeLessThan(0);
    expect((1 + ex[0]) * (1 + ex[1]) * (1 + ex[2])).toBeGreaterThan(1 + ex[0]);
    expect(r.mdd).toBeCloseTo(-ex[1], 12);
    // absolute: NAV - 1
    Array.from(r.cumAbsolute).forEach((v, i) => expect(v).toBeCloseTo([0.01, 0.0051, 0.0198][i], 12));
    let c = 1;
    Array.from(r.cumExcess).forEach((v, i) => {
      c *= 1 + ex[i];
      expect(v).toBeCloseTo(c - 1, 12);
    });
    // benchmark curve: 0, 0.04 / 6, 0.04 / 6
    Array.from(t.cumBenchmark).forEach((v, i) => expect(v).toBeCloseTo([0, 0.04 / 6, 0.04 / 6][i], 12));
  });

  it('TDrisk: ranks by mu - eta sigma, so the risky stock 0 is never bought', () => {
    // ranks: date 0 [0.25, 0.5, 0.4, 0.3, 0.2, 0.1] -> buy stocks 1, 2 at 0.5 each.
    // day 2: R = 0.5 x 0 + 0.5 x 0.01 = 0.005; values 0.50 (1), 0.505 (2); NAV 1.005.
    // date 1 ranks [0.25, 0.0, 0.5, 0.4, 0.3, 0.2]: held [2, 1], best non-held stock 3; worst of {2, 3, 1} is 1: sell 1
    //   (0.50), buy stock 3 with it.
    // day 3: stock 2 0.505 x 0.98 = 0.4949, stock 3 0.50 x 1.00; NAV 0.9949.
    // date 2: worst of {2, 3, 4} is 4, not held: no trade.
    // day 4: stock 2 0.4949 x 1.03 = 0.509747, stock 3 0.50 x 1.01 = 0.505; NAV 1.014747.
    const r = t.rows[1];
    expect(r.kind).toBe('tdrisk');
    expect(r.eta).toBe(0.1);
    const port = [0.005, 0.9949 / 1.005 - 1, 1.014747 / 0.9949 - 1];
    const ex = port.map((p, i) => p - [0, 0.04 / 6, 0][i]);
    Array.from(r.eval.series.excess).forEach((v, i) => expect(v).toBeCloseTo(ex[i], 12));
    expect(r.ar).toBeCloseTo(mean(ex) * 252, 10);
    expect(r.sr).toBeCloseTo((mean(ex) / sd(ex)) * Math.sqrt(252), 10);
    // excess curve 1.005 (the peak), then 1.005 (1 + ex[1]) (the trough, ex[1] = -1.67%), then up by ex[2] = 2.0%
    // to a new peak: the one drawdown is 1 - v2 / v1
    const v1 = 1.005,
      v2 = v1 * (1 + ex[1]),
      v3 = v2 * (1 + ex[2]);
    expect(v3).toBeGreaterThan(v1);
    expect(r.mdd).toBeCloseTo(1 - v2 / v1, 12);
    Array.from(r.cumAbsolute).forEach((v, i) => expect(v).toBeCloseTo([0.005, -0.0051, 0.014747][i], 12));
    // one-way turnover sum |dw| / 2: the build (1.0 bought: 0.5), then 0.50 / 1.005 sold and the same bought
    expect(r.eval.rebalances.turnover[0]).toBeCloseTo(0.5, 12);
    expect(r.eval.rebalances.turnover[1]).toBeCloseTo(0.5 / 1.005, 12);
  });

  it('without a sigma channel there is no TDrisk row, and the table says why', () => {
    const u = strategyTable(input, noCost, { k: 2, n: 1 });
    expect(u.rows.map((r) => r.kind)).toEqual(['topkdrop']);
    expect(u.notes.join(' ')).toMatch(/no sigma channel/);
    expect(u.rows[0].ar).toBeCloseTo(t.rows[0].ar, 14);
  });

  it('costs come from the base strategy: 0.05% on buys, 0.15% on sells', () => {
    const c = strategyTable(input, { openCost: 0.0005, closeCost: 0.0015, lag: 1 }, { k: 2, n: 1 }).rows[0];
    // day 2 pays the build cost 0.0005 x 1.0: r = (1 - 0.0005) x 1.01 - 1
    expect(c.eval.series.portfolio[0]).toBeCloseTo(0.9995 * 1.01 - 1, 12);
    // day 3 pays selling 0.50 / 1.01 of stock 1 and buying the same of stock 2: (0.0015 + 0.0005) x 0.5 / 1.01
    const cost = (0.002 * 0.5) / 1.01;
    expect(c.eval.series.cost[1]).toBeCloseTo(cost, 12);
    expect(c.eval.series.portfolio[1]).toBeCloseTo((1 - cost) * (1.0051 / 1.01) - 1, 12);
  });
});

describe('scaleTopK', () => {
  it("keeps the paper's k 50, n 5 from 300 stocks up", () => {
    expect(scaleTopK(400)).toMatchObject({ k: 50, n: 5, scaled: false });
    expect(scaleTopK(300)).toMatchObject({ k: 50, n: 5, scaled: false });
  });
  it('scales proportionally below 300 stocks (k >= 1, 1 <= n <= k)', () => {
    // 100 / 300 x 50 = 16.67 -> 17; 100 / 300 x 5 = 1.67 -> 2
    expect(scaleTopK(100)).toMatchObject({ k: 17, n: 2, scaled: true });
    // 150 / 300: 25, 2.5 -> 3 (Math.round rounds half up)
    expect(scaleTopK(150)).toMatchObject({ k: 25, n: 3, scaled: true });
    // 6 stocks: 1, 0.1 -> n clipped up to 1
    expect(scaleTopK(6)).toMatchObject({ k: 1, n: 1, scaled: true });
    expect(scaleTopK(100).note).toMatch(/scaled to 100 stocks/);
  });
  it('the table scales for its own universe when k and n are not set, and says so', () => {
    const u = strategyTable(input, noCost); // 6 stocks with a score on each test date
    expect(u.scale).toMatchObject({ k: 1, n: 1, scaled: true, universe: 6 });
    expect(u.notes[0]).toMatch(/scaled to 6 stocks/);
  });
  it('rejects a negative eta and an empty universe by name', () => {
    expect(() => strategyTable(input, noCost, { eta: -1 })).toThrow(/eta = -1/);
    expect(() => strategyTable({ ...input, scores: new Float64Array(30).fill(NaN) }, noCost)).toThrow(/no stock has a score/);
  });
});
