/**
 * Model weights (model.getWeights()) -> the Dense layers LRP walks (src/explain/lrp.ts). Each LRP-explainable model
 * builds its own network in its spec's `lrpNetwork` from these helpers; parity of those networks with the tfjs forward
 * pass is tested in src/explain/explain.test.ts. Models with cross-stock layers (attention, graph attention) have no
 * such network: the Explain views use gradient x input for them (src/explain/grad-input.ts).
 */
import type { LrpLayer, NamedWeight } from './types';

/** One date's cross-section: x [N, F] (row-major) and the mask [N] of stocks in it. */
export interface CrossSection {
  x: ArrayLike<number>;
  mask: ArrayLike<number>;
  N: number;
  F: number;
}

/** weights by name */
export const weightMap = (weights: NamedWeight[]) => new Map(weights.map((w) => [w.name, w]));

function get(ws: Map<string, NamedWeight>, name: string, model: string): NamedWeight {
  const w = ws.get(name);
  if (!w) throw new Error(`LRP (${model}): weight "${name}" is missing (got ${[...ws.keys()].join(', ')}).`);
  return w;
}

/** the Dense layer stored as `${prefix}/kernel` [in, out] and `${prefix}/bias` [out] */
export function denseLayer(ws: Map<string, NamedWeight>, prefix: string, model: string, act: LrpLayer['act'], alpha?: number): LrpLayer {
  const k = get(ws, `${prefix}/kernel`, model),
    b = get(ws, `${prefix}/bias`, model);
  return { w: k.values, b: b.values, inDim: k.shape[0], outDim: k.shape[1], act, alpha, name: prefix };
}

/**
 * A per-date normalisation zhat_f = (x_f - mu_f) / sqrt(var_f + eps) over the date's stocks (population variance), then
 * gamma_f zhat_f + beta_f, as a diagonal Dense layer:  w_ff = gamma_f / sqrt(var_f + eps),  b_f = beta_f - w_ff mu_f.
 */
export function normLayer(ws: Map<string, NamedWeight>, prefix: string, model: string, cs: CrossSection, eps: number): LrpLayer {
  const gamma = get(ws, `${prefix}/gamma`, model).values,
    beta = get(ws, `${prefix}/beta`, model).values;
  const { N, F, x, mask } = cs;
  const mu = new Float64Array(F),
    va = new Float64Array(F);
  let cnt = 0;
  for (let n = 0; n < N; n++)
    if (mask[n]) {
      cnt++;
      for (let f = 0; f < F; f++) mu[f] += x[n * F + f];
    }
  const c = Math.max(cnt, 1);
  for (let f = 0; f < F; f++) mu[f] /= c;
  for (let n = 0; n < N; n++)
    if (mask[n])
      for (let f = 0; f < F; f++) {
        const d = x[n * F + f] - mu[f];
        va[f] += d * d;
      }
  const w = new Float64Array(F * F),
    b = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    const s = gamma[f] / Math.sqrt(va[f] / c + eps);
    w[f * F + f] = s;
    b[f] = beta[f] - s * mu[f];
  }
  return { w, b, inDim: F, outDim: F, act: 'linear', name: prefix };
}
