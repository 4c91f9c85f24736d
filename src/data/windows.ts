/**
 * Sequence windows for sequence models (FactorVAE, GRU / ALSTM / Transformer baselines): the one windowing function
 * of the lab. A model that declares a lookback L sees, per batch date t and stock n, the factors of the L trading days
 * t-L+1 .. t (oldest first). The gather is batch-sized: [B, N, L, F] for the batch's dates only, never the panel
 * copied L times. A stock enters date t only when it is valid on all L days (the history mask; FactorVAE: "we only
 * consider the stocks that exist in cross-section at all T time steps"). No tfjs.
 */

/**
 * [T, N] history mask: 1 where valid[s, n] = 1 for every s in t-L+1 .. t (a run of L valid days ends at t), else 0;
 * dates t < L-1 have no full window (0). L = 1 returns a copy of valid as 0/1.
 */
export function historyMask(valid: ArrayLike<number>, T: number, N: number, L: number): Uint8Array {
  const out = new Uint8Array(T * N);
  const run = new Int32Array(N); // consecutive valid days ending at t
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      run[n] = valid[t * N + n] ? run[n] + 1 : 0;
      out[t * N + n] = run[n] >= L ? 1 : 0;
    }
  }
  return out;
}

/**
 * x [T, N, F] (row-major) -> [B, N, L, F] for the dates `dates` (indices into T): out[b, n, l, :] = x[dates[b] - L + 1 + l,
 * n, :]; days before the first date are zeros. Writes into `out` when given (length B * N * L * F).
 */
export function gatherWindows(
  x: Float32Array,
  T: number,
  N: number,
  F: number,
  dates: ArrayLike<number>,
  L: number,
  out?: Float32Array,
): Float32Array {
  const B = dates.length;
  const o = out ?? new Float32Array(B * N * L * F);
  if (o.length !== B * N * L * F) throw new Error(`gatherWindows: out has ${o.length} entries; B x N x L x F = ${B * N * L * F} expected.`);
  if (out) o.fill(0);
  for (let b = 0; b < B; b++) {
    const t = dates[b];
    if (t < 0 || t >= T) throw new Error(`gatherWindows: date index ${t} is outside [0, ${T}).`);
    for (let l = 0; l < L; l++) {
      const s = t - L + 1 + l;
      if (s < 0) continue;
      for (let n = 0; n < N; n++) o.set(x.subarray((s * N + n) * F, (s * N + n + 1) * F), ((b * N + n) * L + l) * F);
    }
  }
  return o;
}
