/**
 * The stepwise pipelines of E2EAI (section 5, Table 1: S-Best, S-Avg, S-T20): select factors on the training window by
 * the rule of thumb, combine the selected ones, build a portfolio. Three separately optimised steps, against which the
 * end-to-end model is compared.
 *  1. Factor tests, per factor i and paper horizon k (3, 5, 10, 15, 20 where the panel has them; all panel horizons
 *     otherwise) over the training dates: IC_i,k = mean_t Pearson(x_i, r_k) with the raw forward return r_k, and
 *     ICIR_i,k = IC_i,k / sd_t (sample sd, eval/metrics icir).
 *  2. Selection, with pass(IC, ICIR) = |IC| >= icMin (0.02) and |ICIR| >= icirMin (0.20):
 *       S-Best: the factor's best horizon k* = argmax_k |ICIR_i,k| (first on ties); selected if pass(IC_i,k*, ICIR_i,k*),
 *               direction sgn(IC_i,k*);
 *       S-Avg:  selected if pass(mean_k IC_i,k, mean_k ICIR_i,k), direction sgn(mean_k IC_i,k);
 *       S-T20:  selected if pass(IC_i,20, ICIR_i,20) (the longest horizon when the panel has no 20), direction sgn(IC_i,20).
 *     If no factor passes, the single factor with the largest |ICIR| under the rule is used (extras.fallback = true).
 *  3. Combination (as the EW baseline): score = (1 / |S|) sum_{i in S} d_i z_i, z = the per-date z-score of factor i;
 *     the same score for every horizon.
 *  4. Portfolio ('weight' channel): long-only weights proportional to the positive part of the composite score,
 *     w_n = max(0, s_n) / sum_j max(0, s_j) over the date's valid stocks (equal weights when no score is positive):
 *     every stock with an above-average composite is held, more of the more attractive ones ("maximising weighted factor
 *     values", the paper's description of stepwise portfolio construction). The model-weighted strategy caps them.
 */
import * as tf from '@tensorflow/tfjs';
import { icir as icirOf, pearson } from '../../eval/metrics';
import { ParamStore, applyMask, maskedZscore, resolveConfig } from '../common';
import { linear3 } from '../layers/ops';
import { maskedMse } from '../losses';
import { PAPER_HORIZONS } from '../dmfm/dmfm';
import type {
  BuildContext,
  ChannelOutput,
  ConfigField,
  FitData,
  ForwardContext,
  LossTarget,
  Model,
  ModelSpec,
  NamedWeight,
} from '../types';

export type StepwiseRule = 'best' | 'avg' | 't20';

const schema: ConfigField[] = [
  {
    key: 'icMin',
    label: 'Min |IC|',
    default: 0.02,
    min: 0,
    max: 1,
    step: 0.005,
    help: 'Rule of thumb: a factor passes when |mean IC| >= this (paper: 0.02).',
  },
  {
    key: 'icirMin',
    label: 'Min |ICIR|',
    default: 0.2,
    min: 0,
    max: 10,
    step: 0.05,
    help: 'Rule of thumb: and |ICIR| (mean IC / sd of the daily IC) >= this (paper: 0.20).',
  },
];

/** Factor tests on the training dates: IC and ICIR per factor and tested horizon, [F][K]. */
export function factorTests(d: FitData, horizonIdx: number[]): { ic: number[][]; icir: number[][] } {
  const { N, F, T } = d;
  const K = horizonIdx.length;
  const series = Array.from({ length: F * K }, () => [] as number[]);
  const col = new Float64Array(N),
    y = new Float64Array(N),
    use = new Int32Array(N);
  for (const t of d.dates)
    horizonIdx.forEach((h, k) => {
      let n = 0;
      for (let i = 0; i < N; i++) {
        const r = d.fwd[(h * T + t) * N + i];
        if (d.mask[t * N + i] === 1 && Number.isFinite(r)) {
          use[n] = i;
          y[n] = r;
          n++;
        }
      }
      for (let f = 0; f < F; f++) {
        for (let j = 0; j < n; j++) col[j] = d.x[(t * N + use[j]) * F + f];
        const c = pearson(col, y, n);
        if (Number.isFinite(c)) series[f * K + k].push(c);
      }
    });
  const mean = (a: number[]) => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : NaN);
  return {
    ic: Array.from({ length: F }, (_, f) => Array.from({ length: K }, (_, k) => mean(series[f * K + k]))),
    icir: Array.from({ length: F }, (_, f) => Array.from({ length: K }, (_, k) => icirOf(series[f * K + k]))),
  };
}

export interface Selection {
  /** per factor: selected, direction (+1 / -1), and the statistic the rule judged */
  selected: boolean[];
  sign: number[];
  ruleIc: number[];
  ruleIcir: number[];
  /** S-Best: the tested horizon each factor was judged at */
  horizon: number[];
  fallback: boolean;
}

/** Apply the rule of thumb (see the file comment) to the factor tests; `horizons` are the tested horizons. */
export function selectFactors(
  t: { ic: number[][]; icir: number[][] },
  horizons: number[],
  rule: StepwiseRule,
  icMin: number,
  icirMin: number,
): Selection {
  const F = t.ic.length,
    K = horizons.length;
  const finite = (v: number) => (Number.isFinite(v) ? v : 0);
  const k20 = horizons.includes(20) ? horizons.indexOf(20) : K - 1;
  const ruleIc: number[] = [],
    ruleIcir: number[] = [],
    horizon: number[] = [];
  for (let f = 0; f < F; f++) {
    if (rule === 'avg') {
      ruleIc.push(t.ic[f].reduce((s, v) => s + finite(v), 0) / K);
      ruleIcir.push(t.icir[f].reduce((s, v) => s + finite(v), 0) / K);
      horizon.push(NaN);
    } else {
      let k = k20;
      if (rule === 'best') {
        k = 0;
        for (let j = 1; j < K; j++) if (Math.abs(finite(t.icir[f][j])) > Math.abs(finite(t.icir[f][k]))) k = j;
      }
      ruleIc.push(finite(t.ic[f][k]));
      ruleIcir.push(finite(t.icir[f][k]));
      horizon.push(horizons[k]);
    }
  }
  const selected = ruleIc.map((ic, f) => Math.abs(ic) >= icMin && Math.abs(ruleIcir[f]) >= icirMin);
  let fallback = false;
  if (!selected.some(Boolean) && F > 0) {
    let best = 0;
    for (let f = 1; f < F; f++) if (Math.abs(ruleIcir[f]) > Math.abs(ruleIcir[best])) best = f;
    selected[best] = true;
    fallback = true;
  }
  return { selected, sign: ruleIc.map((v) => (v < 0 ? -1 : 1)), ruleIc, ruleIcir, horizon, fallback };
}

class StepwiseModel implements Model {
  readonly trainable = false;
  private readonly p: ParamStore;
  /** [F, 1] d_i / |S| for selected factors, 0 otherwise */
  private readonly combo: tf.Variable;
  private tests: { ic: number[][]; icir: number[][] } | null = null;
  private sel: Selection | null = null;
  private readonly icMin: number;
  private readonly icirMin: number;
  private readonly tested: { idx: number[]; horizons: number[] };
  constructor(
    private readonly ctx: BuildContext,
    private readonly rule: StepwiseRule,
    id: string,
  ) {
    const cfg = resolveConfig(schema, ctx.config, id);
    this.icMin = Number(cfg.icMin);
    this.icirMin = Number(cfg.icirMin);
    this.p = new ParamStore(ctx.seed);
    // before fit: every factor, sign +1 (the EW composite), so an unfitted model still scores
    this.combo = this.p.add('stepwise/combination', [ctx.F, 1], new Float32Array(ctx.F).fill(1 / ctx.F), false, false);
    let idx = ctx.horizons.map((_, i) => i).filter((i) => PAPER_HORIZONS.includes(ctx.horizons[i]));
    if (!idx.length) idx = ctx.horizons.map((_, i) => i);
    this.tested = { idx, horizons: idx.map((i) => ctx.horizons[i]) };
  }
  fit(d: FitData): void {
    this.tests = factorTests(d, this.tested.idx);
    this.sel = selectFactors(this.tests, this.tested.horizons, this.rule, this.icMin, this.icirMin);
    const nSel = this.sel.selected.filter(Boolean).length;
    const w = Float32Array.from(this.sel.selected, (s, f) => (s ? this.sel!.sign[f] / nSel : 0));
    tf.tidy(() => this.combo.assign(tf.tensor2d(w, [this.ctx.F, 1])));
  }
  /** the composite score [B, N, 1] */
  private composite(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => applyMask(linear3(maskedZscore(x, c.mask, 1e-12), this.combo as tf.Tensor2D), c.mask));
  }
  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => this.composite(x, c).tile([1, 1, this.ctx.horizons.length]));
  }
  /** scores and the stepwise portfolio: weights proportional to the positive part of the composite */
  forwardChannels(x: tf.Tensor3D, c: ForwardContext): ChannelOutput {
    const s = this.composite(x, c).squeeze([2]) as tf.Tensor2D; // [B, N]
    const pos = s.relu().mul(c.mask); // [B, N]
    const tot = pos.sum(1, true); // [B, 1]
    const cnt = c.mask.sum(1, true).maximum(1);
    const eq = c.mask.div(cnt); // [B, N] fallback: equal weights
    const weight = tf.where(tot.greater(0).tile([1, s.shape[1]]), pos.div(tot.maximum(1e-30)), eq);
    return { scores: s.expandDims(2).tile([1, 1, this.ctx.horizons.length]) as tf.Tensor3D, channels: { weight } };
  }
  loss(scores: tf.Tensor3D, target: LossTarget) {
    return maskedMse(scores, target, this.ctx.horizons);
  }
  variables() {
    return [];
  }
  async extras() {
    const names = this.ctx.factorNames ?? Array.from({ length: this.ctx.F }, (_, f) => `f${f}`);
    const groups = this.ctx.factorGroups ?? names.map(() => 'all');
    if (!this.sel || !this.tests) return { rule: this.rule, fitted: false };
    const sel = this.sel;
    const perGroup: Record<string, { selected: number; total: number }> = {};
    names.forEach((_, f) => {
      const g = (perGroup[groups[f]] ??= { selected: 0, total: 0 });
      g.total++;
      if (sel.selected[f]) g.selected++;
    });
    return {
      rule: this.rule,
      icMin: this.icMin,
      icirMin: this.icirMin,
      testedHorizons: this.tested.horizons,
      selectedCount: sel.selected.filter(Boolean).length,
      fallback: sel.fallback,
      perGroup,
      factors: names.map((name, f) => ({
        factor: name,
        group: groups[f],
        selected: sel.selected[f],
        sign: sel.sign[f],
        ic: sel.ruleIc[f],
        icir: sel.ruleIcir[f],
        horizon: Number.isFinite(sel.horizon[f]) ? sel.horizon[f] : null,
        icByHorizon: this.tests!.ic[f],
        icirByHorizon: this.tests!.icir[f],
      })),
    };
  }
  activationsPerStock() {
    return 2 * this.ctx.F + this.ctx.horizons.length + 3;
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

const RULE_TEXT: Record<StepwiseRule, string> = {
  best: "the factors that pass at their best horizon (the one with the largest |ICIR|), entering with that horizon's IC sign",
  avg: 'the factors whose IC and ICIR averaged over the horizons pass, entering with the sign of the average IC',
  t20: 'the factors that pass at the 20-day horizon (one-month returns), entering with the sign of their 20-day IC',
};

function stepwiseSpec(rule: StepwiseRule, id: string, name: string): ModelSpec {
  return {
    id,
    name,
    family: 'composite',
    description:
      `E2EAI's stepwise baseline ${name}: factor tests on the training dates (mean daily Pearson IC with the raw forward ` +
      'return and ICIR = mean / sd, at the paper horizons 3, 5, 10, 15, 20 the panel has), then the rule of thumb |IC| >= 0.02 and ' +
      `|ICIR| >= 0.20 (settings) selects ${RULE_TEXT[rule]}; if none passes, the single factor with the largest |ICIR|. ` +
      'Combination as EW: the mean of the selected, per-date z-scored factors times their signs. Portfolio (weight channel, ' +
      'for the model-weighted strategy): long-only weights proportional to the positive part of the composite. Nothing is ' +
      'trained; each step is optimised on its own.',
    configSchema: schema,
    trainable: false,
    channels: () => [{ name: 'weight', kind: 'weight', label: 'stepwise portfolio: w ~ max(0, composite)', perHorizon: false }],
    build: (ctx) => new StepwiseModel(ctx, rule, id),
  };
}

export const sBestSpec = stepwiseSpec('best', 's-best', 'S-Best (stepwise)');
export const sAvgSpec = stepwiseSpec('avg', 's-avg', 'S-Avg (stepwise)');
export const sT20Spec = stepwiseSpec('t20', 's-t20', 'S-T20 (stepwise)');
