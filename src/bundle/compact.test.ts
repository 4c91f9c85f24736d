/**
 * compactBundle: a smaller bundle that still opens, says in manifest.storage what it rounded and dropped, and whose
 * stored scores re-evaluated on its grids give the original's metrics within a bound computed from the rounding.
 *
 * The bound. Rounding a float32 to 10 mantissa bits (nearest) moves x by |d| <= u |x|, u = 2^-11. A per-date Pearson
 * IC is <x~/|x~|, y^> (x~ the centred scores, y^ the centred, unit-length returns); centring does not lengthen d, and
 * moving x~ by d~ turns its direction by at most 2 |d~| / |x~|, so |IC' - IC| <= 2 u |x| / |x~| on that date, and the
 * mean IC moves by at most the mean of those. Rounding is monotone, so a top-quantile portfolio only changes where it
 * creates a tie at the quantile's edge; the test counts those (none here) and wants the portfolio series unchanged.
 * Sizes of this tiny run: 594,019 -> 329,122 bytes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExperiment } from '../../scripts/experiment';
import { initParquetNode } from '../data/parquet-node';
import { evaluateScores } from '../train/reevaluate';
import { readBundle, type OpenedBundle } from './read';
import { reevalScores } from './grids';
import { compactBundle, roundMantissa } from './compact';
import { tinyConfig } from './test-fixture';

const U = 2 ** -11;
let full: Uint8Array;
let orig: OpenedBundle;
let small: Uint8Array;
let comp: OpenedBundle;

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), 'factor-lab-compact-'));
  // the tiny run with DMFM explained (relevance.parquet and the explanation in methods/2.json)
  const models = tinyConfig.models.map((m) => (m.model === 'dmfm' ? { ...m, explain: true } : m));
  await runExperiment({ ...tinyConfig, models }, out, { backend: 'cpu', log: () => {} });
  await initParquetNode();
  full = new Uint8Array(readFileSync(join(out, 'run.flrun.zip')));
  orig = readBundle(full);
  small = compactBundle(full);
  comp = readBundle(small);
}, 240_000);

/** Pearson correlation of a and b over the entries where both are finite; with |a|/|a - mean(a)| on those entries */
function pearson(a: ArrayLike<number>, b: ArrayLike<number>): { r: number; ratio: number } {
  let n = 0,
    sa = 0,
    sb = 0;
  for (let i = 0; i < a.length; i++)
    if (Number.isFinite(a[i]) && Number.isFinite(b[i])) {
      n++;
      sa += a[i];
      sb += b[i];
    }
  const ma = sa / n,
    mb = sb / n;
  let ab = 0,
    aa = 0,
    bb = 0,
    a2 = 0;
  for (let i = 0; i < a.length; i++)
    if (Number.isFinite(a[i]) && Number.isFinite(b[i])) {
      ab += (a[i] - ma) * (b[i] - mb);
      aa += (a[i] - ma) ** 2;
      bb += (b[i] - mb) ** 2;
      a2 += a[i] ** 2;
    }
  return { r: ab / Math.sqrt(aa * bb), ratio: Math.sqrt(a2 / aa) };
}

describe('roundMantissa', () => {
  it('rounds to 10 mantissa bits, to nearest with ties to even, keeping NaN and infinities', () => {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even -> 1; 1 + 3 * 2^-11 is halfway between 1 + 2^-10 and
    // 1 + 2^-9: ties to even -> 1 + 2^-9; 1 + 2^-11 + 2^-20 is above the half -> 1 + 2^-10
    const x = Float32Array.of(1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, -3.14159274, NaN, Infinity, 0, 1e-42);
    const r = roundMantissa(x, 10);
    expect(r[0]).toBe(1);
    expect(r[1]).toBe(1 + 2 ** -9);
    expect(r[2]).toBe(1 + 2 ** -10);
    // pi = 1.5707963 * 2: mantissa 0x490fdb; 10 bits keep 0x490000 + round(0xfdb / 0x2000) = 1 step -> 0x492000: 3.140625
    expect(r[3]).toBe(-3.140625);
    expect(r[4]).toBeNaN();
    expect(r[5]).toBe(Infinity);
    expect(r[6]).toBe(0);
    // a subnormal keeps 10 bits of its step 2^-149 too: it moves by at most half of 2^-136
    expect(Math.abs(r[7] - x[7])).toBeLessThanOrEqual(2 ** -137);
    expect(x[0]).toBe(1 + 2 ** -11); // the input is left alone
  });
});

describe('compactBundle', () => {
  it('is a smaller valid bundle whose manifest says what was rounded and dropped', () => {
    expect(small.byteLength).toBeLessThan(full.byteLength * 0.75);
    const s = comp.manifest.storage!;
    expect(s.scores).toBe('float32-rounded');
    expect(s.mantissaBits).toBe(10);
    expect(s.horizons).toBe('evaluated');
    expect(s.originalBytes).toBe(full.byteLength);
    expect(orig.files['relevance.parquet']).toBeDefined();
    expect(comp.files['relevance.parquet']).toBeUndefined();
    expect(s.dropped).toContain('relevance.parquet');
    const other = orig.manifest.grids.horizons.filter((h) => h !== 5);
    expect(other.length).toBeGreaterThan(0);
    for (const h of other) expect(s.dropped).toContain(`grids.parquet:fwd_${h}`);
    expect(comp.manifest.grids.horizons).toEqual([5]);
    expect(comp.metrics).toEqual(orig.metrics);
    expect(comp.manifest.runKey).toBe(orig.manifest.runKey);
    // the explanation stays (rounded) for the explain views
    expect(comp.methods[2].output.explanation?.dates.length).toBe(orig.methods[2].output.explanation?.dates.length);
    // a compacted bundle compacts again to the same contents
    const again = readBundle(compactBundle(small));
    expect(again.manifest.storage).toEqual(s);
    expect(Array.from(again.methods[2].output.scores)).toEqual(Array.from(comp.methods[2].output.scores));
  });

  it('stores each score rounded: within u = 2^-11 relative of the original, evaluated horizon only', () => {
    comp.methods.forEach(({ label, output }, i) => {
      const o = orig.methods[i].output;
      expect(output.horizons, label).toEqual([o.evalHorizon]);
      const h = o.horizons.indexOf(o.evalHorizon);
      const per = o.testIndex.length * orig.grids.tickers.length;
      const want = o.scoresByHorizon.subarray(h * per, (h + 1) * per);
      expect(output.scoresByHorizon.length).toBe(per);
      let moved = 0;
      for (let k = 0; k < per; k++) {
        if (!Number.isFinite(want[k])) {
          expect(output.scoresByHorizon[k]).toBeNaN();
          continue;
        }
        const d = Math.abs(output.scoresByHorizon[k] - want[k]);
        expect(d).toBeLessThanOrEqual(U * Math.abs(want[k]));
        if (d > 0) moved++;
      }
      expect(moved, `${label}: rounding changed some scores`).toBeGreaterThan(0);
    });
  });

  it('re-evaluates to the original metrics: IC within the computed bound, the portfolio unchanged without edge ties', () => {
    for (let i = 0; i < orig.methods.length; i++) {
      const { label, output: c } = comp.methods[i];
      const o = orig.methods[i].output;
      const N = orig.grids.tickers.length,
        D = o.testIndex.length;
      const h = o.horizons.indexOf(o.evalHorizon);
      const Tg = orig.grids.dates.length;
      const gh = orig.grids.horizons.indexOf(o.evalHorizon);
      // independent per-date Pearson IC of the original and the rounded scores against the stored forward returns
      let maxGap = 0,
        bound = 0;
      for (let j = 0; j < D; j++) {
        const t = o.testIndex[j] - orig.gridOffset;
        const y = orig.grids.fwd.subarray((gh * Tg + t) * N, (gh * Tg + t + 1) * N);
        const a = pearson(o.scoresByHorizon.subarray((h * D + j) * N, (h * D + j + 1) * N), y);
        const b = pearson(c.scoresByHorizon.subarray(j * N, (j + 1) * N), y);
        if (!Number.isFinite(a.r)) continue;
        const bj = 2 * U * a.ratio;
        expect(Math.abs(b.r - a.r), `${label} date ${j}`).toBeLessThanOrEqual(bj + 1e-12);
        maxGap = Math.max(maxGap, Math.abs(b.r - a.r));
        bound = Math.max(bound, bj);
      }
      expect(maxGap).toBeLessThanOrEqual(bound);
      const ev = evaluateScores(comp.grids, c.run, reevalScores(comp, c));
      const ref = evaluateScores(orig.grids, o.run, reevalScores(orig, o));
      expect(ref.metrics, label).toEqual(o.eval.metrics); // the original re-evaluates exactly (bundle.test.ts)
      // the engine's mean IC: a mean of per-date ICs, each within its date's bound
      expect(Math.abs(ev.metrics.ic - o.eval.metrics.ic), label).toBeLessThanOrEqual(bound + 1e-12);
      // top-quantile edge ties the rounding created: on none of the dates, so the same stocks are held on every date
      const q = (o.run.strategy.kind === 'topquantile' ? o.run.strategy.groups : undefined) ?? 5;
      let edgeTies = 0;
      for (let j = 0; j < D; j++) {
        const s = Array.from(c.scoresByHorizon.subarray(j * N, (j + 1) * N))
          .filter(Number.isFinite)
          .sort((x, y) => y - x);
        const k = Math.ceil(s.length / q);
        if (k < s.length && s[k - 1] === s[k]) edgeTies++;
      }
      // on this run (measured: 0 of 221 dates for each method) none, so the portfolio is the original's to the bit
      expect(edgeTies, label).toBe(0);
      expect(Array.from(ev.series.portfolio), label).toEqual(Array.from(o.eval.series.portfolio));
      expect(ev.metrics.ir, label).toBe(o.eval.metrics.ir);
    }
  });
});
