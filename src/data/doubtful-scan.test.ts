/**
 * The factor pass's doubtful-returns count (doubtful-returns.ts DoubtfulScan, fed by the typed-array passes) against
 * the query it stands in for (schema.ts extremeReturns on the (ticker, date)-ordered prices): the same count, the same
 * three largest in the same order, the same warning text, on crafted edge cases and on random walks with jumps; the
 * one-thread pass (on prices in (ticker, date) order, and in (date, ticker) order regrouped in memory), the pass split
 * across a helper thread, and the SQL pass (which leaves the scan not done).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { defaultPreprocessing } from '../core/run';
import { DoubtfulScan } from './doubtful-returns';
import { computeFactorPanel, computeFactorPanelParallel, setFactorPassEngine } from './factors';
import { nodeCrossSectionPool } from './cross-section-pool-node';
import { doubtfulWarning, extremeReturns } from './schema';
import { createNodeEngine } from './sql-engine-node';
import type { SqlEngine } from './sql-engine';

let engine: SqlEngine;
beforeAll(async () => {
  engine = await createNodeEngine();
});
afterAll(() => engine.close());

/** a clean prices table in (ticker, date) order from per-ticker adjusted closes (day d = 2020-01-01 + d) */
function pricesTable(series: Record<string, number[]>): void {
  const rows: string[] = [];
  for (const tk of Object.keys(series).sort())
    series[tk].forEach((p, d) => {
      if (p > 0) rows.push(`(DATE '2020-01-01' + ${d}, '${tk}', ${p}::DOUBLE)`);
    });
  engine.run(`CREATE OR REPLACE TABLE px AS SELECT d AS date, t AS ticker, p AS open, p AS high, p AS low, p AS close, p AS adj_close,
    1000::DOUBLE AS volume FROM (VALUES ${rows.join(', ')}) v(d, t, p) ORDER BY ticker, date`);
}

/**
 * the query's warning (or none) and the scan's, from the one-thread pass; the scan of the same rows stored in (date,
 * ticker) order (regrouped by ticker in memory: ComputeFactorOptions.rowOrder 'date') must give the same warning
 */
function both(file = 'f.parquet'): { sql: string | undefined; scan: string | undefined; n: number } {
  const w: string[] = [];
  const n = extremeReturns(engine, 'px', 'adj_close', file, w, true, 'keep');
  const warning = (s: DoubtfulScan) => (s.n > 0 ? doubtfulWarning(file, s.n, s.largest, 'keep') : undefined);
  const scan = new DoubtfulScan();
  computeFactorPanel(engine, { prices: 'px', doubtful: scan }, { ...defaultPreprocessing, minHistory: 0 });
  expect(scan.done).toBe(true);
  engine.run('CREATE OR REPLACE TABLE pxd AS SELECT * FROM px ORDER BY date, ticker');
  const byDate = new DoubtfulScan();
  computeFactorPanel(engine, { prices: 'pxd', doubtful: byDate, rowOrder: 'date' }, { ...defaultPreprocessing, minHistory: 0 });
  expect(warning(byDate)).toBe(warning(scan));
  return { sql: w[0], scan: warning(scan), n };
}

const flat = (k: number, p = 50) => Array.from({ length: k }, () => p);

describe('DoubtfulScan: the factor pass counts what extremeReturns counts', () => {
  it('crafted days: bounds, reversals, run edges, ties and the top three', () => {
    pricesTable({
      // -99.9% split on day 3 (100 -> 0.1), then flat: flagged (r = -0.999)
      AAA: [100, 100, 100, 0.1, 0.1, 0.1, 0.1, 0.1],
      // 100 -> 51: r = 0.51 - 1, at the -49% bound (flagged or not, the same double decides both); 100 -> 200 on the
      // last day: r = +100% exactly with no next day (flagged)
      BBB: [100, 100, 51, 51, 51, 51, 51, 102],
      // +60% undone the next day (160 -> 100.5: back = 0.5%): flagged; |r| = 0.6
      CCC: [100, 100, 160, 100.5, 100.5, 100.5, 100.5, 100.5],
      // +60% that stays: not flagged; 150 -> 101 -> 150: |r| = 0.5 exactly is not beyond 50%
      DDD: [100, 160, 160, 160, 150, 101, 150, 150],
      // a first row far from the previous ticker's last price: no return across tickers; then +60% undone: |r| = 0.6
      // ties CCC's (CCC comes first), and a missing day in the middle (day 4 not in the table)
      EEE: [1, 1, 1, 1.6, 0, 1.005, 1.005, 1.005],
      FFF: flat(8),
      GGG: flat(8, 7),
    });
    const r = both();
    expect(r.n).toBeGreaterThanOrEqual(4);
    expect(r.sql).toContain('AAA on 2020-01-04: -99.9%');
    expect(r.scan).toBe(r.sql);
  });

  it('no doubtful day: neither warns', () => {
    pricesTable({ AAA: flat(6), BBB: flat(6, 3), CCC: [1, 1.2, 1.4, 1.7, 2, 2.4], DDD: flat(6), EEE: flat(6) });
    expect(both()).toEqual({ sql: undefined, scan: undefined, n: 0 });
  });

  it('random walks with jumps (splits, reverse splits, spikes undone, moves that stay): the same warning', () => {
    const rng = makeRng(3);
    for (let rep = 0; rep < 4; rep++) {
      const series: Record<string, number[]> = {};
      for (let k = 0; k < 12; k++) {
        let p = 10 + 90 * rng.uniform();
        series[`T${String(k).padStart(2, '0')}`] = Array.from({ length: 60 }, () => {
          const u = rng.uniform();
          const jump = u < 0.02 ? 0.5 : u < 0.03 ? 2 : u < 0.05 ? 1.55 : u < 0.06 ? 1 / 1.55 : 1;
          p *= jump * Math.exp(0.02 * rng.normal());
          return u > 0.995 ? 0 : p; // a few rows missing from the table
        });
      }
      pricesTable(series);
      const r = both();
      expect(r.n).toBeGreaterThan(3);
      expect(r.scan).toBe(r.sql);
    }
  });

  it('the pass split across a helper scans the same; the SQL pass leaves the scan not done', async () => {
    pricesTable({ AAA: [100, 100, 100, 0.1, 0.1, 0.1], BBB: [5, 5, 10, 10, 10, 10], CCC: flat(6), DDD: flat(6), EEE: flat(6) });
    const w: string[] = [];
    extremeReturns(engine, 'px', 'adj_close', 'f', w, true, 'keep');
    const pool = nodeCrossSectionPool(1);
    try {
      const scan = new DoubtfulScan();
      await computeFactorPanelParallel(engine, { prices: 'px', doubtful: scan }, { ...defaultPreprocessing, minHistory: 0 }, { pool });
      expect(scan.done).toBe(true);
      expect(doubtfulWarning('f', scan.n, scan.largest, 'keep')).toBe(w[0]);
    } finally {
      pool.close();
    }
    setFactorPassEngine('sql');
    try {
      const scan = new DoubtfulScan();
      computeFactorPanel(engine, { prices: 'px', doubtful: scan }, { ...defaultPreprocessing, minHistory: 0 });
      expect(scan.done).toBe(false);
    } finally {
      setFactorPassEngine('js');
    }
  });
});
