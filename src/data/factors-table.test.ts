import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeEngine } from './sql-engine-node';
import type { SqlEngine } from './sql-engine';
import type { Panel } from '../core/panel';
import { defaultPreprocessing } from '../core/run';
import { panelFromSynthetic } from './synthetic';
import { float32Text } from './csv-export';
import {
  createFactorsTable,
  createPricesTable,
  factorsTableColumns,
  factorsTableRows,
  labelNames,
  mentionsTable,
  pricesTableRows,
} from './factors-table';

let engine: SqlEngine;
beforeAll(async () => {
  engine = await createNodeEngine();
});
afterAll(() => engine.close());

const rowsOf = (sql: string) =>
  engine
    .query(sql)
    .toArray()
    .map((r) => r.toJSON() as Record<string, unknown>);

/**
 * T = 2 dates x N = 3 stocks x F = 2 factors, horizons [1, 5]. Stock C is invalid on day 1 (not in the table);
 * B has no industry (-1 -> NULL) and no 5-day label on day 1 (NaN -> NULL). Universes: the partition top1 / rest
 * (A in top1, B in rest on both days; C in neither: NULL) and a user column 'mine' (B on day 2 only).
 */
function tinyPanel(): Panel {
  const T = 2,
    N = 3; // F = 2
  // x [T, N, F]
  const x = new Float32Array([0.5, -1.25, 0.1, 2, 0, 0, /* day 2 */ -0.75, 1.5, 3, -2, 0.25, 0.125]);
  // fwd [H, T, N]
  const fwd = new Float32Array([0.01, -0.02, 0.03, 0.04, 0.05, 0.06, /* h=5 */ 0.1, NaN, 0.3, 0.4, 0.5, 0.6]);
  return {
    dates: ['2024-01-02', '2024-01-03'],
    tickers: ['AAA', 'BBB', 'CCC'],
    factorNames: ['mom_1', 'Date'],
    factorGroups: ['momentum', 'other'],
    x,
    valid: new Uint8Array([1, 1, 0, 1, 1, 1]),
    industry: new Int32Array([0, -1, 1, 0, -1, 1]),
    industryNames: ['Tech', 'Energy'],
    horizons: [1, 5],
    fwd,
    ret: new Float32Array(T * N),
    tradable: new Uint8Array(T * N).fill(1),
    universes: [
      { name: 'all', description: 'every stock', member: new Uint8Array([1, 1, 1, 1, 1, 1]) },
      { name: 'top1', description: 'largest', member: new Uint8Array([1, 0, 0, 1, 0, 0]) },
      { name: 'rest', description: 'the rest', member: new Uint8Array([0, 1, 0, 0, 1, 0]) },
      { name: 'mine', description: "user column 'mine' (value > 0 = member)", member: new Uint8Array([0, 0, 0, 0, 1, 0]) },
    ],
    source: { name: 'tiny', kind: 'factors' },
  };
}

describe('factors table (real DuckDB-WASM)', () => {
  it('holds the panel values exactly, one row per valid (date, stock); NaN and unknown industry -> NULL', () => {
    const p = tinyPanel();
    // the factor named 'Date' clashes with the date column (DuckDB names are case-insensitive): it becomes Date_2
    expect(factorsTableColumns(p)).toEqual(['date', 'ticker', 'industry', 'universe', 'mom_1', 'Date_2', 'fwd_1', 'fwd_5', 'in_mine']);
    expect(factorsTableRows(p)).toBe(5);
    expect(createFactorsTable(engine, p)).toBe(5);
    const types = rowsOf(
      `SELECT column_name AS c, data_type AS t FROM duckdb_columns() WHERE table_name = 'factors' ORDER BY column_index`,
    );
    expect(types.map((r) => `${String(r.c)} ${String(r.t)}`)).toEqual([
      'date DATE',
      'ticker VARCHAR',
      'industry VARCHAR',
      'universe VARCHAR',
      'mom_1 FLOAT',
      'Date_2 FLOAT',
      'fwd_1 FLOAT',
      'fwd_5 FLOAT',
      'in_mine BOOLEAN',
    ]);
    const rows = rowsOf(
      `SELECT strftime(date, '%Y-%m-%d') AS d, ticker, industry, universe, mom_1, Date_2, fwd_1, fwd_5, in_mine FROM factors ORDER BY date, ticker`,
    );
    const f = Math.fround; // FLOAT columns hold the float32 values of the panel
    expect(rows).toEqual([
      {
        d: '2024-01-02',
        ticker: 'AAA',
        industry: 'Tech',
        universe: 'top1',
        mom_1: 0.5,
        Date_2: -1.25,
        fwd_1: f(0.01),
        fwd_5: f(0.1),
        in_mine: false,
      },
      {
        d: '2024-01-02',
        ticker: 'BBB',
        industry: null,
        universe: 'rest',
        mom_1: f(0.1),
        Date_2: 2,
        fwd_1: f(-0.02),
        fwd_5: null,
        in_mine: false,
      },
      // CCC is not valid on day 1: no row
      {
        d: '2024-01-03',
        ticker: 'AAA',
        industry: 'Tech',
        universe: 'top1',
        mom_1: -0.75,
        Date_2: 1.5,
        fwd_1: f(0.04),
        fwd_5: f(0.4),
        in_mine: false,
      },
      {
        d: '2024-01-03',
        ticker: 'BBB',
        industry: null,
        universe: 'rest',
        mom_1: 3,
        Date_2: -2,
        fwd_1: f(0.05),
        fwd_5: f(0.5),
        in_mine: true,
      },
      {
        d: '2024-01-03',
        ticker: 'CCC',
        industry: 'Energy',
        universe: null,
        mom_1: 0.25,
        Date_2: 0.125,
        fwd_1: f(0.06),
        fwd_5: f(0.6),
        in_mine: false,
      },
    ]);
    // a second build replaces the table (a new dataset), never appends
    expect(createFactorsTable(engine, p)).toBe(5);
    expect(Number(engine.query('SELECT count(*) AS n FROM factors').getChild('n')!.get(0))).toBe(5);
  });

  it('matches a synthetic panel cell by cell across several insert chunks', () => {
    const p = panelFromSynthetic(
      { nStocks: 30, nDays: 140, nIndustries: 4, nFactors: 6, seed: 3 },
      { ...defaultPreprocessing, minHistory: 5 },
    );
    const T = p.dates.length,
      N = p.tickers.length,
      F = p.factorNames.length;
    const n = factorsTableRows(p);
    expect(n).toBeGreaterThan(1000); // > 2 chunks of 500 below
    expect(createFactorsTable(engine, p, 'factors', 500)).toBe(n);
    const t = engine.query(`SELECT * FROM factors ORDER BY date, ticker`);
    expect(t.numRows).toBe(n);
    expect(t.schema.fields.map((x) => x.name)).toEqual(['date', 'ticker', 'industry', 'universe', ...p.factorNames, ...labelNames(p)]);
    const tIndex = new Map(p.dates.map((d, i) => [d, i]));
    const nIndex = new Map(p.tickers.map((s, i) => [s, i]));
    let mismatches = 0,
      nulls = 0;
    const cols = t.schema.fields.map((_, j) => t.getChildAt(j)!);
    for (let r = 0; r < t.numRows; r++) {
      const ti = tIndex.get(new Date(Number(cols[0].get(r))).toISOString().slice(0, 10))!;
      const ni = nIndex.get(String(cols[1].get(r)))!;
      if (p.valid[ti * N + ni] !== 1) mismatches++;
      const ind = p.industry[ti * N + ni];
      if ((cols[2].get(r) ?? null) !== (ind >= 0 ? p.industryNames[ind] : null)) mismatches++;
      for (let f = 0; f < F; f++) if (cols[4 + f].get(r) !== p.x[(ti * N + ni) * F + f]) mismatches++;
      for (let h = 0; h < p.horizons.length; h++) {
        const want = p.fwd[(h * T + ti) * N + ni];
        const got = cols[4 + F + h].get(r) as number | null;
        if (Number.isNaN(want)) {
          nulls++;
          if (got !== null) mismatches++;
        } else if (got !== want) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
    expect(nulls).toBeGreaterThan(0); // the last dates have no long-horizon label: NULL, not NaN
    // universe: the partition's name where the stock is a member, NULL elsewhere (the first month)
    const subs = p.universes.filter((u) => u.name !== 'all');
    const byUniverse = rowsOf(`SELECT coalesce(universe, '(none)') AS u, count(*)::INTEGER AS n FROM factors GROUP BY 1 ORDER BY 1`);
    const want = new Map<string, number>();
    for (let k = 0; k < T * N; k++)
      if (p.valid[k]) {
        const u = subs.find((s) => s.member[k])?.name ?? '(none)';
        want.set(u, (want.get(u) ?? 0) + 1);
      }
    expect(byUniverse).toEqual([...want].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([u, c]) => ({ u, n: c })));
  });

  it('builds the synthetic prices table; its closes reproduce the panel labels', () => {
    const p = panelFromSynthetic(
      { nStocks: 20, nDays: 120, nIndustries: 3, nFactors: 6, seed: 5 },
      { ...defaultPreprocessing, minHistory: 5 },
    );
    expect(createPricesTable(engine, p, 'prices', 700)).toBe(pricesTableRows(p));
    // ret is the panel's daily return; close compounds it from 100 on the stock's first day
    const first = rowsOf(`SELECT ticker, min(date) AS d0, arg_min(close, date) AS c0, count(*)::INTEGER AS n FROM prices GROUP BY ticker`);
    expect(first.every((r) => r.c0 === 100)).toBe(true);
    expect(createFactorsTable(engine, p)).toBe(factorsTableRows(p));
    // fwd_1(t) = close[t+2] / close[t+1] - 1 (labels start at the next day's close), joined by trading-day index
    const check = rowsOf(`
      WITH d AS (SELECT date, row_number() OVER (ORDER BY date) AS i FROM (SELECT DISTINCT date FROM prices)),
      c AS (SELECT p.ticker, d.i, p.close FROM prices p JOIN d USING (date))
      SELECT count(*)::INTEGER AS n, max(abs(f.fwd_1 - (c2.close / c1.close - 1))) AS err
      FROM factors f JOIN d ON d.date = f.date
      JOIN c c1 ON c1.ticker = f.ticker AND c1.i = d.i + 1 JOIN c c2 ON c2.ticker = f.ticker AND c2.i = d.i + 2
      WHERE f.fwd_1 IS NOT NULL`);
    expect(check[0].n).toBeGreaterThan(500);
    expect(check[0].err).toBeLessThan(1e-5); // float32 labels and rets: ~1e-7 relative
  });

  it('finds a table name as a word only', () => {
    expect(mentionsTable('select * from FACTORS limit 5', 'factors')).toBe(true);
    expect(mentionsTable('SELECT * FROM "factors"', 'factors')).toBe(true);
    expect(mentionsTable('SELECT * FROM factor_panel', 'factors')).toBe(false);
    expect(mentionsTable('SELECT n_factors FROM t', 'factors')).toBe(false);
  });
});

describe('float32Text (CSV of FLOAT columns)', () => {
  it('gives the shortest decimal that reads back to the same float32', () => {
    // 0.1 as float32 is 0.100000001490116...: '0.1' reads back to it; 1/3 needs 8 digits (0.33333334)
    expect(float32Text(Math.fround(0.1))).toBe(0.1);
    expect(float32Text(Math.fround(-1.25))).toBe(-1.25);
    expect(float32Text(Math.fround(1 / 3))).toBe(0.33333334);
    expect(float32Text(Math.fround(123456.7))).toBe(123456.7);
    // every value read back equals the float32, and no shorter precision would (checked against 1..9 digits)
    let bad = 0;
    for (let i = 1; i < 2000; i++) {
      const v = Math.fround(Math.sin(i) * 10 ** ((i % 11) - 5));
      const got = float32Text(v) as number;
      let shortest = 9;
      for (let q = 9; q >= 1; q--) if (Math.fround(Number(v.toPrecision(q))) === v) shortest = q;
      if (Math.fround(got) !== v || got !== Number(v.toPrecision(shortest))) bad++;
    }
    expect(bad).toBe(0);
  });
});
