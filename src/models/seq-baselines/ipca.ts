/**
 * Linear dynamic factor model: restricted IPCA, instrumented principal components (Kelly, Pruitt & Su 2019, "Characteristics
 * are covariances", JFE), the "Linear" dynamic factor model of FactorVAE's Table 1 (FactorVAE section 2 cites it for
 * exposures that are linear in the characteristics).
 *   r_{t,i} = z_{t,i}' Gamma f_t + e_{t,i}        exposures beta_{t,i} = z_{t,i}' Gamma  [K], Gamma [F, K], factors f_t [K]
 * fitted per horizon head on the training dates by alternating least squares (KPS section 3, eqs. 6-7), with each date
 * weighted equally (its squared errors divided by its number of stocks n_t):
 *   W_t = Z_t' Z_t / n_t [F, F],   x_t = Z_t' r_t / n_t [F]                (x_t: the characteristic-managed portfolios)
 *   f-step:      f_t = (Gamma' W_t Gamma)^-1 Gamma' x_t
 *   Gamma-step:  vec(Gamma) = (sum_t W_t (x) f_t f_t')^-1 sum_t x_t (x) f_t   (Kronecker products; solved by Cholesky)
 *   start: Gamma = the K leading eigenvectors of sum_t x_t x_t' (PCA of the managed portfolios; KPS's initial guess)
 *   Gamma is orthonormalised after each Gamma-step (Gram-Schmidt; the fit is rotation-invariant), and iterations stop
 *   when the objective improves by less than 1e-7 (relative) or after `iterations`.
 * Prediction (KPS section 4.2, "predictive R^2"): r_hat_{t,i} = z_{t,i}' Gamma lambda with lambda = the mean of f_t over
 * the training dates; so the predictor is one linear weight vector w_h = Gamma_h lambda_h [F] per horizon.
 * Choices: restricted model (no characteristic-driven alpha, Gamma_alpha = 0); no constant characteristic (the
 * 'zscore' target is demeaned per date, so a market factor has nothing to explain); K = 3 by default (KPS find the
 * restricted model's fit saturates at K = 4-6 with 36 characteristics on monthly data; daily technical factors carry less
 * structure); target 'zscore' (per-date standardised return, the ranking) or 'raw'. A stock enters a date with 20 valid
 * days (`lookback`), like the sequence models. Closed form: no gradient training.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../core/errors';
import { ParamStore, applyMask, resolveConfig } from '../common';
import { linear3 } from '../layers/ops';
import { choleskySolve } from '../linalg';
import { maskedMse } from '../losses';
import type { BuildContext, ConfigField, FitData, ForwardContext, LossTarget, Model, ModelSpec, NamedWeight } from '../types';
import { PAPER_LOOKBACK, lookbackField } from './seq-common';

const schema: ConfigField[] = [
  { ...lookbackField, label: 'History (days)' },
  {
    key: 'factors',
    label: 'Factors K',
    default: 3,
    min: 1,
    max: 64,
    step: 1,
    help: 'Latent factors K (at most the number of characteristics).',
  },
  {
    key: 'iterations',
    label: 'ALS iterations',
    default: 50,
    min: 0,
    max: 500,
    step: 1,
    help: 'Most alternating-least-squares rounds (0: the PCA start only); stops earlier when the fit stops improving.',
  },
  {
    key: 'target',
    label: 'Target',
    default: 'zscore',
    options: ['zscore', 'raw'],
    help: "Returns the factors explain: 'zscore' the per-date standardised forward return (cross-sectional ranking); 'raw' the winsorised raw return.",
  },
];

/** Eigen-decomposition of a symmetric n x n matrix (row-major) by cyclic Jacobi rotations: values descending, vectors as columns. */
export function symmetricEigen(A: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-24) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          // columns p, q of a
          const akp = a[k * n + p],
            akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          // rows p, q of a
          const apk = a[p * n + k],
            aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p],
            vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/** one date's sufficient statistics for one horizon: W = Z'Z/n [F, F], x = Z'r/n [F], rr = r'r/n */
interface DateStats {
  W: Float64Array;
  x: Float64Array;
  rr: number;
}

export interface IpcaFit {
  /** [F, K] row-major */
  gamma: Float64Array;
  /** [K] mean factor over the training dates */
  lambda: Float64Array;
  /** the predictor Gamma lambda [F] */
  w: Float64Array;
  iterations: number;
  /** in-sample R^2 of r_hat = Z Gamma f_t (each date weighted equally) */
  r2: number;
  dates: number;
}

/** Gram-Schmidt on the K columns of gamma [F, K] (in place) */
function orthonormalise(g: Float64Array, F: number, K: number) {
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < k; j++) {
      let d = 0;
      for (let a = 0; a < F; a++) d += g[a * K + k] * g[a * K + j];
      for (let a = 0; a < F; a++) g[a * K + k] -= d * g[a * K + j];
    }
    let s = 0;
    for (let a = 0; a < F; a++) s += g[a * K + k] ** 2;
    s = Math.sqrt(s) || 1;
    for (let a = 0; a < F; a++) g[a * K + k] /= s;
  }
}

/** f_t = (Gamma' W Gamma + 1e-10 I)^-1 Gamma' x for one date; also returns the date's squared error / n */
function factorStep(st: DateStats, g: Float64Array, F: number, K: number): { f: Float64Array; sse: number } {
  const WG = new Float64Array(F * K); // W Gamma [F, K]
  for (let a = 0; a < F; a++)
    for (let b = 0; b < F; b++) {
      const wab = st.W[a * F + b];
      if (wab === 0) continue;
      for (let k = 0; k < K; k++) WG[a * K + k] += wab * g[b * K + k];
    }
  const M = new Float64Array(K * K); // Gamma' W Gamma
  const rhs = new Float64Array(K); // Gamma' x
  for (let a = 0; a < F; a++) {
    for (let k = 0; k < K; k++) {
      rhs[k] += g[a * K + k] * st.x[a];
      for (let l = 0; l < K; l++) M[k * K + l] += g[a * K + k] * WG[a * K + l];
    }
  }
  for (let k = 0; k < K; k++) M[k * K + k] += 1e-10;
  const f = choleskySolve(M, rhs, K) ?? new Float64Array(K);
  // ||r - Z Gamma f||^2 / n = rr - 2 f' Gamma' x + f' Gamma' W Gamma f
  let sse = st.rr;
  for (let k = 0; k < K; k++) {
    sse -= 2 * f[k] * rhs[k];
    for (let l = 0; l < K; l++) sse += f[k] * M[k * K + l] * f[l];
  }
  return { f, sse };
}

/** restricted IPCA by alternating least squares on one horizon's per-date statistics */
export function fitIpca(stats: DateStats[], F: number, K: number, iterations: number): IpcaFit {
  if (K > F)
    throw new LabError(`Linear DFM (IPCA): ${K} factors but only ${F} characteristics.`, 'Use at most as many factors as characteristics.');
  const T = stats.length;
  // start: the K leading eigenvectors of sum_t x_t x_t' (PCA of the managed portfolios)
  const S = new Float64Array(F * F);
  for (const st of stats) for (let a = 0; a < F; a++) for (let b = 0; b < F; b++) S[a * F + b] += st.x[a] * st.x[b];
  const { vectors } = symmetricEigen(S, F);
  const g = new Float64Array(F * K);
  for (let a = 0; a < F; a++) for (let k = 0; k < K; k++) g[a * K + k] = vectors[a * F + k];
  let fs = stats.map((st) => factorStep(st, g, F, K));
  let obj = fs.reduce((s, r) => s + r.sse, 0);
  let it = 0;
  const FK = F * K;
  for (; it < iterations; it++) {
    // Gamma-step: A[(a,k),(b,l)] = sum_t W_t[a,b] f_t[k] f_t[l],  c[(a,k)] = sum_t x_t[a] f_t[k]
    const A = new Float64Array(FK * FK);
    const c = new Float64Array(FK);
    for (let t = 0; t < T; t++) {
      const { W, x } = stats[t];
      const f = fs[t].f;
      const ff = new Float64Array(K * K);
      for (let k = 0; k < K; k++) for (let l = 0; l < K; l++) ff[k * K + l] = f[k] * f[l];
      for (let a = 0; a < F; a++) {
        for (let k = 0; k < K; k++) c[a * K + k] += x[a] * f[k];
        for (let b = a; b < F; b++) {
          const wab = W[a * F + b];
          if (wab === 0) continue;
          for (let k = 0; k < K; k++) {
            const row = (a * K + k) * FK + b * K;
            for (let l = 0; l < K; l++) A[row + l] += wab * ff[k * K + l];
          }
        }
      }
    }
    // mirror the blocks b < a (A is symmetric: W_t[a,b] = W_t[b,a], ff symmetric)
    for (let a = 0; a < F; a++)
      for (let b = 0; b < a; b++)
        for (let k = 0; k < K; k++) for (let l = 0; l < K; l++) A[(a * K + k) * FK + b * K + l] = A[(b * K + l) * FK + a * K + k];
    for (let i = 0; i < FK; i++) A[i * FK + i] += 1e-10 * T;
    const sol = choleskySolve(A, c, FK);
    if (!sol) break; // collinear characteristics: keep the last Gamma
    g.set(sol);
    orthonormalise(g, F, K);
    fs = stats.map((st) => factorStep(st, g, F, K));
    const next = fs.reduce((s, r) => s + r.sse, 0);
    const done = obj - next < 1e-7 * Math.abs(obj);
    obj = next;
    if (done) {
      it++;
      break;
    }
  }
  const lambda = new Float64Array(K);
  for (const r of fs) for (let k = 0; k < K; k++) lambda[k] += r.f[k] / Math.max(1, T);
  const w = new Float64Array(F);
  for (let a = 0; a < F; a++) for (let k = 0; k < K; k++) w[a] += g[a * K + k] * lambda[k];
  const tot = stats.reduce((s, st) => s + st.rr, 0);
  return { gamma: g, lambda, w, iterations: it, r2: tot > 0 ? 1 - obj / tot : 0, dates: T };
}

/**
 * Per-date statistics of every horizon over the training dates: stats[h] lists the dates with at least 2 labelled
 * stocks. W = Z'Z/n is computed once per date and shared by the horizons whose labelled stocks are the same (the usual
 * case: all of them).
 */
export function ipcaStats(d: FitData): DateStats[][] {
  const { N, F, H } = d;
  const out: DateStats[][] = Array.from({ length: H }, () => []);
  const use = new Uint8Array(N);
  let prev: Uint8Array | null = null;
  let W: Float64Array | null = null;
  for (const t of d.dates) {
    prev = null;
    for (let h = 0; h < H; h++) {
      let n = 0;
      for (let i = 0; i < N; i++) {
        use[i] = d.mask[t * N + i] && d.targetMask[(t * N + i) * H + h] ? 1 : 0;
        n += use[i];
      }
      if (n < 2) continue;
      let same = prev !== null;
      for (let i = 0; same && i < N; i++) same = use[i] === prev![i];
      if (!same || !W) {
        W = new Float64Array(F * F);
        for (let i = 0; i < N; i++) {
          if (!use[i]) continue;
          const o = (t * N + i) * F;
          for (let a = 0; a < F; a++) {
            const za = d.x[o + a];
            if (za === 0) continue;
            for (let b = a; b < F; b++) W[a * F + b] += za * d.x[o + b];
          }
        }
        for (let a = 0; a < F; a++) for (let b = a; b < F; b++) W[b * F + a] = W[a * F + b] /= n;
        prev = use.slice();
      }
      const x = new Float64Array(F);
      let rr = 0;
      for (let i = 0; i < N; i++) {
        if (!use[i]) continue;
        const y = d.target[(t * N + i) * H + h];
        const o = (t * N + i) * F;
        rr += y * y;
        for (let a = 0; a < F; a++) x[a] += d.x[o + a] * y;
      }
      for (let a = 0; a < F; a++) x[a] /= n;
      out[h].push({ W, x, rr: rr / n });
    }
  }
  return out;
}

class IpcaModel implements Model {
  readonly trainable = false;
  private readonly p: ParamStore;
  private readonly w: tf.Variable;
  private readonly b: tf.Variable;
  private readonly K: number;
  private readonly iterations: number;
  private fits: IpcaFit[] = [];
  constructor(private readonly ctx: BuildContext) {
    const cfg = resolveConfig(schema, ctx.config, 'ipca');
    this.K = Number(cfg.factors);
    this.iterations = Number(cfg.iterations);
    this.p = new ParamStore(ctx.seed);
    // the predictor w_h = Gamma_h lambda_h per horizon as one linear layer [F, H] (zero until fitted)
    this.w = this.p.add('predictor/kernel', [ctx.F, ctx.horizons.length], new Float32Array(ctx.F * ctx.horizons.length), true, false);
    this.b = this.p.add('predictor/bias', [ctx.horizons.length], new Float32Array(ctx.horizons.length), false, false);
  }
  fit(d: FitData): void {
    const { F, H } = d;
    this.fits = [];
    const w = new Float32Array(F * H);
    const all = ipcaStats(d);
    for (let h = 0; h < H; h++) {
      const stats = all[h];
      if (stats.length === 0)
        throw new LabError(
          `Linear DFM (IPCA): no training date has labelled stocks for horizon ${d.horizons[h]}.`,
          'Use a longer training window.',
        );
      const fit = fitIpca(stats, F, this.K, this.iterations);
      this.fits.push(fit);
      for (let a = 0; a < F; a++) w[a * H + h] = fit.w[a];
    }
    tf.tidy(() => this.w.assign(tf.tensor2d(w, [F, H])));
  }
  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => applyMask(linear3(x, this.w as tf.Tensor2D, this.b as tf.Tensor1D), c.mask).add(0) as tf.Tensor3D); // [B, N, H]  z' Gamma lambda (+0: no -0)
  }
  loss(scores: tf.Tensor3D, target: LossTarget) {
    return maskedMse(scores, target, this.ctx.horizons);
  }
  variables() {
    return [];
  }
  activationsPerStock() {
    return this.ctx.F + this.ctx.horizons.length;
  }
  async extras() {
    const names = this.ctx.factorNames ?? Array.from({ length: this.ctx.F }, (_, f) => `f${f}`);
    return {
      ipca: this.fits.map((f, h) => ({
        horizon: this.ctx.horizons[h],
        iterations: f.iterations,
        r2: f.r2,
        dates: f.dates,
        lambda: Array.from(f.lambda),
        weights: names.map((name, a) => ({ factor: name, w: f.w[a] })),
      })),
    };
  }
  getWeights() {
    return this.p.getWeights();
  }
  setWeights(w: NamedWeight[]) {
    this.p.setWeights(w);
  }
  dispose() {
    this.p.dispose();
  }
}

export const ipcaSpec: ModelSpec = {
  id: 'ipca',
  name: 'Linear DFM (IPCA)',
  family: 'linear',
  description:
    'Linear dynamic factor model of FactorVAE Table 1: restricted IPCA (Kelly, Pruitt & Su 2019). Exposures are linear in the ' +
    "characteristics (beta = z' Gamma), K = 3 latent factors per date; Gamma and the factors are fitted on the training dates by " +
    "alternating least squares, started from the PCA of the characteristic-managed portfolios Z'r/n, each date weighted equally. " +
    "Prediction: z' Gamma x the mean training factor (KPS predictive form), a linear score. Closed form, no gradient training; " +
    'target: the per-date standardised return (default) or the raw return. A stock enters a date with 20 valid days, like the sequence models.',
  configSchema: schema,
  trainable: false,
  explain: 'grad-input',
  lookback: (config) => Number(config.lookback ?? PAPER_LOOKBACK),
  build: (ctx) => new IpcaModel(ctx),
};
