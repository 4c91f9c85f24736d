/**
 * Layer-wise relevance propagation (Bach et al. 2015; Deep Factor Model paper, section 3.2) for feed-forward
 * Dense networks, in plain TypeScript on weight arrays (model.getWeights()), float64 throughout: it runs in Node,
 * in the worker and on the main thread, with no tfjs.
 *
 * Network: a^(0) = x;  z^(l+1)_j = sum_i a^(l)_i w_ij + b_j;  a^(l+1)_j = act(z^(l+1)_j)   (paper eqs. 1-3).
 * The explained output is one unit o of the last layer: R^(L) = f(x) = a^(L)_o (paper eq. 4: the prediction is the
 * total relevance). Relevance flows back through each Dense layer by one of two rules; an element-wise activation
 * (ReLU, leaky ReLU, identity) passes relevance unchanged from a_j to z_j (a ReLU neuron with z_j <= 0 has a_j = 0
 * and so receives no relevance from the layer above).
 *
 *  'z' (paper eq. 6):        R_i = sum_j  z_ij / (sum_k z_kj) R_j,            z_ij = w_ij a_i
 *      Biases are not in the denominator, so relevance is conserved exactly layer by layer (eq. 5): the bias's share
 *      of each neuron is redistributed over its inputs in proportion to their messages. A neuron whose messages sum
 *      to exactly 0 cannot pass its relevance on (0/0); that amount is reported as `dropped`.
 *  'epsilon' (Bach et al. eq. 58): R_i = sum_j  z_ij / (z_j + eps * sign(z_j)) R_j,   z_j = sum_k z_kj + b_j,
 *      sign(0) = +1. The bias is in the denominator and keeps its share:
 *        sum_i R_i = sum_j R_j - sum_j b_j / (z_j + eps s_j) R_j - sum_j eps s_j / (z_j + eps s_j) R_j
 *      so over the whole network  sum_f R_f = f(x) - bias - eps  exactly, with `bias` and `eps` the two absorbed
 *      amounts summed over layers (reported separately). eps = 0 gives the basic rule with biases absorbed.
 * A normalisation that is a fixed affine map for the explained cross-section (the DMFM MLP's per-date z-score with
 * learned scale / shift) is a Dense layer with a diagonal weight matrix and is treated like any other layer.
 */

export type Activation = 'relu' | 'leakyRelu' | 'linear';

/** One Dense layer: z = a W + b, a' = act(z). */
export interface DenseLayer {
  /** [inDim, outDim] row-major (the tfjs kernel layout): w[i * outDim + j] */
  w: ArrayLike<number>;
  /** [outDim] */
  b: ArrayLike<number>;
  inDim: number;
  outDim: number;
  act: Activation;
  /** negative slope of leakyRelu */
  alpha?: number;
  /** label for the UI / errors, e.g. 'hidden0' */
  name?: string;
}

/** A feed-forward Dense network: layers[0] takes the F inputs. */
export interface DenseNet {
  layers: DenseLayer[];
}

export type LrpRule = 'epsilon' | 'z';

export interface LrpOptions {
  rule: LrpRule;
  /** stabiliser of the epsilon rule (ignored by 'z'); default 1e-6 */
  epsilon?: number;
  /** which unit of the last layer to explain (default 0) */
  output?: number;
}

export interface LrpResult {
  /** [F] relevance of each input */
  relevance: Float64Array;
  /** the explained output f(x) */
  output: number;
  /** relevance kept by the biases (epsilon rule; 0 for 'z') */
  bias: number;
  /** relevance kept by the epsilon stabiliser (epsilon rule; 0 for 'z') */
  eps: number;
  /** relevance that could not be passed on at neurons whose messages sum to 0 */
  dropped: number;
  /** total relevance per layer, input first ... output last (paper eq. 4; equal for the z-rule) */
  layerSums: number[];
}

/** Check the layer shapes chain; throws with the offending layer named. */
export function checkNet(net: DenseNet, F: number): void {
  let d = F;
  net.layers.forEach((L, l) => {
    const name = L.name ?? `layer ${l}`;
    if (L.inDim !== d) throw new Error(`LRP: ${name} expects ${L.inDim} inputs, the previous layer gives ${d}.`);
    if (L.w.length !== L.inDim * L.outDim) throw new Error(`LRP: ${name} has ${L.w.length} weights, expected ${L.inDim} x ${L.outDim}.`);
    if (L.b.length !== L.outDim) throw new Error(`LRP: ${name} has ${L.b.length} biases, expected ${L.outDim}.`);
    d = L.outDim;
  });
}

const activate = (L: DenseLayer, z: number) =>
  L.act === 'relu' ? (z > 0 ? z : 0) : L.act === 'leakyRelu' ? (z > 0 ? z : (L.alpha ?? 0.01) * z) : z;

/** Forward pass in float64: returns the activations a^(0) = x, a^(1), ..., a^(L) and pre-activations z^(1..L). */
export function forwardDense(net: DenseNet, x: ArrayLike<number>): { a: Float64Array[]; z: Float64Array[] } {
  const a: Float64Array[] = [Float64Array.from(x)];
  const z: Float64Array[] = [];
  for (const L of net.layers) {
    const prev = a[a.length - 1];
    const zl = new Float64Array(L.outDim);
    for (let j = 0; j < L.outDim; j++) zl[j] = L.b[j];
    for (let i = 0; i < L.inDim; i++) {
      const ai = prev[i];
      if (ai === 0) continue;
      const row = i * L.outDim;
      for (let j = 0; j < L.outDim; j++) zl[j] += ai * L.w[row + j];
    }
    const al = new Float64Array(L.outDim);
    for (let j = 0; j < L.outDim; j++) al[j] = activate(L, zl[j]);
    z.push(zl);
    a.push(al);
  }
  return { a, z };
}

/** Relevance of each input of `net` for its output unit `o.output` at input x (see the file comment for the rules). */
export function lrpDense(net: DenseNet, x: ArrayLike<number>, o: LrpOptions): LrpResult {
  const nL = net.layers.length;
  if (nL === 0) throw new Error('LRP: the network has no layers.');
  checkNet(net, x.length);
  const { a, z } = forwardDense(net, x);
  const out = o.output ?? 0;
  const last = net.layers[nL - 1];
  if (out < 0 || out >= last.outDim) throw new Error(`LRP: output ${out} is outside the ${last.outDim} output units.`);
  const eps = o.rule === 'epsilon' ? (o.epsilon ?? 1e-6) : 0;
  const fx = a[nL][out];
  // relevance of the top layer: only the explained unit carries relevance, R = f(x)  (eq. 4)
  let R = new Float64Array(last.outDim);
  R[out] = fx;
  let biasTerm = 0,
    epsTerm = 0,
    dropped = 0;
  const layerSums: number[] = [fx];
  for (let l = nL - 1; l >= 0; l--) {
    const L = net.layers[l];
    const ain = a[l]; // [inDim]
    const zl = z[l]; // [outDim]
    const Rin = new Float64Array(L.inDim);
    for (let j = 0; j < L.outDim; j++) {
      const Rj = R[j];
      if (Rj === 0) continue;
      let den: number;
      if (o.rule === 'z') {
        den = zl[j] - L.b[j]; // sum_k z_kj  (eq. 6: bias not in the denominator)
      } else {
        const s = zl[j] >= 0 ? 1 : -1;
        den = zl[j] + eps * s;
        if (den !== 0) {
          biasTerm += (L.b[j] / den) * Rj;
          epsTerm += ((eps * s) / den) * Rj;
        }
      }
      if (den === 0) {
        dropped += Rj;
        continue;
      }
      const f = Rj / den;
      for (let i = 0; i < L.inDim; i++) Rin[i] += ain[i] * L.w[i * L.outDim + j] * f; // z_ij / den * R_j
    }
    R = Rin;
    let s = 0;
    for (let i = 0; i < R.length; i++) s += R[i];
    layerSums.unshift(s);
  }
  return { relevance: R, output: fx, bias: biasTerm, eps: epsTerm, dropped, layerSums };
}

/** The network's output unit `output` for input x (float64), e.g. to check an extracted net against the model. */
export function outputDense(net: DenseNet, x: ArrayLike<number>, output = 0): number {
  const { a } = forwardDense(net, x);
  return a[a.length - 1][output];
}
