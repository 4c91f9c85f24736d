/**
 * Exact Euclidean projection onto the capped simplex {w : 0 <= w_i <= theta, sum_i w_i = 1} over a support set
 * (E2EAI section 4.3: the per-stock upper bound u of Definition 1, theta = 0.10 in the paper). Plain float64 JS, no tfjs.
 *
 * The projection of v is w_i = clip(v_i - tau, 0, theta) with tau chosen so that sum w = 1 (KKT conditions of
 * min ||w - v||^2). sum_i clip(v_i - tau, 0, theta) is continuous and non-increasing in tau, so tau is found by bisection
 * and then solved exactly on the final active sets: with C = {i : w_i = theta} and P = {i : 0 < w_i < theta},
 * tau = (sum_P v_i + theta |C| - 1) / |P|.
 * Infeasible cap (theta x |support| < 1: no vector of the support can sum to 1 under the cap): equal weights 1 / |support|
 * and a message.
 */

export interface ProjectionResult {
  /** [n] projected weights (0 outside the support) */
  w: Float64Array;
  /** set when the cap cannot be met on the support (the weights are then equal, 1 / |support|) */
  message?: string;
}

/** Project v (length n) onto {0 <= w <= cap, sum w = 1} over the indices where support[i] is truthy. */
export function projectCappedSimplex(v: ArrayLike<number>, cap: number, support?: ArrayLike<number | boolean>): ProjectionResult {
  const n = v.length;
  const w = new Float64Array(n);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (!support || support[i]) idx.push(i);
  const m = idx.length;
  if (m === 0) return { w, message: 'empty support: no stock to weight' };
  if (cap * m < 1 - 1e-12) {
    for (const i of idx) w[i] = 1 / m;
    return {
      w,
      message: `cap ${cap} is infeasible for ${m} stocks (${m} x ${cap} < 1): equal weights 1/${m} = ${(1 / m).toFixed(4)} instead`,
    };
  }
  const c = Math.min(cap, 1); // a cap above 1 never binds beyond 1
  const sumAt = (tau: number) => {
    let s = 0;
    for (const i of idx) s += Math.min(c, Math.max(0, v[i] - tau));
    return s;
  };
  let lo = Infinity,
    hi = -Infinity;
  for (const i of idx) {
    lo = Math.min(lo, v[i] - c); // at tau = min(v) - cap every weight is cap: sum = cap m >= 1
    hi = Math.max(hi, v[i]); // at tau = max(v) every weight is 0
  }
  for (let it = 0; it < 200 && hi - lo > 1e-15 * Math.max(1, Math.abs(hi)); it++) {
    const mid = 0.5 * (lo + hi);
    if (sumAt(mid) >= 1) lo = mid;
    else hi = mid;
  }
  // exact solve on the active sets at tau = lo (sum >= 1 there)
  let tau = lo;
  let sumP = 0,
    nP = 0,
    nC = 0;
  for (const i of idx) {
    const d = v[i] - tau;
    if (d >= c) nC++;
    else if (d > 0) {
      sumP += v[i];
      nP++;
    }
  }
  if (nP > 0) tau = (sumP + c * nC - 1) / nP;
  let s = 0;
  for (const i of idx) {
    w[i] = Math.min(c, Math.max(0, v[i] - tau));
    s += w[i];
  }
  // nP = 0: every weight is 0 or the cap; c nC = 1 up to the bisection's tolerance. Renormalise the rounding away.
  if (s > 0 && Math.abs(s - 1) > 0) for (const i of idx) w[i] = Math.min(c, w[i] / s);
  return { w };
}
