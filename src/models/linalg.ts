/** Small dense linear algebra in float64 (JS numbers) for closed-form fits. Matrices are row-major. */

/**
 * Solve A x = b for symmetric positive definite A [n, n] by Cholesky (A = L L^T).
 * Returns null when A is not positive definite (a pivot <= tol * max diagonal).
 */
export function choleskySolve(A: Float64Array, b: Float64Array, n: number, tol = 1e-12): Float64Array | null {
  const L = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(A[i * n + i]));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > tol * Math.max(maxDiag, 1e-300))) return null;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  const y = new Float64Array(n); // L y = b
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n); // L^T x = y
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/**
 * Why a (demeaned) X'X `A` [n, n] is singular, in words a user can act on: factors with no variation on the fitted rows
 * (constant or empty: zero volume everywhere, an all-missing column filled with 0, an industry-neutral factor with one
 * stock per industry) and pairs that are the same up to scale (|corr| > 0.9999: a duplicated column). `names` label the
 * factors (f<i> without). Empty when neither is found (a combination of three or more factors, or too few rows).
 */
export function collinearityCulprits(A: Float64Array, n: number, names?: string[]): string {
  const name = (f: number) => `'${names?.[f] ?? `f${f}`}'`;
  let maxDiag = 0;
  for (let f = 0; f < n; f++) maxDiag = Math.max(maxDiag, A[f * n + f]);
  const flat: number[] = [];
  for (let f = 0; f < n; f++) if (!(A[f * n + f] > 1e-10 * Math.max(1, maxDiag))) flat.push(f);
  const dup: string[] = [];
  for (let f = 0; f < n && dup.length < 3; f++)
    for (let g = f + 1; g < n && dup.length < 3; g++) {
      if (flat.includes(f) || flat.includes(g)) continue;
      const r = A[f * n + g] / Math.sqrt(A[f * n + f] * A[g * n + g]);
      if (Math.abs(r) > 0.9999) dup.push(`${name(f)} and ${name(g)} (correlation ${r.toFixed(4)})`);
    }
  const parts: string[] = [];
  if (flat.length)
    parts.push(
      `${flat.slice(0, 5).map(name).join(', ')}${flat.length > 5 ? ` and ${flat.length - 5} more` : ''} ${flat.length > 1 ? 'have' : 'has'} no variation on these rows (constant or empty: e.g. zero volume everywhere, an all-missing column, or industry-neutralised with one stock per industry)`,
    );
  if (dup.length) parts.push(`${dup.join(', ')} are the same factor up to scale (a duplicated column)`);
  return parts.join('; ');
}
