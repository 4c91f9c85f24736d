/**
 * Issue 16, "future information as a factor": a factor panel with a column named like a label (LABEL0) and one that
 * is a label under a factor's name (quality_x: the next-day return plus a little noise, |IC| ~ 1 > 0.5). Both routes
 * exclude the column by default with a warning naming it; includeLabelLike keeps them, with a warning that says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeEngine } from './sql-engine-node';
import { initParquetNode } from './parquet-node';
import { loadParquet, tableToParquet } from './parquet';
import { validateFactorPanel } from './schema';
import type { SqlEngine } from './sql-engine';
import { makeTable, weekdays } from './test-fixtures';
import { makeRng } from '../core/rng';

let engine: SqlEngine;
beforeAll(async () => {
  engine = await createNodeEngine();
  await initParquetNode();
  await loadParquet(engine, 'raw_ll', tableToParquet(panelTable()));
});
afterAll(() => engine.close());

const N = 12,
  D = 40;

/** N tickers x D weekdays, date-major: close (random walk), mom (noise), LABEL0 and quality_x (the next-day return) */
function panelTable() {
  const rng = makeRng(3);
  const days = weekdays('2019-01-02', D);
  const px = Array.from({ length: D }, () => new Float64Array(N));
  for (let n = 0; n < N; n++) {
    let p = 20 + n;
    for (let d = 0; d < D; d++) {
      p *= 1 + (rng.uniform() - 0.5) * 0.04;
      px[d][n] = p;
    }
  }
  // the lab's label convention: the return of date d is P[d+2] / P[d+1] - 1 (known only after d + 2)
  const next = (d: number, n: number) => (d + 2 < D ? px[d + 2][n] / px[d + 1][n] - 1 : null);
  const rows = days.flatMap((day, d) => Array.from({ length: N }, (_, n) => ({ day, d, n })));
  return makeTable({
    date: { kind: 'date', values: rows.map((r) => r.day) },
    ticker: { kind: 'utf8', values: rows.map((r) => `S${r.n}`) },
    close: { kind: 'f64', values: rows.map((r) => px[r.d][r.n]) },
    mom: { kind: 'f64', values: rows.map(() => rng.uniform() - 0.5) },
    LABEL0: { kind: 'f64', values: rows.map((r) => next(r.d, r.n)) },
    quality_x: { kind: 'f64', values: rows.map((r) => (next(r.d, r.n) ?? 0) + (rng.uniform() - 0.5) * 1e-4) },
  });
}

describe('label-like factor columns (issue 16)', () => {
  it('are excluded by default: LABEL0 by its name, quality_x by |IC| > 0.5 with the forward return, each named', () => {
    const v = validateFactorPanel(engine, 'raw_ll', { file: 'leaky.parquet', out: 'fp_default' });
    expect(v.columns!.factors).toEqual(['mom']);
    const byName = v.warnings.find((w) => w.includes("'LABEL0'"));
    expect(byName).toMatch(/^leaky\.parquet: column\(s\) 'LABEL0' look like labels \(future returns\), not factors: excluded/);
    expect(byName).toContain('Use label-like columns');
    // quality_x is the next-day return plus noise of 1e-4 against returns of ~1%: its mean per-date IC is ~1
    const byIc = v.warnings.find((w) => w.includes("'quality_x'"));
    expect(byIc).toMatch(/'quality_x' \(mean IC (0\.99\d|1\.000)\) correlate with the forward return .* are excluded/);
  });

  it('includeLabelLike keeps both as factors, with warnings that they may hold the future', () => {
    const v = validateFactorPanel(engine, 'raw_ll', { file: 'leaky.parquet', out: 'fp_incl', includeLabelLike: true });
    expect(new Set(v.columns!.factors)).toEqual(new Set(['mom', 'LABEL0', 'quality_x']));
    expect(v.warnings.find((w) => w.includes("'LABEL0'"))).toMatch(
      /look like labels \(future returns\) but are used as factors, as confirmed/,
    );
    // LABEL0 is now screened too: both correlate ~1 with the forward return, and both are kept with a warning
    const ic = v.warnings.find((w) => w.includes('but are kept as factors'));
    expect(ic).toMatch(/'LABEL0' \(mean IC 1\.000\)/);
    expect(ic).toMatch(/'quality_x' \(mean IC (0\.99\d|1\.000)\)/);
    expect(v.warnings.some((w) => /are excluded/.test(w))).toBe(false);
  });
});
