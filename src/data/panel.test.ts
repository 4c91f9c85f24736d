import { describe, expect, it } from 'vitest';
import { isoToDay } from '../core/dates';
import { LabError } from '../core/errors';
import { panelBytes } from '../core/panel';
import { defaultPreprocessing, type PreprocessConfig } from '../core/run';
import type { FactorFrame } from './frame';
import { buildPanel, buildPanelParallel, panelSummary } from './panel';
import { nodeCrossSectionPool } from './cross-section-pool-node';
import { generateSyntheticFrame } from './synthetic';

/**
 * Hand-made frame: 6 stocks A..F, 4 dates, factors mom (momentum), rev (reversal), vol (volatility), horizons [1, 2].
 *   date 0 (2020-01-02): all 6 present, age 0 (first day)        -> none has minHistory 1 -> 0 valid
 *   date 1 (2020-01-03): all 6 present, age 1                    -> 6 valid
 *   date 2 (2020-01-06): A..E present (F absent), E's mom is NaN -> 5 valid ('fill') or 4 -> thin ('mask')
 *   date 3 (2020-01-07): A..D present                            -> 4 valid < 5 -> the whole date is invalid
 * Raw factor value = 10 n + t + f / 10 (n stock, t date, f factor); E moves from industry 1 to 2 on date 2.
 */
const DATES = ['2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07'];
const PRESENT = [
  [0, 1, 2, 3, 4, 5],
  [0, 1, 2, 3, 4, 5],
  [0, 1, 2, 3, 4],
  [0, 1, 2, 3],
];
function handFrame(): FactorFrame {
  const rows: { t: number; n: number }[] = [];
  PRESENT.forEach((ns, t) => ns.forEach((n) => rows.push({ t, n })));
  const R = rows.length;
  const col = (fn: (t: number, n: number) => number) => Float32Array.from(rows, (r) => fn(r.t, r.n));
  const industryOf = (t: number, n: number) => (n === 4 && t >= 2 ? 2 : n < 2 ? 0 : 1);
  return {
    nRows: R,
    date: Int32Array.from(rows, (r) => isoToDay(DATES[r.t])),
    ticker: Int32Array.from(rows, (r) => r.n),
    tickers: ['A', 'B', 'C', 'D', 'E', 'F'],
    industry: Int32Array.from(rows, (r) => industryOf(r.t, r.n)),
    industries: ['Energy', 'Materials', 'Utilities'],
    factors: [
      { name: 'mom', group: 'momentum', description: '', values: col((t, n) => (t === 2 && n === 4 ? NaN : 10 * n + t)) },
      { name: 'rev', group: 'reversal', description: '', values: col((t, n) => 10 * n + t + 0.1) },
      { name: 'vol', group: 'volatility', description: '', values: col((t, n) => 10 * n + t + 0.2) },
    ],
    fwd: [1, 2].map((h) => ({ horizon: h, values: col((t, n) => 0.01 * (n + 1) + 0.1 * h + 0.001 * t) })),
    ret: col((t, n) => (t === 0 ? NaN : 0.001 * n)),
    dollarVolume: col((_t, n) => 1e6 * (n + 1)),
    age: Int32Array.from(rows, (r) => r.t),
    universeColumns: [{ name: 'bench', values: col((_t, n) => (n === 0 || n === 2 ? 0.5 : 0)) }],
    source: { name: 'hand.parquet', kind: 'factors' },
  };
}
const raw: PreprocessConfig = { madK: 0, normalize: 'none', missing: 'fill', industryNeutral: false, minHistory: 1 };
const N = 6,
  T = 4;

describe('buildPanel on a hand-made frame', () => {
  const p = buildPanel(handFrame(), raw);
  const F = p.factorNames.length;

  it('has the dimensions, names and groups of the frame', () => {
    expect(p.dates).toEqual(DATES);
    expect(p.tickers).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(p.factorNames).toEqual(['mom', 'rev', 'vol']);
    expect(p.factorGroups).toEqual(['momentum', 'reversal', 'volatility']);
    expect(p.horizons).toEqual([1, 2]);
    expect(p.x.length).toBe(T * N * 3);
    expect(p.source.kind).toBe('factors');
  });

  it('validity: minHistory, presence and the 5-stock minimum; thin dates are listed in the notes', () => {
    const v = Array.from({ length: T }, (_, t) => Array.from(p.valid.subarray(t * N, t * N + N)));
    expect(v).toEqual([
      [0, 0, 0, 0, 0, 0],
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 0],
      [0, 0, 0, 0, 0, 0],
    ]);
    expect(p.source.notes!.join(' ')).toContain('2 of 4 dates have fewer than 5 valid stocks');
    expect(p.source.notes!.join(' ')).toContain('2020-01-02, 2020-01-07');
  });

  it('places each row at (t, n) and zeroes invalid entries; a missing value is filled with the column mean', () => {
    for (let t = 0; t < T; t++)
      for (let n = 0; n < N; n++)
        for (let f = 0; f < F; f++) {
          const got = p.x[(t * N + n) * F + f];
          if (!p.valid[t * N + n]) {
            expect(got).toBe(0);
            continue;
          }
          if (t === 2 && n === 4 && f === 0) {
            // mom on date 2 over A..D = [2, 12, 22, 32] -> mean 17
            expect(got).toBe(17);
            continue;
          }
          expect(got).toBeCloseTo(10 * n + t + f / 10, 4);
        }
  });

  it('carries fwd [H, T, N], ret, tradable and per-date industries', () => {
    for (let h = 0; h < 2; h++)
      for (let t = 0; t < T; t++)
        for (let n = 0; n < N; n++) {
          const v = p.fwd[(h * T + t) * N + n];
          if (PRESENT[t].includes(n)) expect(v).toBeCloseTo(0.01 * (n + 1) + 0.1 * (h + 1) + 0.001 * t, 6);
          else expect(v).toBeNaN();
        }
    expect(p.ret[0]).toBeNaN();
    expect(p.ret[1 * N + 3]).toBeCloseTo(0.003, 7);
    expect(p.ret[2 * N + 5]).toBeNaN(); // F absent on date 2
    expect(Array.from(p.tradable.subarray(3 * N, 4 * N))).toEqual([1, 1, 1, 1, 0, 0]);
    expect(p.industry[1 * N + 4]).toBe(1);
    expect(p.industry[2 * N + 4]).toBe(2); // reclassified
    expect(p.industry[2 * N + 5]).toBe(-1); // absent -> unknown
    expect(p.industryNames).toEqual(['Energy', 'Materials', 'Utilities']);
  });

  it("universes: 'all' = present, monthly ones (empty in the first month), user columns (value > 0)", () => {
    expect(p.universes.map((u) => u.name)).toEqual(['all', 'top100', 'next150', 'rest', 'bench']);
    expect(Array.from(p.universes[0].member)).toEqual(Array.from(p.tradable));
    for (const u of p.universes.slice(1, 4)) expect(u.member.reduce((s, v) => s + v, 0)).toBe(0); // all dates in Jan 2020
    const bench = p.universes[4].member;
    for (let t = 0; t < T; t++) expect(Array.from(bench.subarray(t * N, t * N + N))).toEqual([1, 0, 1, 0, 0, 0]);
  });

  it("'mask' drops E on date 2, which leaves 4 stocks and makes the date invalid", () => {
    const m = buildPanel(handFrame(), { ...raw, missing: 'mask' });
    expect(Array.from(m.valid.subarray(2 * N, 3 * N))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(m.source.notes!.join(' ')).toContain('3 of 4 dates');
  });

  it('z-scores per date over the valid stocks', () => {
    const z = buildPanel(handFrame(), { ...raw, normalize: 'zscore' });
    // date 1, every factor: 10 n + const over n = 0..5 -> deviations 10 (n - 2.5), sd = 10 sqrt(17.5 / 6) = 17.07825
    // -> z = (n - 2.5) / 1.707825 = [-1.46385, -0.87831, -0.29277, 0.29277, 0.87831, 1.46385]
    const e = [-1.46385, -0.87831, -0.29277, 0.29277, 0.87831, 1.46385];
    for (let n = 0; n < N; n++) for (let f = 0; f < 3; f++) expect(z.x[(1 * N + n) * 3 + f]).toBeCloseTo(e[n], 4);
  });

  it('selects factors by name or group, in frame order; unknown names are a LabError', () => {
    expect(buildPanel(handFrame(), raw, { factors: ['volatility'] }).factorNames).toEqual(['vol']);
    const two = buildPanel(handFrame(), raw, { factors: ['vol', 'momentum'] });
    expect(two.factorNames).toEqual(['mom', 'vol']);
    expect(two.x[(1 * N + 3) * 2 + 1]).toBeCloseTo(31.2, 4); // vol of D on date 1
    expect(() => buildPanel(handFrame(), raw, { factors: ['size'] })).toThrow(LabError);
    expect(() => buildPanel(handFrame(), raw, { factors: ['size'] })).toThrow(/unknown factor or group 'size'/);
  });

  it('restricts dates with start/end and keeps the stock axis', () => {
    const s = buildPanel(handFrame(), raw, { start: '2020-01-03', end: '2020-01-06' });
    expect(s.dates).toEqual(['2020-01-03', '2020-01-06']);
    expect(s.tickers.length).toBe(N);
    expect(Array.from(s.x)).toEqual(Array.from(p.x.subarray(1 * N * F, 3 * N * F)));
    expect(Array.from(s.valid)).toEqual(Array.from(p.valid.subarray(N, 3 * N)));
    expect(() => buildPanel(handFrame(), raw, { start: '2021-01-01' })).toThrow(/no dates between 2021-01-01/);
  });

  it('rejects unsorted dates, duplicate rows and panels above maxMB', () => {
    const un = handFrame();
    un.date[0] = isoToDay('2020-02-01');
    expect(() => buildPanel(un, raw)).toThrow(/column 'date' is not sorted: row 1 has 2020-01-02 after 2020-02-01/);
    const dup = handFrame();
    dup.ticker[1] = 0;
    expect(() => buildPanel(dup, raw)).toThrow(/duplicate row for A on 2020-01-02 \(row 1\)/);
    expect(() => buildPanel(handFrame(), raw, { maxMB: 1e-4 })).toThrow(/above the 0.0001 MB limit/);
  });

  it('panelSummary: dims, range, valid stocks per date, MB', () => {
    const s = panelSummary(p);
    // valid per date [0, 6, 5, 0] -> sorted [0, 0, 5, 6]: min 0, median (0 + 5) / 2 = 2.5, max 6
    expect(s).toMatchObject({ T: 4, N: 6, F: 3, H: 2, start: '2020-01-02', end: '2020-01-07', validDates: 2 });
    expect(s.stocksPerDate).toEqual({ min: 0, median: 2.5, max: 6 });
    // bytes per (t, n): x 4*3 + valid 1 + industry 4 + fwd 4*2 + ret 4 + tradable 1 + 5 universes = 35; 24 cells -> 840 bytes
    expect(panelBytes(p)).toBe(840);
    expect(s.mb).toBeCloseTo(840 / 2 ** 20, 12);
  });
});

describe('buildPanel on a synthetic frame', () => {
  const { frame } = generateSyntheticFrame({ nStocks: 120, nDays: 200, seed: 5 });
  const prep: PreprocessConfig = { ...defaultPreprocessing, missing: 'mask', minHistory: 20 };
  const sizes = { top: 30, next: 40 };
  const p = buildPanel(frame, prep, { universeSizes: sizes });
  const { F } = { F: p.factorNames.length };
  const T2 = p.dates.length,
    N2 = p.tickers.length;

  it('buildPanelParallel (a factor-panel file: 2 worker_threads, chunks of 7 dates) gives the same panel', async () => {
    const pool = nodeCrossSectionPool(2);
    try {
      const cell = N2 * F;
      const q = await buildPanelParallel(frame, prep, {
        universeSizes: sizes,
        pool,
        parallel: { minValues: 0, chunkValues: 7 * cell, stepValues: 3 * cell },
      });
      expect(new Uint8Array(q.x.buffer)).toEqual(new Uint8Array(p.x.buffer));
      expect(q.valid).toEqual(p.valid);
      expect(q.universes.map((u) => u.member)).toEqual(p.universes.map((u) => u.member));
      expect(q.source).toEqual(p.source);
      expect(pool.healthy).toBe(true);
    } finally {
      pool.close();
    }
  });

  it('z-scored factors have mean 0 and mean square 1 on every valid date (mask policy, ddof 0)', () => {
    let checked = 0;
    for (let t = 0; t < T2; t++) {
      let n = 0;
      const s = new Float64Array(F),
        ss = new Float64Array(F);
      for (let i = 0; i < N2; i++) {
        if (!p.valid[t * N2 + i]) continue;
        n++;
        for (let f = 0; f < F; f++) {
          const v = p.x[(t * N2 + i) * F + f];
          s[f] += v;
          ss[f] += v * v;
        }
      }
      if (n === 0) continue;
      checked++;
      for (let f = 0; f < F; f++) {
        expect(Math.abs(s[f] / n)).toBeLessThan(1e-5);
        expect(ss[f] / n).toBeCloseTo(1, 4);
      }
    }
    expect(checked).toBe(T2 - 20); // minHistory 20: the first 20 dates have no valid stock
  });

  it('monthly universes have the configured sizes once 21 days of history exist and partition the ranked stocks', () => {
    const top = p.universes.find((u) => u.name === 'top30')!.member;
    const next = p.universes.find((u) => u.name === 'next40')!.member;
    const rest = p.universes.find((u) => u.name === 'rest')!.member;
    // the synthetic calendar starts 2015-01-05: January has 20 trading days < minObs 21, so February is empty
    // too; from March on every month is ranked
    const mar = p.dates.indexOf('2015-03-02');
    expect(p.dates.slice(0, mar).filter((d) => d.startsWith('2015-01')).length).toBe(20);
    for (let k = 0; k < mar * N2; k++) expect(top[k] + next[k] + rest[k]).toBe(0);
    for (let t = mar; t < T2; t++) {
      let a = 0,
        b = 0;
      for (let i = 0; i < N2; i++) {
        const k = t * N2 + i;
        a += top[k];
        b += next[k];
        expect(top[k] + next[k] + rest[k]).toBeLessThanOrEqual(1);
      }
      expect(a).toBe(30);
      expect(b).toBe(40);
    }
  });

  it('a date-restricted panel equals the slice of the full panel (universes use history before start)', () => {
    const s = buildPanel(frame, prep, { universeSizes: sizes, start: p.dates[100], end: p.dates[149] });
    expect(s.dates.length).toBe(50);
    expect(Array.from(s.x)).toEqual(Array.from(p.x.subarray(100 * N2 * F, 150 * N2 * F)));
    for (let u = 0; u < p.universes.length; u++) {
      expect(Array.from(s.universes[u].member)).toEqual(Array.from(p.universes[u].member.subarray(100 * N2, 150 * N2)));
    }
    expect(Array.from(s.fwd.subarray(0, 50 * N2))).toEqual(Array.from(p.fwd.subarray(100 * N2, 150 * N2)));
  });
});
