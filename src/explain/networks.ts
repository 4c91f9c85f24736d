/**
 * Model weights (model.getWeights()) -> the Dense network LRP walks (src/explain/lrp.ts), for the models whose
 * layers LRP can pass: Deep Factor Model ('dfm'), the DMFM MLP baseline ('mlp'), pooled OLS ('ridge') and the
 * lab's linear model ('linear'). The weight names are the models' own (see each model file); parity of these nets
 * with the tfjs forward pass is tested in src/explain/explain.test.ts. Models with cross-stock layers (attention,
 * graph attention) return null: explain them with gradient x input (src/explain/grad-input.ts).
 */
import type { NamedWeight } from '../models/types';
import type { DenseLayer, DenseNet } from './lrp';

/** One date's cross-section: x [N, F] (row-major) and the mask [N] of stocks in it. */
export interface CrossSection { x: ArrayLike<number>; mask: ArrayLike<number>; N: number; F: number }

export interface ExplainableNet {
  net: DenseNet;
  /** the unit of the last layer that is the explained prediction */
  output: number;
  /** how the model maps onto the network (shown with the relevance) */
  note: string;
}

/** models LRP can explain */
export const LRP_MODELS = ['dfm', 'mlp', 'ridge', 'linear'];

/** the DMFM MLP's normalisation epsilon and LeakyReLU slope (src/models/mlp.ts) */
const MLP_NORM_EPS = 1e-5;
const MLP_LEAK = 0.1;

function get(ws: Map<string, NamedWeight>, name: string, model: string): NamedWeight {
  const w = ws.get(name);
  if (!w) throw new Error(`LRP (${model}): weight "${name}" is missing (got ${[...ws.keys()].join(', ')}).`);
  return w;
}

function dense(ws: Map<string, NamedWeight>, prefix: string, model: string, act: DenseLayer['act'], alpha?: number): DenseLayer {
  const k = get(ws, `${prefix}/kernel`, model), b = get(ws, `${prefix}/bias`, model);
  return { w: k.values, b: b.values, inDim: k.shape[0], outDim: k.shape[1], act, alpha, name: prefix };
}

/**
 * The per-date normalisation of the MLP as a diagonal Dense layer: zhat_f = (x_f - mu_f) / sqrt(var_f + 1e-5) over the
 * date's stocks (population variance), then gamma_f zhat_f + beta_f  =  w_ff x_f + b_f with
 * w_ff = gamma_f / sqrt(var_f + 1e-5),  b_f = beta_f - w_ff mu_f.
 */
export function normLayer(gamma: ArrayLike<number>, beta: ArrayLike<number>, cs: CrossSection): DenseLayer {
  const { N, F, x, mask } = cs;
  const mu = new Float64Array(F), va = new Float64Array(F);
  let cnt = 0;
  for (let n = 0; n < N; n++) if (mask[n]) { cnt++; for (let f = 0; f < F; f++) mu[f] += x[n * F + f]; }
  const c = Math.max(cnt, 1);
  for (let f = 0; f < F; f++) mu[f] /= c;
  for (let n = 0; n < N; n++) if (mask[n]) for (let f = 0; f < F; f++) { const d = x[n * F + f] - mu[f]; va[f] += d * d; }
  const w = new Float64Array(F * F), b = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    const s = gamma[f] / Math.sqrt(va[f] / c + MLP_NORM_EPS);
    w[f * F + f] = s;
    b[f] = beta[f] - s * mu[f];
  }
  return { w, b, inDim: F, outDim: F, act: 'linear', name: 'norm' };
}

/**
 * The Dense network of `modelId` with `weights`, explaining horizon head `head`; null when LRP cannot pass the model.
 * The MLP's network depends on the date (its normalisation statistics), hence the cross-section.
 */
export function lrpNetwork(modelId: string, weights: NamedWeight[], cs: CrossSection, head: number): ExplainableNet | null {
  const ws = new Map(weights.map((w) => [w.name, w]));
  switch (modelId) {
    case 'dfm': {
      const layers: DenseLayer[] = [];
      for (let l = 0; ws.has(`hidden${l}/kernel`); l++) layers.push(dense(ws, `hidden${l}`, modelId, 'relu'));
      layers.push(dense(ws, 'output', modelId, 'linear'));
      return { net: { layers }, output: 0, note: `Dense/ReLU ${layers.slice(0, -1).map((L) => L.outDim).join('-')}, linear output (one unit for every horizon head)` };
    }
    case 'mlp': {
      const layers: DenseLayer[] = [normLayer(get(ws, 'norm/gamma', modelId).values, get(ws, 'norm/beta', modelId).values, cs)];
      for (let l = 0; ws.has(`encoder${l}/kernel`); l++) layers.push(dense(ws, `encoder${l}`, modelId, 'leakyRelu', MLP_LEAK));
      layers.push(dense(ws, 'decoder', modelId, 'linear'));
      return { net: { layers }, output: head, note: 'per-date normalisation as a diagonal linear layer (this date\'s mean / sd), Dense/LeakyReLU(0.1) encoder, linear decoder' };
    }
    case 'ridge':
      return { net: { layers: [dense(ws, 'ridge', modelId, 'linear')] }, output: 0, note: 'one linear layer: relevance = w * x, the intercept is the bias term' };
    case 'linear':
      return { net: { layers: [dense(ws, 'linear', modelId, 'linear')] }, output: head, note: 'one linear layer: relevance = w * x, the bias is the bias term' };
    default:
      return null;
  }
}
