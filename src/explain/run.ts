/**
 * Explain a finished run: for each prediction date (e.g. every month end of a rolling run), the relevance of each
 * factor for every stock in the cross-section, the top-quintile portfolio's relevance by factor group, and the
 * paper's Table 5 (group / prediction correlations in the top quintile next to the LRP shares). This is the data the
 * LRP views draw and the headless runner writes to relevance.parquet.
 * Method: LRP (epsilon or z-rule, src/explain/lrp.ts) for models whose layers it can pass (src/explain/networks.ts);
 * otherwise gradient x input (src/explain/grad-input.ts), labelled as such. Random forest and SVR predict outside
 * tfjs and are not explained.
 */
import { LabError } from '../core/errors';
import { getModel } from '../models/registry';
import type { ModelConfig, NamedWeight } from '../models/types';
import { gatherWindows } from '../data/windows';
import { gradientTimesInput } from './grad-input';
import { lrpDense, type LrpRule } from './lrp';
import { lrpNetwork } from './networks';
import {
  groupCorrelations,
  groupNames,
  groupShares,
  meanRelevance,
  topQuantile,
  type GroupCorrelation,
  type GroupShares,
} from './relevance';

export type ExplainMethod = 'lrp-epsilon' | 'lrp-z' | 'grad-input';

export interface ExplainSettings {
  /** 'auto' (default): LRP where the model allows it, else gradient x input */
  method?: 'auto' | 'lrp' | 'grad-input';
  /** LRP rule (default 'epsilon') */
  rule?: LrpRule;
  /** epsilon of the epsilon rule (default 1e-6) */
  epsilon?: number;
  /** quantile groups for the portfolio (default 5: the top quintile) */
  quantiles?: number;
}

/** What explaining needs of the prepared panel (src/train/data.ts Prepared fits). */
export interface ExplainData {
  N: number;
  F: number;
  /** [T, N, F] */
  x: Float32Array;
  /** [T, N] 1 = in the cross-section */
  mask: Uint8Array;
  /** [T, N] industry ids (graph models) */
  industry?: Int32Array;
  dates: string[];
  tickers: string[];
  factorNames: string[];
  factorGroups: string[];
  horizons: number[];
  /** sequence models: the lookback L (mask already includes the history mask: prepareData with the same lookback) */
  lookback?: number;
}

/** One prediction date and the weights of the model that made the prediction (e.g. that month's refit). */
export interface ExplainPoint {
  t: number;
  weights: NamedWeight[];
}

export interface DateExplanation {
  date: string;
  /** panel date index */
  t: number;
  /** [M] panel stock indices in the cross-section */
  stocks: Int32Array;
  /** [M] the explained prediction f(x) */
  prediction: Float64Array;
  /** [M, F] relevance of each factor */
  relevance: Float32Array;
  /** [M] relevance kept by the biases / the epsilon stabiliser (LRP epsilon rule; 0 otherwise) */
  bias: Float64Array;
  eps: Float64Array;
  /** [M] prediction - sum of factor relevances - bias - eps: ~0 for LRP (rounding, z-rule 0/0); gradient x input's unexplained part */
  residual: Float64Array;
  /** positions into `stocks` of the top quantile of the prediction */
  top: Int32Array;
  /** [F] mean relevance over the top quantile (the portfolio's relevance) */
  portfolio: Float64Array;
  /** the portfolio's relevance by factor group, in percent (Figure 3) */
  portfolioGroups: GroupShares;
  /** Table 5 on this date: correlations of each group with the prediction in the top quantile */
  correlations: GroupCorrelation[];
}

export interface Table5Row {
  group: string;
  /** mean over dates of the top-quantile portfolio's LRP share (percent of absolute group relevance) */
  lrpShare: number;
  /** mean over dates of the signed share (percent of the portfolio's total relevance) */
  signedShare: number;
  spearman: number;
  kendall: number;
  spearmanComposite: number;
  kendallComposite: number;
}

export interface RunExplanation {
  model: string;
  method: ExplainMethod;
  /** e.g. 'LRP, epsilon rule (epsilon 1e-6)' or 'gradient x input (fallback: LRP cannot pass this model)' */
  methodLabel: string;
  epsilon: number;
  /** horizon head explained and its horizon in trading days */
  head: number;
  horizon: number;
  quantiles: number;
  /** how the model maps onto the explained network */
  note: string;
  factorNames: string[];
  factorGroups: string[];
  groups: string[];
  dates: DateExplanation[];
  /** Table 5 averaged over the dates */
  table5: Table5Row[];
}

/** Which method `auto` uses for a model (its spec's `explain`; default gradient x input): 'lrp', 'grad-input' or null (not explainable). */
export function explainMethodFor(modelId: string): 'lrp' | 'grad-input' | null {
  const e = getModel(modelId).explain ?? 'grad-input';
  return e === 'none' ? null : e === 'lrp' && getModel(modelId).lrpNetwork ? 'lrp' : 'grad-input';
}

const nanMean = (v: number[]) => {
  const a = v.filter(Number.isFinite);
  return a.length ? a.reduce((s, x) => s + x, 0) / a.length : NaN;
};

/** Explain model `model` at each point (see the file comment); `head` = the horizon head explained. */
export async function explainRun(
  data: ExplainData,
  model: { id: string; config: ModelConfig; seed: number },
  points: ExplainPoint[],
  head: number,
  s: ExplainSettings = {},
): Promise<RunExplanation> {
  const { N, F } = data;
  const auto = explainMethodFor(model.id);
  if (auto === null)
    throw new LabError(
      `Explain: ${getModel(model.id).name} predicts outside tfjs; neither LRP nor gradient x input can explain it.`,
      'Explain a Deep Factor Model, MLP, linear or neural model instead.',
    );
  const useLrp = s.method === 'lrp' || ((s.method ?? 'auto') === 'auto' && auto === 'lrp');
  if (s.method === 'lrp' && auto !== 'lrp')
    throw new LabError(
      `Explain: LRP cannot pass the layers of ${getModel(model.id).name} (cross-stock attention / graph layers).`,
      'Use gradient x input (method "grad-input").',
    );
  const rule: LrpRule = s.rule ?? 'epsilon';
  const epsilon = s.epsilon ?? 1e-6;
  const G = s.quantiles ?? 5;
  const groups = groupNames(data.factorGroups);
  const spec = getModel(model.id);
  const crossStock = spec.family === 'graph' || spec.family === 'attention';
  const method: ExplainMethod = useLrp ? (rule === 'z' ? 'lrp-z' : 'lrp-epsilon') : 'grad-input';
  let note = '';
  const out: DateExplanation[] = [];

  for (const p of points) {
    const { t } = p;
    const xs = data.x.subarray(t * N * F, (t + 1) * N * F); // [N, F]
    const ms = data.mask.subarray(t * N, (t + 1) * N); // [N]
    const stocks = Int32Array.from(Array.from({ length: N }, (_, n) => n).filter((n) => ms[n] === 1));
    const M = stocks.length;
    const relevance = new Float32Array(M * F),
      prediction = new Float64Array(M);
    const bias = new Float64Array(M),
      eps = new Float64Array(M),
      residual = new Float64Array(M);
    if (useLrp) {
      const en = lrpNetwork(spec, p.weights, { x: xs, mask: ms, N, F }, head);
      if (!en) throw new LabError(`Explain: no LRP network for model "${model.id}".`);
      note = en.note;
      stocks.forEach((n, m) => {
        const r = lrpDense(en.net, xs.subarray(n * F, (n + 1) * F), { rule, epsilon, output: en.output });
        let sum = 0;
        for (let f = 0; f < F; f++) {
          relevance[m * F + f] = r.relevance[f];
          sum += r.relevance[f];
        }
        prediction[m] = r.output;
        bias[m] = r.bias;
        eps[m] = r.eps;
        residual[m] = r.output - sum - r.bias - r.eps;
      });
    } else {
      const inst = spec.build({
        F,
        horizons: data.horizons,
        seed: model.seed,
        config: model.config,
        factorNames: data.factorNames,
        factorGroups: data.factorGroups,
      });
      try {
        inst.setWeights(p.weights);
        const ind = data.industry?.subarray(t * N, (t + 1) * N);
        const L = data.lookback ?? 1;
        // a sequence model's window of the L days ending at t, from the one windowing function
        const seq = L > 1 ? { values: gatherWindows(data.x, data.dates.length, N, F, [t], L), L } : undefined;
        const g = await gradientTimesInput(inst, { x: xs, mask: ms, N, F, industry: ind, seq }, { head, stocks, crossStock });
        relevance.set(Float32Array.from(g.relevance));
        prediction.set(g.output);
        residual.set(g.residual);
      } finally {
        inst.dispose();
      }
      note = crossStock ? "gradient x input of each stock's own factors (cross-stock terms left out)" : 'gradient x input';
    }
    const top = topQuantile(prediction, G);
    const portfolio = meanRelevance(relevance, F, top);
    const xm = new Float64Array(M * F);
    stocks.forEach((n, m) => {
      for (let f = 0; f < F; f++) xm[m * F + f] = xs[n * F + f];
    });
    out.push({
      date: data.dates[t],
      t,
      stocks,
      prediction,
      relevance,
      bias,
      eps,
      residual,
      top,
      portfolio,
      portfolioGroups: groupShares(portfolio, data.factorGroups, groups),
      correlations: groupCorrelations(xm, prediction, F, top, data.factorGroups, groups),
    });
  }

  const table5: Table5Row[] = groups.map((group, g) => ({
    group,
    lrpShare: nanMean(out.map((d) => d.portfolioGroups.share[g])),
    signedShare: nanMean(out.map((d) => d.portfolioGroups.signedShare[g])),
    spearman: nanMean(out.map((d) => d.correlations[g].spearman)),
    kendall: nanMean(out.map((d) => d.correlations[g].kendall)),
    spearmanComposite: nanMean(out.map((d) => d.correlations[g].spearmanComposite)),
    kendallComposite: nanMean(out.map((d) => d.correlations[g].kendallComposite)),
  }));
  const methodLabel =
    method === 'grad-input'
      ? `gradient x input (fallback: LRP cannot pass ${spec.name}'s layers)`
      : rule === 'z'
        ? 'LRP, z-rule (paper eq. 6; biases redistributed, relevance conserved exactly)'
        : `LRP, epsilon rule (epsilon ${epsilon}; bias and epsilon shares reported separately)`;
  return {
    model: model.id,
    method,
    methodLabel,
    epsilon: useLrp && rule === 'epsilon' ? epsilon : 0,
    head,
    horizon: data.horizons[head],
    quantiles: G,
    note,
    factorNames: data.factorNames.slice(),
    factorGroups: data.factorGroups.slice(),
    groups,
    dates: out,
    table5,
  };
}

/**
 * The prediction dates to explain for a finished run: the month ends (last trading day of each calendar month) inside
 * the groups' test segments, each with the weights of its group's model. Groups without recorded weights (models
 * above the runner's size limit) are skipped and counted.
 */
export function monthEndPoints(
  dates: string[],
  groups: { test: [string, string]; weights?: NamedWeight[] }[],
): { points: ExplainPoint[]; skipped: number } {
  const index = new Map(dates.map((d, i) => [d, i]));
  const points: ExplainPoint[] = [];
  let skipped = 0;
  for (const g of groups) {
    const a = index.get(g.test[0]),
      b = index.get(g.test[1]);
    if (a === undefined || b === undefined) continue;
    for (let t = a; t <= b; t++) {
      // a month end (the last date counts as one, as in splits.monthEnds); a rolling group's test month [m, next m)
      // holds exactly one: its prediction date m
      const monthEnd = t === dates.length - 1 || dates[t].slice(0, 7) !== dates[t + 1].slice(0, 7);
      if (!monthEnd) continue;
      if (!g.weights) {
        skipped++;
        continue;
      }
      points.push({ t, weights: g.weights });
    }
  }
  return { points, skipped };
}
