/**
 * The validation metric of early stopping: mean over dates of the cross-sectional IC (Pearson) or rank IC
 * (Spearman, average ranks for ties) between score and forward return. Plain typed arrays, float64 sums.
 * (src/eval has the full metric set for reporting; this is the small piece the loop needs every epoch.)
 */

/** average ranks (1-based) of v[0..n) */
function ranks(v: Float64Array, n: number): Float64Array {
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && v[idx[j + 1]] === v[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

/** Pearson correlation of a[0..n), b[0..n); NaN if n < 2 or a variance is 0 */
export function pearsonN(a: Float64Array, b: Float64Array, n: number): number {
  if (n < 2) return NaN;
  let sa = 0, sb = 0;
  for (let i = 0; i < n; i++) { sa += a[i]; sb += b[i]; }
  const ma = sa / n, mb = sb / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) { const x = a[i] - ma, y = b[i] - mb; ab += x * y; aa += x * x; bb += y * y; }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
}

/**
 * Per-date IC of scores [D, N] against labels [D, N] over entries where both are finite (and mask, if given, is 1).
 * Returns [D] (NaN for dates with < 2 usable stocks or no variance).
 */
export function dailyIc(scores: Float32Array, labels: Float32Array, D: number, N: number, rank: boolean, mask?: Uint8Array): Float64Array {
  const out = new Float64Array(D);
  const a = new Float64Array(N), b = new Float64Array(N);
  for (let t = 0; t < D; t++) {
    let n = 0;
    for (let i = 0; i < N; i++) {
      const s = scores[t * N + i], y = labels[t * N + i];
      if (Number.isFinite(s) && Number.isFinite(y) && (!mask || mask[t * N + i])) { a[n] = s; b[n] = y; n++; }
    }
    out[t] = rank && n >= 2 ? pearsonN(ranks(a, n), ranks(b, n), n) : pearsonN(a, b, n);
  }
  return out;
}

/** mean of the finite entries (NaN if none) */
export function nanMean(v: ArrayLike<number>): number {
  let s = 0, n = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) { s += v[i]; n++; }
  return n ? s / n : NaN;
}
