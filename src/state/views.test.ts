import { describe, expect, it } from 'vitest';
import { defaultRun } from '../core/run';
import type { TrainResult, UniverseResult } from './lab-api';
import {
  csvFileName,
  effectiveLayout,
  icViews,
  latestResults,
  resultsCsv,
  resultsTableView,
  splitTimelineView,
  strategyStale,
  testPeriod,
} from './views';

const uni = (universe: string, alpha: number, icir: number, ir: number, sharpe: number): UniverseResult => ({
  universe,
  values: { alpha, icir, ir, sharpe, ic: icir / 10 },
  icDates: 10,
});
const result = (model: string, label: string, universes?: UniverseResult[]): TrainResult => ({
  model,
  label,
  backend: 'cpu',
  run: defaultRun,
  elapsedMs: 1,
  metrics: { columns: [], rows: [{ method: model, label, values: { alpha: 0.5, icir: 0.5, ir: 0.5, sharpe: 0.5 } }] },
  series: [
    {
      method: model,
      label,
      dates: ['2019-01-03'],
      cumReturn: [0],
      cumExcess: [0],
      icDates: ['2019-01-02', '2019-01-03', '2019-01-04'],
      ic: [0.1, 0.2, 0.3],
      rankIc: [0.3, 0.2, 0.1],
    },
  ],
  benchmark: { label: 'EW', dates: ['2019-01-03'], cumReturn: [0] },
  universes,
});

describe('results table view', () => {
  // three methods on two universes; DMFM columns alpha, ICIR, IR, SR (all higher-is-better)
  const results = [
    result('linear', 'Linear', [uni('all', 0.05, 0.8, 1.0, 2.0), uni('top100', -0.01, 0.2, 0.1, 1.2)]),
    result('mlp', 'MLP', [uni('all', -0.08, 0.3, -1.5, 1.4), uni('top100', 0.02, 0.2, 0.4, 1.1)]),
    result('ew', 'EW', [uni('all', 0.01, 0.5, 0.2, 1.9), uni('top100', 0.0, -0.1, 0.0, 1.0)]),
  ];

  it("a model's alternative scores are extra rows after it, on every universe they were evaluated on, with the model's id:channel", () => {
    const dm = {
      ...result('dmfm', 'DMFM', [uni('all', 0.04, 0.6, 0.9, 1.8), uni('top100', 0.03, 0.1, 0.2, 1.0)]),
      alternatives: [
        {
          name: 'fhat',
          method: 'dmfm:fhat',
          label: 'DMFM · f-hat',
          metrics: { alpha: 0.09 },
          series: result('x', 'x').series[0],
          universes: [uni('all', 0.02, 0.4, 0.5, 1.5), uni('top100', 0.06, 0.3, 0.7, 1.3)],
        },
      ],
    } as TrainResult;
    const v = resultsTableView([results[0], dm], 'paper-dmfm', ['all', 'top100'])!;
    expect(v.table.methods).toEqual(['Linear', 'DMFM', 'DMFM · f-hat']);
    expect(v.ids).toEqual(['linear', 'dmfm', 'dmfm:fhat']);
    // alpha on 'all' then 'top100' (first column of each group): 0.02 from the alternative's own universes
    expect(v.table.cells[2][0].value).toBe(0.02);
    expect(v.table.cells[2][4].value).toBe(0.06);
    // top100 alpha: Linear -0.01, DMFM 0.03, f-hat 0.06 -> f-hat best, DMFM second
    expect(v.table.cells.map((r) => r[4].mark)).toEqual([null, 'second', 'best']);
  });

  it('rows are methods, column groups universes in panel order, best / second per universe and metric', () => {
    const v = resultsTableView(results, 'paper-dmfm', ['top100', 'all'])!;
    expect(v.table.methods).toEqual(['Linear', 'MLP', 'EW']);
    expect(v.ids).toEqual(['linear', 'mlp', 'ew']);
    expect(v.table.universes).toEqual(['top100', 'all']);
    expect(v.table.columns.map((c) => c.key)).toEqual(['alpha', 'icir', 'ir', 'sharpe']);
    // top100 alpha: -0.01, 0.02, 0.00 -> MLP best, EW second, Linear unmarked
    expect(v.table.cells.map((r) => r[0].mark)).toEqual([null, 'best', 'second']);
    // top100 ICIR: 0.2, 0.2, -0.1 -> a tie: both best; the next distinct value (-0.1) is second
    expect(v.table.cells.map((r) => r[1].mark)).toEqual(['best', 'best', 'second']);
    // all SR (universe 1, column 3): 2.0, 1.4, 1.9 -> Linear best, EW second
    expect(v.table.cells.map((r) => r[4 + 3].mark)).toEqual(['best', null, 'second']);
    expect(v.table.cells[1][4].value).toBe(-0.08);
    expect(v.definitions.icir).toMatch(/^ICIR: mean\(IC\) \/ std\(IC\)/);
  });

  it('hidden universes leave the table (never all of them); the latest result per model wins', () => {
    const v = resultsTableView(results, 'paper-dmfm', ['all', 'top100'], ['top100'])!;
    expect(v.table.universes).toEqual(['all']);
    expect(v.allUniverses).toEqual(['all', 'top100']);
    expect(resultsTableView(results, 'paper-dmfm', ['all', 'top100'], ['all', 'top100'])!.table.universes).toEqual(['all']);
    const again = [...results, result('linear', 'Linear', [uni('all', 0.09, 0.9, 1.1, 2.1)])];
    expect(latestResults(again).map((r) => r.model)).toEqual(['mlp', 'ew', 'linear']);
    const w = resultsTableView(again, 'paper-dmfm', ['all'])!;
    expect(w.ids).toEqual(['mlp', 'ew', 'linear']);
    expect(w.table.cells[2][0].value).toBe(0.09);
  });

  it('a result without per-universe metrics contributes its run universe from its metrics row', () => {
    const v = resultsTableView([result('mlp', 'MLP')], 'lab', [])!;
    expect(v.table.universes).toEqual(['all']);
    expect(v.table.cells[0][v.table.columns.findIndex((c) => c.key === 'alpha')].value).toBe(0.5);
    expect(Number.isNaN(v.table.cells[0][0].value)).toBe(true); // no IC in that row
  });

  it('CSV: plain full-precision numbers, one row per method and universe, a rank column per metric, the test period', () => {
    const v = resultsTableView(results, 'paper-dmfm', ['all', 'top100'], ['top100'])!;
    const lines = resultsCsv(v, ['2019-01-02', '2019-01-04']).trim().split('\n');
    expect(lines[0]).toBe('method,method_id,universe,test_start,test_end,α(%),α(%) rank,ICIR,ICIR rank,IR,IR rank,SR,SR rank');
    // Linear on all: alpha 0.05 -> 5 (percent, rank 1 of 0.05, -0.08, 0.01), ICIR 0.8 (1), IR 1 (1), SR 2 (1)
    expect(lines[1]).toBe('Linear,linear,all,2019-01-02,2019-01-04,5,1,0.8,1,1,1,2,1');
    // MLP: alpha -0.08 x 100 = -8 (rank 3), ICIR 0.3 (3), IR -1.5 (3), SR 1.4 (3)
    expect(lines[2]).toBe('MLP,mlp,all,2019-01-02,2019-01-04,-8,3,0.3,3,-1.5,3,1.4,3');
    // EW: 0.01 x 100 = 1 in float is 1 exactly; every value second
    expect(lines[3]).toBe('EW,ew,all,2019-01-02,2019-01-04,1,2,0.5,2,0.2,2,1.9,2');
    // full precision, no markers: a value the page rounds to 2 decimals keeps every digit
    const w = resultsTableView([result('a', 'A', [uni('all', 0.012345678, 0.123456789, 1, 1)])], 'paper-dmfm', [])!;
    const row = resultsCsv(w).trim().split('\n')[1].split(',');
    expect(Number(row[5])).toBeCloseTo(1.2345678, 12);
    expect(row[7]).toBe('0.123456789');
    expect(row[6]).toBe(''); // a single method is not ranked
    expect(resultsCsv(w)).not.toMatch(/\*\*|_[0-9]/);
    // a formula-like label from data is defused, and quoted when it holds a comma
    const f = resultsTableView([result('x', '=HYPERLINK("a,b")', [uni('all', 0, 0, 0, 0)])], 'paper-dmfm', [])!;
    expect(resultsCsv(f).split('\n')[1].startsWith('"\'=HYPERLINK(""a,b"")",x,all')).toBe(true);
  });

  it('the file name carries the test period the page shows (first and last evaluation date)', () => {
    expect(csvFileName('paper-dmfm', results)).toBe('factor-lab-paper-dmfm-2019-01-02_2019-01-04.csv');
    expect(testPeriod([])).toBeNull();
  });

  it('an empty universe (no scored date) is shown empty and never ranked', () => {
    const empty = (u: string): UniverseResult => ({ universe: u, values: { alpha: 0, icir: 0, ir: 0, sharpe: 0 }, icDates: 0 });
    const rs = [
      result('linear', 'Linear', [uni('all', 0.05, 0.8, 1.0, 2.0), empty('rest')]),
      result('mlp', 'MLP', [uni('all', -0.08, 0.3, -1.5, 1.4), empty('rest')]),
    ];
    const v = resultsTableView(rs, 'paper-dmfm', ['all', 'rest'])!;
    expect(v.emptyUniverses).toEqual(['rest']);
    // rest = universe 1: columns 4..7 hold NaN without marks (before: 0.00 and every method 'best')
    for (const row of v.table.cells)
      for (let j = 4; j < 8; j++) {
        expect(Number.isNaN(row[j].value)).toBe(true);
        expect(row[j].mark).toBeNull();
      }
    expect(v.table.cells.map((r) => r[0].mark)).toEqual(['best', 'second']);
    const lines = resultsCsv(v).trim().split('\n');
    expect(lines.find((l) => l.startsWith('Linear,linear,rest'))).toBe('Linear,linear,rest,,,,,,,,,,');
  });

  it('auto layout: column groups while universes x metrics <= 12, else row blocks', () => {
    const two = resultsTableView(results, 'paper-dmfm', [])!;
    expect(effectiveLayout(two, 'auto')).toBe('columns'); // 2 x 4 = 8
    const four = resultsTableView(
      [
        result(
          'a',
          'A',
          ['all', 'top100', 'next150', 'rest'].map((u) => uni(u, 0, 0, 0, 0)),
        ),
      ],
      'paper-dmfm',
      [],
    )!;
    expect(effectiveLayout(four, 'auto')).toBe('rows'); // 4 x 4 = 16
    expect(effectiveLayout(four, 'columns')).toBe('columns');
  });
});

describe('split timeline view', () => {
  // 2 years of weekday dates 2018-01-01 .. 2019-12-31; walk-forward with 2 half-year test groups and a 21-day gap
  const days: string[] = [];
  for (let d = new Date('2018-01-01T00:00:00Z'); d <= new Date('2019-12-31T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1))
    if (d.getUTCDay() % 6 !== 0) days.push(d.toISOString().slice(0, 10));

  it('one row per segment, test after the gap, the gap covers the longest horizon', () => {
    const v = splitTimelineView(days, [1, 5, 20], { kind: 'walkforward', groups: 2, gap: 21 })!;
    expect(v.error).toBeNull();
    expect(v.groups.map((g) => g.label)).toEqual(['2019H1', '2019H2']);
    for (const g of v.groups) {
      const seg = (s: string) => v.rows.find((r) => r.group === g.index && r.segment === s)!;
      expect(seg('gap').days).toBeGreaterThanOrEqual(20);
      expect(seg('valid').endIndex).toBe(seg('gap').startIndex);
      expect(seg('gap').endIndex).toBe(seg('test').startIndex);
    }
    expect(v.test).toEqual(['2019-01-01', '2019-12-31']);
    expect(v.testDays).toBe(days.filter((d) => d >= '2019-01-01').length);
  });

  it('no dates, no view; a split the data cannot hold says why', () => {
    expect(splitTimelineView(undefined, [1], { kind: 'walkforward' })).toBeNull();
    const v = splitTimelineView(days.slice(0, 60), [20], { kind: 'walkforward', groups: 2, gap: 21 })!;
    expect(v.rows).toEqual([]);
    expect(v.error).toMatch(/./);
  });
});

describe('small derivations', () => {
  it('icViews picks IC or rank IC; strategyStale compares the strategy', () => {
    const r = [result('mlp', 'MLP')];
    expect(icViews(r, 2, 'rankIc')[0].ic).toEqual([0.3, 0.2, 0.1]);
    // trailing mean over 2 dates: [NaN, (0.1 + 0.2) / 2, (0.2 + 0.3) / 2]
    const ic = icViews(r, 2, 'ic')[0].rolling;
    expect(ic[0]).toBeNaN();
    expect(ic[1]).toBeCloseTo(0.15, 12);
    expect(ic[2]).toBeCloseTo(0.25, 12);
    expect(strategyStale(r[0], defaultRun.strategy)).toBe(false);
    expect(strategyStale(r[0], { ...defaultRun.strategy, cost: 0 })).toBe(true);
  });
});
