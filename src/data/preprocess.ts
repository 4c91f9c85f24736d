/**
 * Cross-sectional (per-date) factor preprocessing over a [N, F] slice of the panel, in place.
 *
 * Order of operations for each date (the standard factor pipeline, e.g. qlib's CSZScoreNorm / RobustZScoreNorm):
 *   1. missing policy 'mask': a stock with any non-finite selected factor leaves the date's cross-section.
 *   2. per factor column, over the valid stocks with a finite value:
 *      a. MAD winsorising: clip to median +- k * 1.4826 * MAD (k = madK; 0 = off; skipped when MAD = 0,
 *         since clipping to the median would erase a factor that is constant for over half the stocks);
 *      b. normalise: 'zscore' (x - mean) / std with ddof = 0 (population std, as BatchNorm: the z-scores'
 *         mean square is exactly 1; a constant column becomes 0), 'rank' (average ranks for ties, mapped
 *         linearly to [-1, 1]: u = 2 r / (m - 1) - 1 with r the 0-based average rank; mean exactly 0), or 'none';
 *      c. industry neutralisation (optional): subtract the industry mean, which is exactly the residual of an
 *         OLS regression on a full set of industry dummies (no intercept); unknown industry (-1) is its own
 *         group; then re-standardise with a z-score (ddof = 0) unless normalize = 'none';
 *      d. missing policy 'fill': a valid stock with a missing value gets the cross-sectional mean of the
 *         processed column, which is 0 after 'zscore' or 'rank'.
 *   3. invalid stocks get 0 in every factor (the Panel contract).
 */
import type { PreprocessConfig } from '../core/run';

export type CrossSectionConfig = Pick<PreprocessConfig, 'madK' | 'normalize' | 'missing' | 'industryNeutral'>;

/** MAD -> standard deviation for normal data: 1 / Phi^-1(3/4) */
export const MAD_SCALE = 1.4826;

/** Reusable work buffers so a whole panel is preprocessed without per-date allocation. */
export interface CrossSectionScratch {
  /** [N] values of the current column (valid, finite rows only) */
  a: Float64Array;
  /** [N] copy for selection / sorting */
  b: Float64Array;
  /** [N] row of each entry of a */
  idx: Int32Array;
  /** [N] argsort permutation (rank normalisation) */
  perm: Int32Array;
  /** [K + 1] per-industry sums and counts (last slot = unknown industry) */
  indSum: Float64Array;
  indCnt: Float64Array;
  /**
   * [2 F] per factor column: the previous date's median and MAD (NaN = none yet), the starting bracket of the
   * next date's selections (a factor's cross-section moves little from one day to the next). Grown on first use.
   */
  hint?: Float64Array;
  /**
   * [F, nValid] the date's valid rows transposed (column j of the valid stocks at j * nValid: each column is
   * contiguous, so the per-column passes read and write neighbouring values), and [N] the valid stocks' rows and
   * industries by position. Grown on first use.
   */
  cols?: Float64Array;
  rowOf?: Int32Array;
  indOf?: Int32Array;
}

/** Work buffers for cross-sections of up to n stocks and nIndustries industries. */
export function makeScratch(n: number, nIndustries: number): CrossSectionScratch {
  return {
    a: new Float64Array(n),
    b: new Float64Array(n),
    idx: new Int32Array(n),
    perm: new Int32Array(n),
    indSum: new Float64Array(nIndustries + 1),
    indCnt: new Float64Array(nIndustries + 1),
  };
}

/** k-th smallest (0-based) of buf[0..m), partially reordering buf (Hoare quickselect, median-of-three pivot). */
export function quickselect(buf: Float64Array, m: number, k: number): number {
  let lo = 0;
  let hi = m - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as pivot value
    let p0 = buf[lo],
      p1 = buf[mid];
    const p2 = buf[hi];
    if (p0 > p1) {
      const s = p0;
      p0 = p1;
      p1 = s;
    }
    if (p1 > p2) {
      p1 = p2;
      if (p0 > p1) p1 = p0;
    }
    const pivot = p1;
    let i = lo,
      j = hi;
    while (i <= j) {
      while (buf[i] < pivot) i++;
      while (buf[j] > pivot) j--;
      if (i <= j) {
        const s = buf[i];
        buf[i] = buf[j];
        buf[j] = s;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return buf[k];
  }
  return buf[k];
}

/** Median of buf[0..m) (mean of the two middle values when m is even); reorders buf. NaN when m = 0. */
export function medianInPlace(buf: Float64Array, m: number): number {
  if (m === 0) return NaN;
  const h = m >> 1;
  const upper = quickselect(buf, m, h);
  if (m & 1) return upper;
  // after selecting h, everything in [0, h) is <= upper: the lower middle is their max
  let lower = -Infinity;
  for (let i = 0; i < h; i++) if (buf[i] > lower) lower = buf[i];
  return (lower + upper) / 2;
}

/**
 * k-th smallest of a[0..m) (with `both`, also the (k-1)-th: returns their mean) if it lies in [lo, hi], else NaN.
 * One branch-free pass counts the values below lo and copies those inside [lo, hi] to `out`; quickselect then
 * runs on that bracket only (~3x cheaper than a quickselect over all m when the bracket is narrow). Exact: the
 * result is the same order statistic. a is not modified.
 */
export function selectInBracket(a: Float64Array, m: number, k: number, both: boolean, lo: number, hi: number, out: Float64Array): number {
  let nl = 0,
    nm = 0;
  for (let i = 0; i < m; i++) {
    const v = a[i];
    out[nm] = v;
    // arithmetic on the comparisons, no branches: the comparisons are unpredictable
    nl += +(v < lo);
    nm += +(v >= lo) & +(v <= hi);
  }
  missedBelow = nl > (both ? k - 1 : k);
  return selectFromBracket(out, nm, nl, k, both);
}

/**
 * after a selectInBracket / selectDevInBracket that returned NaN: true when the statistic lies below the bracket
 * (more than k values were below lo), false when above it; madClipGuided retries on that side only
 */
let missedBelow = false;

/**
 * The order statistic k (with `both`, the mean of k-1 and k) of m values of which nl lie below the bracket and the
 * nm in out[0 .. nm) inside it; NaN when it is not inside the bracket.
 */
function selectFromBracket(out: Float64Array, nm: number, nl: number, k: number, both: boolean): number {
  const k0 = both ? k - 1 : k;
  if (!(nl <= k0 && k < nl + nm)) return NaN;
  const up = quickselect(out, nm, k - nl);
  if (!both) return up;
  // after selecting k - nl, out[0 .. k - nl) holds the smaller ones: the (k-1)-th overall is their max
  let lower = -Infinity;
  for (let i = 0; i < k - nl; i++) if (out[i] > lower) lower = out[i];
  return (lower + up) / 2;
}

/** As selectInBracket over the absolute deviations |a[i] - center| (computed on the fly, not stored). */
function selectDevInBracket(
  a: Float64Array,
  m: number,
  center: number,
  k: number,
  both: boolean,
  lo: number,
  hi: number,
  out: Float64Array,
): number {
  let nl = 0,
    nm = 0;
  for (let i = 0; i < m; i++) {
    const v = Math.abs(a[i] - center);
    out[nm] = v;
    nl += +(v < lo);
    nm += +(v >= lo) & +(v <= hi);
  }
  missedBelow = nl > (both ? k - 1 : k);
  return selectFromBracket(out, nm, nl, k, both);
}

/**
 * madClip with a starting guess of the median and the MAD (hint[h0], hint[h0 + 1]: the previous date's): the same
 * bounds and clipped values as madClip (exact order statistics), found ~3x faster when the guess is close (one
 * branch-free pass per statistic instead of a quickselect over all m). Stores this cross-section's median and
 * MAD in the hint. Returns the sum of a[0..m) after clipping (summed in index order, as zscoreInPlace does), or
 * NaN when nothing was clipped (off, m < 3, MAD = 0). `work` is scratch of length >= m.
 */
export function madClipGuided(a: Float64Array, m: number, k: number, work: Float64Array, hint: Float64Array, h0: number): number {
  if (!(k > 0) || m < 3) return NaN;
  const gMed = hint[h0],
    gMad = hint[h0 + 1];
  const h = m >> 1,
    even = (m & 1) === 0;
  const guided = gMad > 0 && gMad - gMad === 0 && gMed - gMed === 0 && m >= 32;
  // median: the bracket guess +- MAD / 2; on a miss the next 2.5 MAD on the side where it lies (a day's move: the
  // cross-section of returns shifts with the market), else a full quickselect
  let med = guided ? selectInBracket(a, m, h, even, gMed - 0.5 * gMad, gMed + 0.5 * gMad, work) : NaN;
  if (guided && med !== med)
    med = missedBelow
      ? selectInBracket(a, m, h, even, gMed - 3 * gMad, gMed - 0.5 * gMad, work)
      : selectInBracket(a, m, h, even, gMed + 0.5 * gMad, gMed + 3 * gMad, work);
  if (med !== med) {
    for (let i = 0; i < m; i++) work[i] = a[i];
    med = medianInPlace(work, m);
  }
  // MAD: the bracket guess +- MAD / 4 over the deviations; on a miss [0, 0.75] or [1.25, 3] MAD, else a full quickselect
  let mad = guided ? selectDevInBracket(a, m, med, h, even, 0.75 * gMad, 1.25 * gMad, work) : NaN;
  if (guided && mad !== mad)
    mad = missedBelow
      ? selectDevInBracket(a, m, med, h, even, 0, 0.75 * gMad, work)
      : selectDevInBracket(a, m, med, h, even, 1.25 * gMad, 3 * gMad, work);
  if (mad !== mad) {
    for (let i = 0; i < m; i++) work[i] = Math.abs(a[i] - med);
    mad = medianInPlace(work, m);
  }
  hint[h0] = med;
  hint[h0 + 1] = mad;
  if (!(mad > 0)) return NaN;
  const lo = med - k * MAD_SCALE * mad;
  const hi = med + k * MAD_SCALE * mad;
  let sum = 0;
  for (let i = 0; i < m; i++) {
    let v = a[i];
    if (v < lo) a[i] = v = lo;
    else if (v > hi) a[i] = v = hi;
    sum += v;
  }
  return sum;
}

/** Clip a[0..m) to median +- k * 1.4826 * MAD in place; returns [lo, hi] bounds (or null when off / MAD = 0). */
export function madClip(a: Float64Array, m: number, k: number, work: Float64Array): [number, number] | null {
  if (!(k > 0) || m < 3) return null;
  for (let i = 0; i < m; i++) work[i] = a[i];
  const med = medianInPlace(work, m);
  for (let i = 0; i < m; i++) work[i] = Math.abs(a[i] - med);
  const mad = medianInPlace(work, m);
  if (!(mad > 0)) return null;
  const lo = med - k * MAD_SCALE * mad;
  const hi = med + k * MAD_SCALE * mad;
  for (let i = 0; i < m; i++) {
    const v = a[i];
    if (v < lo) a[i] = lo;
    else if (v > hi) a[i] = hi;
  }
  return [lo, hi];
}

/**
 * z-score a[0..m) in place with ddof = 0; a constant (or single) column becomes all 0. `sum`: the sum of a[0..m)
 * in index order when the caller already has it (madClipGuided), else NaN.
 */
export function zscoreInPlace(a: Float64Array, m: number, sum = NaN): void {
  const [mean, inv] = zscoreParams(a, m, sum);
  if (inv === 0) {
    a.fill(0, 0, m);
    return;
  }
  for (let i = 0; i < m; i++) a[i] = (a[i] - mean) * inv;
}

/** Mean and 1 / sd (ddof = 0) of a[0..m) for zscoreInPlace; inv = 0 for a constant (or single, or empty) column. */
export function zscoreParams(a: Float64Array, m: number, sum = NaN): [number, number] {
  if (m === 0) return [0, 0];
  let s = sum;
  if (s !== s) {
    s = 0;
    for (let i = 0; i < m; i++) s += a[i];
  }
  const mean = s / m;
  let ss = 0;
  for (let i = 0; i < m; i++) {
    const d = a[i] - mean;
    ss += d * d;
  }
  const sd = Math.sqrt(ss / m);
  // a spread below 1e-12 of the level is rounding noise of a constant column
  if (!(sd > 1e-12 * Math.max(1, Math.abs(mean)))) return [mean, 0];
  return [mean, 1 / sd];
}

/** Sort b[lo..hi] ascending in place, permuting perm alongside (quicksort, median-of-three, insertion sort below 16). */
export function argsortInPlace(b: Float64Array, perm: Int32Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    const mid = (lo + hi) >>> 1;
    let p0 = b[lo],
      p1 = b[mid];
    const p2 = b[hi];
    if (p0 > p1) {
      const s = p0;
      p0 = p1;
      p1 = s;
    }
    if (p1 > p2) {
      p1 = p2;
      if (p0 > p1) p1 = p0;
    }
    const pivot = p1;
    let i = lo,
      j = hi;
    while (i <= j) {
      while (b[i] < pivot) i++;
      while (b[j] > pivot) j--;
      if (i <= j) {
        const s = b[i];
        b[i] = b[j];
        b[j] = s;
        const q = perm[i];
        perm[i] = perm[j];
        perm[j] = q;
        i++;
        j--;
      }
    }
    // recurse into the smaller side, loop on the larger (stack depth O(log n))
    if (j - lo < hi - i) {
      argsortInPlace(b, perm, lo, j);
      lo = i;
    } else {
      argsortInPlace(b, perm, i, hi);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const v = b[i],
      q = perm[i];
    let j = i - 1;
    while (j >= lo && b[j] > v) {
      b[j + 1] = b[j];
      perm[j + 1] = perm[j];
      j--;
    }
    b[j + 1] = v;
    perm[j + 1] = q;
  }
}

/** Median and MAD of sorted b[0..m): the MAD's k-th deviation comes from merging the two sorted deviation runs around the median. */
export function medianMadSorted(b: Float64Array, m: number): [number, number] {
  if (m === 0) return [NaN, NaN];
  const h = m >> 1;
  const med = m & 1 ? b[h] : (b[h - 1] + b[h]) / 2;
  let j = 0;
  while (j < m && b[j] < med) j++; // deviations med - b[i] for i < j grow as i falls; b[j] - med grow as j rises
  let i = j - 1,
    prev = 0,
    cur = 0;
  for (let k = 0; k <= h; k++) {
    const dl = i >= 0 ? med - b[i] : Infinity;
    const dr = j < m ? b[j] - med : Infinity;
    prev = cur;
    if (dl <= dr) {
      cur = dl;
      i--;
    } else {
      cur = dr;
      j++;
    }
  }
  return [med, m & 1 ? cur : (prev + cur) / 2];
}

/**
 * Rank-normalise a[0..m) in place: average 0-based rank r (ties share the mean rank) -> 2 r / (m - 1) - 1 in [-1, 1].
 * With madK > 0 the values are first MAD-clipped (clipped values tie at the bounds), sharing one sort.
 */
export function rankNormalizeInPlace(a: Float64Array, m: number, work: Float64Array, perm: Int32Array, madK = 0): void {
  if (m === 0) return;
  const b = work;
  for (let i = 0; i < m; i++) {
    b[i] = a[i];
    perm[i] = i;
  }
  argsortInPlace(b, perm, 0, m - 1);
  if (madK > 0 && m >= 3) {
    const [med, mad] = medianMadSorted(b, m);
    if (mad > 0) {
      const lo = med - madK * MAD_SCALE * mad,
        hi = med + madK * MAD_SCALE * mad;
      for (let r = 0; r < m && b[r] < lo; r++) b[r] = lo;
      for (let r = m - 1; r >= 0 && b[r] > hi; r--) b[r] = hi;
    }
  }
  if (m === 1) {
    a[perm[0]] = 0;
    return;
  }
  const scale = 2 / (m - 1);
  for (let r = 0; r < m;) {
    let e = r;
    while (e + 1 < m && b[e + 1] === b[r]) e++;
    const u = ((r + e) / 2) * scale - 1; // mean of the tied ranks r..e
    for (let q = r; q <= e; q++) a[perm[q]] = u;
    r = e + 1;
  }
}

/**
 * Subtract the industry mean from a[0..m) (rows idx[0..m), industry per row; -1 = unknown, its own group):
 * the residual of OLS on industry dummies.
 */
export function industryDemeanInPlace(
  a: Float64Array,
  m: number,
  idx: Int32Array,
  industry: Int32Array,
  indSum: Float64Array,
  indCnt: Float64Array,
): void {
  const unknown = indSum.length - 1;
  indSum.fill(0);
  indCnt.fill(0);
  for (let i = 0; i < m; i++) {
    let g = industry[idx[i]];
    if (g < 0 || g >= unknown) g = unknown;
    indSum[g] += a[i];
    indCnt[g] += 1;
  }
  for (let g = 0; g <= unknown; g++) if (indCnt[g] > 0) indSum[g] /= indCnt[g];
  for (let i = 0; i < m; i++) {
    let g = industry[idx[i]];
    if (g < 0 || g >= unknown) g = unknown;
    a[i] -= indSum[g];
  }
}

/**
 * Preprocess one date's cross-section in place (see the module comment for the steps).
 * x: [n, f] row-major; valid: [n] in/out (1 = in the cross-section); industry: [n] ids (-1 unknown), needed
 * only for industry neutralisation. Returns the number of valid stocks afterwards.
 */
export function preprocessCrossSection(
  x: Float32Array,
  valid: Uint8Array,
  industry: Int32Array | null,
  n: number,
  f: number,
  cfg: CrossSectionConfig,
  scratch: CrossSectionScratch = makeScratch(n, maxIndustry(industry, n) + 1),
): number {
  const { a, b, idx } = scratch;
  if (a.length < n) throw new Error(`preprocessCrossSection: scratch holds ${a.length} stocks, slice has ${n}`);
  // 1. missing policy 'mask': drop stocks with any non-finite factor (v - v is NaN for NaN and +-Infinity)
  if (cfg.missing === 'mask') {
    for (let i = 0; i < n; i++) {
      if (!valid[i]) continue;
      const o = i * f;
      for (let j = 0; j < f; j++) {
        const v = x[o + j];
        if (!(v - v === 0)) {
          valid[i] = 0;
          break;
        }
      }
    }
  }
  if (!scratch.rowOf || scratch.rowOf.length < n) {
    scratch.rowOf = new Int32Array(n);
    scratch.indOf = new Int32Array(n);
  }
  const rowOf = scratch.rowOf,
    indOf = scratch.indOf!;
  let nValid = 0;
  for (let i = 0; i < n; i++) {
    if (valid[i]) rowOf[nValid++] = i;
    else x.fill(0, i * f, i * f + f); // 3. invalid stocks hold 0
  }
  if (nValid === 0) return 0;
  // industry ids beyond the scratch's slots share the 'unknown' group (industryDemeanInPlace)
  const neutral = cfg.industryNeutral && industry !== null;
  if (!scratch.hint || scratch.hint.length < 2 * f) scratch.hint = new Float64Array(2 * f).fill(NaN);
  const { hint } = scratch;
  if (!scratch.cols || scratch.cols.length < nValid * f) scratch.cols = new Float64Array(n * f);
  const cols = scratch.cols;
  // the valid rows, transposed: cols[j nValid + r] = x[rowOf[r] f + j] (each row read front to back); the columns
  // are processed in cols and written back the same way at the end. The same values in the same order as reading
  // x column by column: the result is the same to the bit
  for (let r = 0; r < nValid; r++) {
    const o = rowOf[r] * f;
    for (let j = 0, q = r; j < f; j++, q += nValid) cols[q] = x[o + j];
  }
  if (neutral) for (let r = 0; r < nValid; r++) indOf[r] = industry[rowOf[r]];
  for (let j = 0; j < f; j++) {
    const c0 = j * nValid;
    // 2. gather the finite entries of column j (idx: their positions among the valid stocks)
    let m = 0;
    for (let r = 0; r < nValid; r++) {
      const v = cols[c0 + r];
      if (v - v === 0) {
        a[m] = v;
        idx[m] = r;
        m++;
      }
    }
    if (cfg.normalize === 'rank')
      rankNormalizeInPlace(a, m, b, scratch.perm, cfg.madK); // 2a + 2b sharing one sort
    else {
      const sum = cfg.madK > 0 ? madClipGuided(a, m, cfg.madK, b, hint, 2 * j) : NaN; // 2a (+ the sum 2b needs)
      if (cfg.normalize === 'zscore') {
        if (!neutral) {
          // 2b + write-back in one pass (the common path): missing entries of valid stocks get the mean, 0
          const [mean, inv] = zscoreParams(a, m, sum);
          if (m < nValid) cols.fill(0, c0, c0 + nValid);
          if (inv === 0) for (let i = 0; i < m; i++) cols[c0 + idx[i]] = 0;
          else for (let i = 0; i < m; i++) cols[c0 + idx[i]] = (a[i] - mean) * inv;
          continue;
        }
        zscoreInPlace(a, m, sum); // 2b
      }
    }
    if (neutral) {
      // 2c (indOf: the industry of each position)
      industryDemeanInPlace(a, m, idx, indOf, scratch.indSum, scratch.indCnt);
      if (cfg.normalize !== 'none') zscoreInPlace(a, m);
    }
    // 2d. fill value for valid stocks with a missing entry: the processed column's mean
    let fill = 0;
    if (cfg.normalize === 'none' && m > 0) {
      let s = 0;
      for (let i = 0; i < m; i++) s += a[i];
      fill = s / m;
    }
    if (m < nValid) cols.fill(fill, c0, c0 + nValid);
    for (let i = 0; i < m; i++) cols[c0 + idx[i]] = a[i];
  }
  for (let r = 0; r < nValid; r++) {
    const o = rowOf[r] * f;
    for (let j = 0, q = r; j < f; j++, q += nValid) x[o + j] = cols[q];
  }
  return nValid;
}

function maxIndustry(industry: Int32Array | null, n: number): number {
  let k = -1;
  if (industry) for (let i = 0; i < n; i++) if (industry[i] > k) k = industry[i];
  return k;
}

/**
 * Preprocess dates [0, T) of a [T, N, F] block in place, date by date (preprocessCrossSection), with one scratch for
 * the block. industry: [T, N] ids (-1 unknown); nIndustries sizes the scratch. Returns [T] the valid stocks per date
 * after preprocessing. Dates are independent, so a panel's dates can be split into blocks and preprocessed by
 * several threads (cross-section-pool.ts): the result does not depend on the split (tested). `scratch`: one shared
 * by consecutive blocks keeps the hints of the previous block's last date (makeScratch(N, nIndustries) or larger).
 */
export function preprocessDates(
  x: Float32Array,
  valid: Uint8Array,
  industry: Int32Array,
  T: number,
  N: number,
  F: number,
  cfg: CrossSectionConfig,
  nIndustries: number,
  scratch: CrossSectionScratch = makeScratch(N, nIndustries),
): Int32Array {
  const nValid = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    nValid[t] = preprocessCrossSection(
      x.subarray(t * N * F, (t + 1) * N * F), // [N, F]
      valid.subarray(t * N, (t + 1) * N), // [N]
      industry.subarray(t * N, (t + 1) * N),
      N,
      F,
      cfg,
      scratch,
    );
  }
  return nValid;
}
