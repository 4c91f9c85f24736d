/**
 * Support vector regression baseline of the Deep Factor Model paper (section 4.2, Table 2: scikit-learn SVR with
 * default parameters), here epsilon-SVR with an RBF kernel from libsvm-js 0.2 (the mljs emscripten build of libsvm,
 * the library scikit-learn wraps). The asm.js build is used: it loads synchronously and has no separate .wasm file,
 * so it works the same in Node, in the browser and in a worker under Vite (checked with a production build).
 * Settings: C = 1 and gamma = 1 / F as scikit-learn / libsvm (1 / F equals scikit-learn's 'scale' for the lab's
 * z-scored factors); epsilon = 0.01 instead of scikit-learn's 0.1, because the target is a raw monthly return
 * (cross-sectional sd ~0.07): with 0.1 almost every row lies inside the tube and the fit is a constant.
 * A seeded sample of `maxRows` (1000) training rows per fit keeps a monthly refit near half a second (SVR training
 * is roughly quadratic in rows). Target and horizon as the Deep Factor Model (raw forward return, 20 days).
 * Prediction evaluates libsvm's decision function in JS from the trained model (rbfDecision below; libsvm-js predicts
 * one row per call through the emscripten heap, about 3x slower), checked against libsvm's own predict in the tests.
 */
import SVM from 'libsvm-js/asm.js';
import { resolveConfig } from '../common';
import { TabularModel, horizonIndex } from './tabular';
import type { BuildContext, ConfigField, ModelSpec } from '../types';

const schema: ConfigField[] = [
  {
    key: 'C',
    label: 'C (cost)',
    default: 1,
    min: 1e-4,
    max: 1e4,
    step: 0.01,
    help: 'Penalty on errors outside the epsilon tube (scikit-learn default 1).',
  },
  {
    key: 'epsilon',
    label: 'Epsilon',
    default: 0.01,
    min: 0,
    max: 10,
    step: 0.001,
    help: 'Half-width of the loss-free tube, in target units (scikit-learn default 0.1, too wide for raw monthly returns).',
  },
  {
    key: 'gamma',
    label: 'RBF gamma',
    default: 0,
    min: 0,
    max: 100,
    step: 0.001,
    help: "Kernel width exp(-gamma |x - x'|^2); 0 = 1 / number of factors (libsvm default).",
  },
  {
    key: 'maxRows',
    label: 'Training rows',
    default: 1000,
    min: 50,
    max: 100000,
    step: 50,
    help: 'Seeded sample of (date, stock) rows per fit (fit time grows about quadratically).',
  },
  {
    key: 'horizon',
    label: 'Label horizon',
    default: 20,
    min: 1,
    max: 260,
    step: 1,
    help: 'Trading days of the forward return it predicts; must be a panel horizon.',
  },
  {
    key: 'target',
    label: 'Target',
    default: 'raw',
    options: ['raw', 'zscore'],
    help: "'raw': the forward return (winsorised per date); 'zscore': the per-date standardised return.",
  },
];

/** An epsilon-SVR with RBF kernel: f(x) = sum_i coef_i exp(-gamma |x - sv_i|^2) - rho. */
export interface RbfSvr {
  gamma: number;
  rho: number;
  coef: Float64Array;
  /** [nSV, F] */ sv: Float64Array;
  F: number;
}

/**
 * The decision function of a trained libsvm model: gamma and the dual coefficients from its serialised text (libsvm's
 * model file: header lines, then "SV" and one line per support vector, "coef idx:value ..."), the support vectors
 * themselves from the training rows (`svIndices`, libsvm's 0-based training-row indices in model order; the text
 * rounds them to 8 digits). libsvm prints rho with 6 significant digits, so rho is recovered from one prediction of
 * libsvm itself: rho = sum_i coef_i K(x0, sv_i) - f(x0).
 */
export function rbfFromLibsvm(text: string, X: number[][], svIndices: number[], probe: number[], probeValue: number): RbfSvr {
  const F = X[0].length;
  const lines = text.split('\n');
  const gamma = Number(lines.find((l) => l.startsWith('gamma '))?.slice(6));
  const start = lines.indexOf('SV') + 1;
  const rows = lines
    .slice(start)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (rows.length !== svIndices.length)
    throw new Error(`SVR: the libsvm model lists ${rows.length} support vectors, its index ${svIndices.length}.`);
  const coef = new Float64Array(rows.length),
    sv = new Float64Array(rows.length * F);
  rows.forEach((l, i) => {
    coef[i] = Number(l.split(/\s+/)[0]);
    sv.set(X[svIndices[i]], i * F);
  });
  const m: RbfSvr = { gamma, rho: 0, coef, sv, F };
  m.rho = rbfDecision(m, probe) - probeValue;
  return m;
}

/** f(x) for one row x [F] */
export function rbfDecision(m: RbfSvr, x: ArrayLike<number>): number {
  const { F, sv, coef, gamma } = m;
  let s = 0;
  for (let i = 0; i < coef.length; i++) {
    let d2 = 0;
    const o = i * F;
    for (let f = 0; f < F; f++) {
      const d = x[f] - sv[o + f];
      d2 += d * d;
    }
    s += coef[i] * Math.exp(-gamma * d2);
  }
  return s - m.rho;
}

class SvrModel extends TabularModel {
  private svm: SVM | null = null;
  private rbf: RbfSvr | null = null;
  private nSv = 0;
  private readonly cfg: Record<string, number | string | boolean>;
  constructor(ctx: BuildContext) {
    const cfg = resolveConfig(schema, ctx.config, 'svr');
    super(ctx, horizonIndex(ctx, Number(cfg.horizon), 'SVR'), 'SVR');
    this.cfg = cfg;
  }
  protected maxRows() {
    return Number(this.cfg.maxRows);
  }
  protected fitRows(X: number[][], y: number[]) {
    this.svm?.free();
    const g = Number(this.cfg.gamma);
    this.svm = new SVM({
      type: SVM.SVM_TYPES.EPSILON_SVR,
      kernel: SVM.KERNEL_TYPES.RBF,
      cost: Number(this.cfg.C),
      epsilon: Number(this.cfg.epsilon),
      gamma: g > 0 ? g : 1 / X[0].length,
      cacheSize: 32,
      tolerance: 0.001,
      shrinking: true,
      quiet: true,
    });
    this.svm.train(X, y);
    this.nSv = this.svm.getSVIndices().length;
    this.rbf = rbfFromLibsvm(this.svm.serializeModel(), X, this.svm.getSVIndices(), X[0], this.svm.predictOne(X[0]));
    this.svm.free(); // the JS copy predicts; free the emscripten heap now
    this.svm = null;
  }
  protected predictRows(X: number[][]) {
    return X.map((x) => rbfDecision(this.rbf!, x));
  }
  override dispose() {
    super.dispose();
    this.svm?.free();
    this.svm = null;
    this.rbf = null;
  }
  async extras() {
    return { supportVectors: this.nSv, rowsUsed: this.rowsUsed, rowsAvailable: this.rowsTotal };
  }
}

export const svrSpec: ModelSpec = {
  id: 'svr',
  // predicts outside tfjs: neither LRP nor gradients reach it
  explain: 'none',
  name: 'SVR',
  family: 'composite',
  description:
    'Support vector regression (Deep Factor Model baseline; libsvm via libsvm-js, asm.js build): epsilon-SVR, RBF kernel, ' +
    "C = 1, gamma = 1 / F, epsilon = 0.01 (scikit-learn's 0.1 is wider than a monthly return spread), fitted on a seeded " +
    'sample of 1000 (date, stock) rows per refit. Predicts the raw 20-day forward return; no gradient training.',
  configSchema: schema,
  trainable: false,
  build: (ctx) => new SvrModel(ctx),
};
