import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import {
  argsortInPlace,
  madClip,
  madClipGuided,
  makeScratch,
  medianInPlace,
  medianMadSorted,
  preprocessCrossSection,
  rankNormalizeInPlace,
  selectInBracket,
  type CrossSectionConfig,
} from './preprocess';

const cfg = (c: Partial<CrossSectionConfig>): CrossSectionConfig => ({
  madK: 0,
  normalize: 'none',
  missing: 'fill',
  industryNeutral: false,
  ...c,
});

/** One-factor cross-section: x [n, 1] from values, all valid. */
function column(values: number[], c: Partial<CrossSectionConfig>, industry: number[] | null = null) {
  const x = Float32Array.from(values);
  const valid = new Uint8Array(values.length).fill(1);
  const nValid = preprocessCrossSection(x, valid, industry ? Int32Array.from(industry) : null, values.length, 1, cfg(c));
  return { x: Array.from(x), valid: Array.from(valid), nValid };
}

describe('MAD winsorising + z-score', () => {
  it('clips [1,2,3,4,100] at k=3 and z-scores with ddof=0', () => {
    // median = 3; |x - 3| = [2,1,0,1,97] -> MAD = 1; bounds = 3 +- 3 * 1.4826 * 1 = [-1.4478, 7.4478]
    // clipped = [1, 2, 3, 4, 7.4478]; mean = 17.4478 / 5 = 3.48956
    // deviations = [-2.48956, -1.48956, -0.48956, 0.51044, 3.95824]; sum of squares = 24.58458
    // sd (ddof 0) = sqrt(24.58458 / 5) = 2.217412
    // z = [-1.122732, -0.671756, -0.220780, 0.230196, 1.785072]
    const { x, nValid } = column([1, 2, 3, 4, 100], { madK: 3, normalize: 'zscore' });
    expect(nValid).toBe(5);
    [-1.122732, -0.671756, -0.22078, 0.230196, 1.785072].forEach((v, i) => expect(x[i]).toBeCloseTo(v, 5));
    // ddof = 0: the z-scores' mean square is exactly 1
    expect(x.reduce((s, v) => s + v * v, 0) / 5).toBeCloseTo(1, 6);
  });

  it('returns the clip bounds and leaves values inside them untouched', () => {
    const a = Float64Array.from([1, 2, 3, 4, 100]);
    const bounds = madClip(a, 5, 3, new Float64Array(5));
    expect(bounds![0]).toBeCloseTo(3 - 4.4478, 10);
    expect(bounds![1]).toBeCloseTo(3 + 4.4478, 10);
    expect(Array.from(a)).toEqual([1, 2, 3, 4, 7.4478]);
  });

  it('skips clipping when MAD = 0 (a factor constant for most stocks is kept)', () => {
    // [5,5,5,5,100]: median 5, deviations [0,0,0,0,95] -> MAD 0 -> no clip; mean 24, deviations [-19 x4, 76]
    // sd = sqrt((4 * 361 + 5776) / 5) = sqrt(1444) = 38 -> z = [-0.5 x4, 2]
    const { x } = column([5, 5, 5, 5, 100], { madK: 3, normalize: 'zscore' });
    expect(x).toEqual([-0.5, -0.5, -0.5, -0.5, 2]);
  });

  it('maps a constant column to 0 and a single stock to 0', () => {
    expect(column([7, 7, 7], { normalize: 'zscore' }).x).toEqual([0, 0, 0]);
    expect(column([7], { normalize: 'zscore' }).x).toEqual([0]);
    expect(column([7], { normalize: 'rank' }).x).toEqual([0]);
  });

  it('median (quickselect) and median/MAD of sorted data agree with a full sort on random data with ties', () => {
    const rng = makeRng(7);
    for (let trial = 0; trial < 200; trial++) {
      const m = 1 + rng.int(60);
      const vals = Float64Array.from({ length: m }, () => Math.round(rng.normal() * 4) / 2 + 0); // many ties (+0 turns -0 into 0)
      const sorted = Float64Array.from(vals).sort();
      const h = m >> 1;
      const med = m & 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
      const dev = Float64Array.from(sorted, (v) => Math.abs(v - med)).sort();
      const mad = m & 1 ? dev[h] : (dev[h - 1] + dev[h]) / 2;
      expect(medianInPlace(Float64Array.from(vals), m)).toBe(med);
      expect(medianMadSorted(sorted, m)).toEqual([med, mad]);
    }
  });
});

describe("guided selection (the previous date's median / MAD as a bracket)", () => {
  it('selectInBracket returns the exact order statistic when the bracket holds it, else NaN', () => {
    // [9, 1, 7, 3, 5, 8, 2]: sorted 1 2 3 5 7 8 9, median (k = 3) = 5
    const a = Float64Array.from([9, 1, 7, 3, 5, 8, 2]),
      out = new Float64Array(7);
    expect(selectInBracket(a, 7, 3, false, 4, 6, out)).toBe(5); // bracket [4, 6] holds only 5; 3 values below it
    expect(selectInBracket(a, 7, 3, false, 2.5, 8, out)).toBe(5);
    expect(selectInBracket(a, 7, 3, false, 6, 10, out)).toBeNaN(); // 4 values below 6: the median is not inside
    // even m = 6 without the 9: sorted 1 2 3 5 7 8, median = (3 + 5) / 2 = 4 needs ranks 2 and 3 inside the bracket
    expect(selectInBracket(a.subarray(1), 6, 3, true, 2.5, 6, out)).toBe(4);
    expect(selectInBracket(a.subarray(1), 6, 3, true, 4, 6, out)).toBeNaN(); // rank 2 (= 3) lies below
    expect(Array.from(a)).toEqual([9, 1, 7, 3, 5, 8, 2]); // not modified
  });

  it('madClipGuided clips exactly as madClip, whatever the hint (good, poor, none), and keeps the hint current', () => {
    const rng = makeRng(11);
    const hint = new Float64Array(2).fill(NaN);
    let misses = 0;
    for (let trial = 0; trial < 300; trial++) {
      const m = 30 + rng.int(400);
      // now and then a jump (the hint misses, and so does the retry on that side), or a move of about a MAD or two (the
      // first bracket misses, the retry on the side it lies holds it)
      const shift = trial % 7 === 0 ? 5 * rng.normal() : trial % 5 === 0 ? 1.5 * rng.normal() : 0.05 * rng.normal();
      const vals = Float64Array.from(
        { length: m },
        () => shift + (trial % 3 === 0 ? Math.round(rng.normal() * 6) / 3 : rng.normal() / (0.05 + rng.uniform())),
      );
      const want = Float64Array.from(vals);
      const bounds = madClip(want, m, 5, new Float64Array(m));
      const got = Float64Array.from(vals);
      const before = Array.from(hint);
      const sum = madClipGuided(got, m, 5, new Float64Array(m), hint, 0);
      expect(got).toEqual(want);
      if (bounds)
        expect(sum).toBe(want.reduce((s, v) => s + v, 0)); // the sum zscore needs, in index order
      else expect(sum).toBeNaN();
      // the hint now holds this cross-section's median and MAD
      const sorted = Float64Array.from(vals).sort();
      const med = medianMadSorted(sorted, m);
      expect(Array.from(hint)).toEqual(med);
      if (before[0] === before[0] && Math.abs(med[0] - before[0]) > 0.5 * before[1]) misses++;
    }
    expect(misses).toBeGreaterThan(10); // the fallback path was exercised too
  });
});

describe('rank normalisation', () => {
  it('gives ties the average rank, mapped to [-1, 1]', () => {
    // [10,20,20,30]: 0-based ranks 0, (1+2)/2 = 1.5, 1.5, 3 -> u = 2 r / 3 - 1 = [-1, 0, 0, 1]
    expect(column([10, 20, 20, 30], { normalize: 'rank' }).x).toEqual([-1, 0, 0, 1]);
    // [3,1,2]: ranks [2,0,1] -> u = r - 1 = [1,-1,0]
    expect(column([3, 1, 2], { normalize: 'rank' }).x).toEqual([1, -1, 0]);
  });

  it('MAD-clipped values tie at the bounds (one shared sort)', () => {
    // [1,2,3,4,100], k = 0.5: median 3, MAD 1 -> bounds 3 +- 0.7413 = [2.2587, 3.7413]
    // clipped [2.2587, 2.2587, 3, 3.7413, 3.7413] -> ranks [0.5, 0.5, 2, 3.5, 3.5] -> u = r/2 - 1
    //   = [-0.75, -0.75, 0, 0.75, 0.75]
    expect(column([4, 100, 1, 3, 2], { normalize: 'rank', madK: 0.5 }).x).toEqual([0.75, 0.75, -0.75, 0, -0.75]);
    // the clipped values equal the quickselect path's
    const a = Float64Array.from([1, 2, 3, 4, 100]);
    madClip(a, 5, 0.5, new Float64Array(5));
    expect(a[0]).toBeCloseTo(2.2587, 10);
    expect(a[4]).toBeCloseTo(3.7413, 10);
  });

  it('argsort sorts and its ranks match a brute-force average rank', () => {
    const rng = makeRng(3);
    for (let trial = 0; trial < 50; trial++) {
      const m = 1 + rng.int(300);
      const vals = Float64Array.from({ length: m }, () => rng.int(40) - 20);
      const b = Float64Array.from(vals),
        perm = Int32Array.from({ length: m }, (_, i) => i);
      argsortInPlace(b, perm, 0, m - 1);
      for (let r = 0; r < m; r++) expect(b[r]).toBe(vals[perm[r]]);
      for (let r = 1; r < m; r++) expect(b[r - 1]).toBeLessThanOrEqual(b[r]);
      const a = Float64Array.from(vals);
      rankNormalizeInPlace(a, m, new Float64Array(m), new Int32Array(m));
      for (let i = 0; i < Math.min(m, 20); i++) {
        let less = 0,
          eq = 0;
        for (let j = 0; j < m; j++) {
          if (vals[j] < vals[i]) less++;
          else if (vals[j] === vals[i]) eq++;
        }
        const r = less + (eq - 1) / 2;
        expect(a[i]).toBeCloseTo(m > 1 ? (2 * r) / (m - 1) - 1 : 0, 12);
      }
    }
  });
});

describe('missing values', () => {
  // 4 stocks x 2 factors; stock 2 misses factor 0
  const raw = [1, 10, 2, 20, NaN, 30, 3, 40];
  it("'fill': z-score over the 3 known values, the missing entry gets 0 (the mean)", () => {
    const x = Float32Array.from(raw),
      valid = new Uint8Array(4).fill(1);
    expect(preprocessCrossSection(x, valid, null, 4, 2, cfg({ normalize: 'zscore' }))).toBe(4);
    // factor 0 over [1,2,3]: mean 2, sd = sqrt(2/3) = 0.816497 -> [-1.224745, 0, 1.224745]; stock 2 -> 0
    // factor 1 over [10,20,30,40]: mean 25, sd = sqrt(500/4) = 11.18034 -> [-1.341641, -0.447214, 0.447214, 1.341641]
    const e = [-1.224745, -1.341641, 0, -0.447214, 0, 0.447214, 1.224745, 1.341641];
    e.forEach((v, i) => expect(x[i]).toBeCloseTo(v, 5));
    expect(Array.from(valid)).toEqual([1, 1, 1, 1]);
  });
  it("'mask': the stock leaves the cross-section, its row is 0, the others use 3 stocks", () => {
    const x = Float32Array.from(raw),
      valid = new Uint8Array(4).fill(1);
    expect(preprocessCrossSection(x, valid, null, 4, 2, cfg({ normalize: 'zscore', missing: 'mask' }))).toBe(3);
    expect(Array.from(valid)).toEqual([1, 1, 0, 1]);
    // factor 1 over [10,20,40]: mean 70/3 = 23.3333, deviations [-13.3333, -3.3333, 16.6667],
    // sd = sqrt((177.778 + 11.111 + 277.778) / 3) = sqrt(155.556) = 12.47219 -> [-1.069045, -0.267261, 1.336306]
    const e = [-1.224745, -1.069045, 0, -0.267261, 0, 0, 1.224745, 1.336306];
    e.forEach((v, i) => expect(x[i]).toBeCloseTo(v, 5));
  });
  it("'fill' with normalize 'none' uses the column mean; +-Infinity counts as missing", () => {
    // [2, Inf, 4, 6] -> known mean (2 + 4 + 6) / 3 = 4
    expect(column([2, Infinity, 4, 6], {}).x).toEqual([2, 4, 4, 6]);
  });
  it('invalid stocks hold 0 and are left out of the statistics', () => {
    const x = Float32Array.from([1, 99, 3]),
      valid = Uint8Array.from([1, 0, 1]);
    expect(preprocessCrossSection(x, valid, null, 3, 1, cfg({ normalize: 'zscore' }))).toBe(2);
    // [1, 3]: mean 2, sd 1 -> [-1, 3 -> 1]
    expect(Array.from(x)).toEqual([-1, 0, 1]);
  });
});

describe('industry neutralisation', () => {
  const values = [1, 2, 3, 10, 14, 5];
  const industry = [0, 0, 0, 1, 1, -1];
  it('subtracts the industry mean (unknown industry is its own group)', () => {
    // industry 0 mean 2 -> [-1, 0, 1]; industry 1 mean 12 -> [-2, 2]; the unknown stock alone -> 0
    expect(column(values, { industryNeutral: true }, industry).x).toEqual([-1, 0, 1, -2, 2, 0]);
  });
  it('re-standardises after demeaning', () => {
    // z-scoring is affine, so the result is [-1,0,1,-2,2,0] / sd with sd = sqrt(10 / 6) = 1.290994
    const { x } = column(values, { normalize: 'zscore', industryNeutral: true }, industry);
    [-0.774597, 0, 0.774597, -1.549193, 1.549193, 0].forEach((v, i) => expect(x[i]).toBeCloseTo(v, 5));
  });
  it('equals the residual of OLS on industry dummies', () => {
    const rng = makeRng(11);
    const n = 40,
      K = 4;
    const ind = Array.from({ length: n }, () => rng.int(K));
    const y = Array.from({ length: n }, () => Math.fround(rng.normal() * 3 + 1));
    // OLS: minimise |y - D b|^2 with D the n x K dummy matrix: normal equations D'D b = D'y
    const A = Array.from({ length: K }, () => new Array(K).fill(0)),
      rhs = new Array(K).fill(0);
    for (let i = 0; i < n; i++) {
      A[ind[i]][ind[i]] += 1;
      rhs[ind[i]] += y[i];
    }
    const b = rhs.map((r, k) => r / A[k][k]); // D'D is diagonal
    const resid = y.map((v, i) => v - b[ind[i]]);
    const { x } = column(y, { industryNeutral: true }, ind);
    resid.forEach((r, i) => expect(x[i]).toBeCloseTo(r, 5));
  });
});

describe('scratch reuse', () => {
  it('gives the same result with a shared scratch across cross-sections of different sizes', () => {
    const rng = makeRng(5);
    const sc = makeScratch(50, 3);
    for (let rep = 0; rep < 5; rep++) {
      const n = 10 + rng.int(40),
        f = 3;
      const raw = Float32Array.from({ length: n * f }, () => rng.normal());
      const ind = Int32Array.from({ length: n }, () => rng.int(3));
      const c = cfg({ madK: 2, normalize: 'rank', industryNeutral: true });
      const x1 = raw.slice(),
        x2 = raw.slice(),
        v1 = new Uint8Array(n).fill(1),
        v2 = new Uint8Array(n).fill(1);
      preprocessCrossSection(x1, v1, ind, n, f, c, sc);
      preprocessCrossSection(x2, v2, ind, n, f, c);
      expect(Array.from(x1)).toEqual(Array.from(x2));
    }
  });
});

/**
 * The module comment's steps written the plain way (a column gathered stock by stock, medians by a full sort, no
 * hints, no transposition): preprocessCrossSection must give the same float32 values to the bit. The arithmetic
 * is the module's (sum in stock order, mean = sum / m, sd = sqrt(sum of squares / m), (v - mean) / sd as
 * (v - mean) * (1 / sd)), so any difference is a value read from or written to the wrong cell.
 */
function referenceCrossSection(x: Float32Array, valid: Uint8Array, industry: Int32Array, n: number, f: number, c: CrossSectionConfig) {
  if (c.missing === 'mask')
    for (let i = 0; i < n; i++) if (valid[i] && Array.from(x.subarray(i * f, i * f + f)).some((v) => !Number.isFinite(v))) valid[i] = 0;
  const rows = [...Array(n).keys()].filter((i) => valid[i]);
  for (let i = 0; i < n; i++) if (!valid[i]) x.fill(0, i * f, i * f + f);
  const median = (v: number[]) => {
    const s = [...v].sort((p, q) => p - q),
      h = s.length >> 1;
    return s.length & 1 ? s[h] : (s[h - 1] + s[h]) / 2;
  };
  const zscore = (v: number[], given?: number) => {
    const m = v.length;
    const sum = given ?? v.reduce((p, q) => p + q, 0);
    const mean = sum / m;
    const sd = Math.sqrt(v.reduce((p, q) => p + (q - mean) * (q - mean), 0) / m);
    if (!(sd > 1e-12 * Math.max(1, Math.abs(mean)))) return v.map(() => 0);
    const inv = 1 / sd;
    return v.map((q) => (q - mean) * inv);
  };
  for (let j = 0; j < f; j++) {
    const at = rows.filter((i) => Number.isFinite(x[i * f + j]));
    let v = at.map((i) => x[i * f + j]);
    if (c.normalize === 'rank') {
      const a = Float64Array.from(v);
      rankNormalizeInPlace(a, a.length, new Float64Array(a.length), new Int32Array(a.length), c.madK);
      v = Array.from(a);
    } else {
      let sum: number | undefined;
      if (c.madK > 0 && v.length >= 3) {
        const med = median(v),
          mad = median(v.map((q) => Math.abs(q - med)));
        if (mad > 0) {
          const lo = med - c.madK * 1.4826 * mad,
            hi = med + c.madK * 1.4826 * mad;
          v = v.map((q) => Math.min(hi, Math.max(lo, q)));
          sum = v.reduce((p, q) => p + q, 0);
        }
      }
      if (c.normalize === 'zscore') v = v.length ? zscore(v, sum) : v;
    }
    if (c.industryNeutral) {
      const g = at.map((i) => (industry[i] < 0 || industry[i] >= 3 ? 3 : industry[i])); // the scratch has slots 0-2 + unknown
      const s = new Map<number, [number, number]>();
      g.forEach((k, r) => s.set(k, [(s.get(k)?.[0] ?? 0) + v[r], (s.get(k)?.[1] ?? 0) + 1]));
      v = v.map((q, r) => q - s.get(g[r])![0] / s.get(g[r])![1]);
      if (c.normalize !== 'none' && v.length) v = zscore(v);
    }
    const fill = c.normalize === 'none' && v.length ? v.reduce((p, q) => p + q, 0) / v.length : 0;
    for (const i of rows) x[i * f + j] = fill;
    at.forEach((i, r) => (x[i * f + j] = v[r]));
  }
}

describe('preprocessCrossSection against the plain reference', () => {
  it('gives the same float32 values to the bit (NaN / Inf holes, invalid stocks, every setting, dates sharing a scratch)', () => {
    const rng = makeRng(11);
    const n = 70,
      f = 6;
    for (const normalize of ['zscore', 'rank', 'none'] as const)
      for (const missing of ['fill', 'mask'] as const)
        for (const industryNeutral of [false, true])
          for (const madK of [0, 3]) {
            const c = cfg({ normalize, missing, industryNeutral, madK });
            const sc = makeScratch(n, 3);
            for (let date = 0; date < 4; date++) {
              // 40..70 stocks (the scratch holds 70), a drifting level so the hints are sometimes wrong
              const m = 40 + rng.int(31);
              const x = Float32Array.from({ length: m * f }, (_, k) => {
                const u = rng.uniform();
                if (u < 0.03) return NaN;
                if (u < 0.035) return u < 0.0325 ? Infinity : -Infinity;
                return (k % f === 2 ? Math.round(rng.normal()) : rng.normal() ** 3) + date * (k % f);
              });
              const valid = Uint8Array.from({ length: m }, () => +(rng.uniform() > 0.15));
              const ind = Int32Array.from({ length: m }, () => rng.int(5) - 1); // -1 (unknown) .. 3: 3 is beyond the scratch's 3 slots
              const x2 = x.slice(),
                v2 = valid.slice();
              preprocessCrossSection(x, valid, ind, m, f, c, sc);
              referenceCrossSection(x2, v2, ind, m, f, c);
              expect(Array.from(valid)).toEqual(Array.from(v2));
              // Object.is per value: NaN, -0 and every bit of the float32 values
              const bad = Array.from(x).findIndex((v, k) => !Object.is(v, x2[k]));
              expect(bad, `${JSON.stringify(c)} date ${date}: cell ${bad} ${x[bad]} vs ${x2[bad]}`).toBe(-1);
            }
          }
  });
});
