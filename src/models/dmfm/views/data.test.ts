import { describe, expect, it } from 'vitest';
import type { TrainResult } from '../../../state/lab-api';
import { dmfmPeriods, dmfmResult, estimateComparison, meanAttention, type DmfmPeriod } from './data';

describe('DMFM attention periods', () => {
  it('reads one period per group extras carrying attention; dmfmResult finds the last such DMFM result', () => {
    const att = {
      start: '2019-01-02',
      end: '2019-06-28',
      factors: ['m1'],
      factorGroups: ['momentum'],
      groups: ['momentum'],
      weights: [[1]],
      groupWeights: [[1]],
    };
    const r = {
      model: 'dmfm',
      groupExtras: [
        { label: 'A', extras: { horizons: [20], attention: att, faithfulness: [{ horizon: 20, corr: 0.5, corrSd: 0.1, dates: 3 }] } },
        { label: 'B', extras: {} },
      ],
    } as unknown as TrainResult;
    const p = dmfmPeriods(r)!;
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({
      label: 'A',
      start: '2019-01-02',
      horizons: [20],
      faithfulness: [{ horizon: 20, corr: 0.5, corrSd: 0.1, dates: 3 }],
    });
    const plain = { model: 'linear', groupExtras: [{ label: 'A', extras: { coefficients: [1] } }] } as unknown as TrainResult;
    expect(dmfmPeriods(plain)).toBeUndefined();
    expect(dmfmResult([r, plain])).toBe(r);
    expect(dmfmResult([plain])).toBeNull();
  });
  it('mean attention averages the test periods cell by cell', () => {
    const p = (w: number[][], corr: number): DmfmPeriod => ({
      label: 'g',
      start: '2019-01-02',
      end: '2019-06-28',
      horizons: [5, 20],
      factors: ['m1', 'v1'],
      factorGroups: ['momentum', 'volatility'],
      groups: ['momentum', 'volatility'],
      weights: w,
      groupWeights: w,
      faithfulness: [
        { horizon: 5, corr, corrSd: 0, dates: 10 },
        { horizon: 20, corr: NaN, corrSd: NaN, dates: 0 },
      ],
    });
    const m = meanAttention([
      p(
        [
          [0.2, 0.8],
          [0.5, 0.5],
        ],
        0.9,
      ),
      p(
        [
          [0.4, 0.6],
          [0.7, 0.3],
        ],
        0.7,
      ),
    ]);
    expect(m.weights[0][0]).toBeCloseTo(0.3, 9); // (0.2 + 0.4) / 2
    expect(m.weights[1][1]).toBeCloseTo(0.4, 9); // (0.5 + 0.3) / 2
    expect(m.faithfulness[0]).toEqual({ horizon: 5, corr: expect.closeTo(0.8, 9), periods: 2 });
    expect(m.faithfulness[1].periods).toBe(0);
    expect(Number.isNaN(m.faithfulness[1].corr)).toBe(true);
  });
});

describe('DMFM f vs f-hat comparison', () => {
  const series = (method: string, cum: number[]) => ({
    method,
    label: method,
    dates: ['2019-01-03', '2019-01-04'],
    cumReturn: cum,
    cumExcess: cum,
    icDates: [],
    ic: [],
  });
  const dmfm = {
    model: 'dmfm',
    label: 'DMFM',
    benchmark: { label: 'equal-weighted universe', dates: [], cumReturn: [] },
    series: [series('dmfm', [0.01, 0.03])],
    allMetrics: { ic: 0.05, rankIc: 0.06, icir: 0.4, alpha: 0.12, ir: 1.1, turnover: 0.5, sharpe: 2 },
    strategy: { horizon: 20 },
    // the model's extras map each panel horizon to its trained head; f-hat arrives as the 'fhat' alternative
    groupExtras: [{ label: '2019H1', extras: { headOfHorizon: { '1': 3, '20': 20 } } }],
    alternatives: [
      {
        name: 'fhat',
        method: 'dmfm:fhat',
        label: 'DMFM · f-hat',
        metrics: { ic: 0.02, rankIc: 0.01, icir: 0.1, alpha: -0.03, ir: -0.2, turnover: 0.4 },
        series: series('dmfm:fhat', [-0.01, -0.02]),
      },
    ],
  } as unknown as TrainResult;

  it('two rows (f then f-hat) with the six metrics, METRICS labels and definitions, and both cumExcess series', () => {
    const c = estimateComparison(dmfm)!;
    expect(c.columns.map((x) => x.key)).toEqual(['ic', 'rankIc', 'icir', 'alpha', 'ir', 'turnover']);
    expect(c.columns.find((x) => x.key === 'alpha')).toMatchObject({ label: 'α (%)', format: 'pct' });
    expect(c.columns.find((x) => x.key === 'alpha')!.help).toMatch(/annualised excess return/);
    expect(c.rows.map((r) => r.key)).toEqual(['f', 'fhat']);
    expect(c.rows[0].values).toEqual({ ic: 0.05, rankIc: 0.06, icir: 0.4, alpha: 0.12, ir: 1.1, turnover: 0.5 }); // sharpe not a column
    expect(c.rows[1].values.alpha).toBe(-0.03);
    expect(c.rows[1].method).toBe('dmfm:fhat');
    expect(c.series[0].cumExcess).toEqual([0.01, 0.03]);
    expect(c.series[1].cumExcess).toEqual([-0.01, -0.02]);
    expect(c.head).toBe(20);
    expect(c.benchmark).toBe('equal-weighted universe');
    expect(estimateComparison({ ...dmfm, alternatives: undefined })).toBeNull();
  });
});
