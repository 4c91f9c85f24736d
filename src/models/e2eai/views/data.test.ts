/** E2EAI view data: half-year buckets, group sums, weight statistics and the Table 1 marks, on hand-made results. */
import { describe, expect, it } from 'vitest';
import type { TrainResult } from '../../../state/lab-api';
import { byGroup, halfYear, semiAnnualMean, table1, weightStats } from './data';

const base = (model: string, label: string, uni: Record<string, Record<string, number>>, kind = 'topquantile') =>
  ({
    model,
    label,
    run: { model, universe: 'all', strategy: { kind, horizon: 20 }, config: {} },
    series: [],
    universes: Object.entries(uni).map(([universe, values]) => ({ universe, values, icDates: 10 })),
  }) as unknown as TrainResult;

describe('E2EAI view data', () => {
  it('half-year means per factor and signed group sums', () => {
    expect(halfYear('2019-06-28')).toBe('2019H1');
    expect(halfYear('2019-07-01')).toBe('2019H2');
    const dates = ['2019-01-02', '2019-03-01', '2019-08-01'];
    const m = [
      [0.2, -0.1, 0.3],
      [0.4, -0.3, 0.1],
      [0.1, 0.2, -0.2],
    ];
    const p = semiAnnualMean(dates, m, ['a', 'b', 'c']);
    expect(p.periods).toEqual(['2019H1', '2019H2']);
    // H1: means of the first two dates: a (0.2 + 0.4) / 2 = 0.3, b -0.2, c 0.2; H2: the third date
    [0.3, -0.2, 0.2].forEach((v, i) => expect(p.values[0][i]).toBeCloseTo(v, 12));
    [0.1, 0.2, -0.2].forEach((v, i) => expect(p.values[1][i]).toBeCloseTo(v, 12));
    // groups: g1 = {a, b}, g2 = {c}: H1 g1 = 0.3 - 0.2 = 0.1
    const g = byGroup(p, ['g1', 'g1', 'g2']);
    expect(g.rows).toEqual(['g1', 'g2']);
    expect(g.values[0][0]).toBeCloseTo(0.1, 12);
    expect(g.values[1][0]).toBeCloseTo(0.3, 12);
  });

  it('weight statistics of a per-horizon weight channel (the strategy horizon) with a histogram against the cap', () => {
    // D = 2 dates, N = 4 stocks, H = 2 horizons [5, 20]; the strategy horizon 20 = channel row 1
    const w = Float32Array.from([
      // h = 5 (ignored)
      0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25,
      // h = 20: date 0 [0.5, 0.5, 0, 0]; date 1 [0.1, 0.2, 0.3, 0.4]
      0.5, 0.5, 0, 0, 0.1, 0.2, 0.3, 0.4,
    ]);
    const r = {
      ...base('e2eai', 'e2eai', {}),
      scores: {
        scoresByHorizon: new Float32Array(2 * 2 * 4),
        testIndex: Int32Array.from([7, 8]),
        horizons: [5, 20],
        channels: { weight: w },
      },
    } as unknown as TrainResult;
    const s = weightStats(r, 0.4, ['2019-01-02', '2019-01-03'])!;
    expect(s.dates).toEqual(['2019-01-02', '2019-01-03']);
    expect(s.holdings).toEqual([2, 4]);
    expect(s.maxWeight[0]).toBeCloseTo(0.5, 6);
    expect(s.effective[0]).toBeCloseTo(2, 5); // 1 / (0.25 + 0.25)
    expect(s.effective[1]).toBeCloseTo(1 / 0.3, 4); // 1 / (0.01 + 0.04 + 0.09 + 0.16)
    // bins of 0.04 up to the cap 0.4: 0.1 -> bin 2, 0.2 -> 5, 0.3 -> 7 (0.3 / 0.04 = 7.5), 0.4 -> 9 (at the cap), 0.5 x 2 above
    expect(s.counts).toEqual([0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 2]);
  });

  it('Table 1: ad-hoc and automatic blocks, best and second best per universe and column', () => {
    const adhoc = [
      base('dmfm', 'dmfm', { all: { alpha: 0.05, ir: 0.5, mdd: 0.1, turnover: 0.9, holdings: 40 } }),
      base('e2eai', 'e2eai', { all: { alpha: 0.08, ir: 0.4, mdd: 0.2, turnover: 0.8, holdings: 40 } }),
    ];
    adhoc[1].alternatives = [
      {
        name: 'fhat',
        method: 'e2eai:fhat',
        label: 'f-hat',
        metrics: {},
        series: {} as never,
        universes: [{ universe: 'all', values: { alpha: 0.06, ir: 0.7, mdd: 0.05, turnover: 1, holdings: 40 }, icDates: 1 }],
      },
    ];
    const auto = [
      base('e2eai', 'e2eai', { all: { alpha: 0.03, ir: 0.2, mdd: 0.05, turnover: 0.5, holdings: 90 } }, 'modelweight'),
      base('s-best', 's-best', { all: { alpha: 0.01, ir: 0.3, mdd: 0.02, turnover: 0.2, holdings: 200 } }, 'modelweight'),
    ];
    const t = table1(adhoc, auto);
    expect(t.universes).toEqual(['all']);
    expect(t.blocks[0].rows.map((r) => r.label)).toEqual(['DMFM', 'E2E_d', 'E2E_l']);
    expect(t.blocks[1].rows.map((r) => r.label)).toEqual(['E2E_auto', 'S-Best']);
    // ad-hoc alpha: E2E_d 0.08 best, E2E_l 0.06 second; IR: E2E_l 0.7, DMFM 0.5; MD (lower): E2E_l 0.05, DMFM 0.1
    expect(t.blocks[0].marks.all.alpha).toEqual({ best: 'e2eai', second: 'e2eai:fhat' });
    expect(t.blocks[0].marks.all.ir).toEqual({ best: 'e2eai:fhat', second: 'dmfm' });
    expect(t.blocks[0].marks.all.mdd).toEqual({ best: 'e2eai:fhat', second: 'dmfm' });
    expect(t.blocks[0].marks.all.turnover).toBeUndefined(); // descriptive: not marked
    expect(t.blocks[1].marks.all.alpha).toEqual({ best: 'e2eai:auto', second: 's-best:auto' });
    expect(t.blocks[1].marks.all.mdd).toEqual({ best: 's-best:auto', second: 'e2eai:auto' });
  });
});
