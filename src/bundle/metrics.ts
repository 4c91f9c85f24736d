/**
 * metrics.json: the summary of a run every consumer reads (the headless runner wrote it first; the browser's Save run
 * writes the same one). One implementation, from the results the runner and the worker hand out (TrainOutput).
 */
import type { Panel } from '../core/panel';
import type { RunResult } from '../train/types';
import type { UniverseMetrics } from '../train/reevaluate';
import type { RunExplanation } from '../explain/run';
import { groupShares } from '../explain/relevance';

/** a method's result as the writer takes it: the runner's RunResult plus what the worker adds */
export type MethodOutput = RunResult & { universes?: UniverseMetrics[]; explanation?: RunExplanation; explainNote?: string };

/** metrics.json summary of an explanation: method, Table 5 (mean over dates), the last date's top stock and portfolio */
export function explainSummary(panel: Pick<Panel, 'tickers'>, ex: RunExplanation) {
  const last = ex.dates[ex.dates.length - 1];
  const pct = (a: Float64Array) => Object.fromEntries(ex.groups.map((g, i) => [g, Number.isFinite(a[i]) ? +a[i].toFixed(2) : null]));
  let best = -1;
  if (last)
    last.prediction.forEach((v, k) => {
      if (best < 0 || v > last.prediction[best]) best = k;
    });
  const F = ex.factorNames.length;
  const topStock =
    best >= 0
      ? (() => {
          const rel = last.relevance.subarray(best * F, (best + 1) * F);
          return {
            ticker: panel.tickers[last.stocks[best]],
            prediction: last.prediction[best],
            bias: last.bias[best],
            eps: last.eps[best],
            groupShare: pct(groupShares(rel, ex.factorGroups, ex.groups).share),
          };
        })()
      : null;
  return {
    method: ex.method,
    methodLabel: ex.methodLabel,
    note: ex.note,
    horizon: ex.horizon,
    dates: ex.dates.length,
    quantiles: ex.quantiles,
    table5: ex.table5,
    lastDate: last ? { date: last.date, topStock, portfolioGroupShare: pct(last.portfolioGroups.share) } : null,
    meanAbsResidual: ex.dates.length
      ? ex.dates.reduce((s, d) => s + d.residual.reduce((a, v) => a + Math.abs(v), 0) / Math.max(1, d.residual.length), 0) / ex.dates.length
      : null,
  };
}

/** Table 4 rows (Deep Factor Model paper): annualised long-short return, volatility, Sharpe, MAE, RMSE at the month ends */
export function table4(results: { label: string; r: RunResult }[]) {
  const num = (v: number | undefined, d: number) => (v !== undefined && Number.isFinite(v) ? +v.toFixed(d) : null);
  return results.map(({ label, r }) => ({
    model: label,
    returnPct: num(r.eval.metrics.annReturn * 100, 2),
    volatilityPct: num(r.eval.metrics.vol * 100, 2),
    sharpe: num(r.eval.metrics.sharpe, 2),
    mae: num(r.monthEnd?.mae, 4),
    rmse: num(r.monthEnd?.rmse, 4),
    monthEndIc: num(r.monthEnd?.ic, 4),
    months: r.monthEnd?.dates ?? null,
  }));
}

/** metrics.json entry of one run */
export function runMetrics(label: string, r: RunResult) {
  const num = (v: number) => (Number.isFinite(v) ? v : null);
  return {
    label,
    model: r.model.id,
    config: r.model.config,
    seed: r.run.seed,
    backend: { name: r.backend.backend, reason: r.backend.reason },
    evalHorizon: r.evalHorizon,
    horizons: Object.fromEntries(
      r.horizonMetrics.map((m) => [
        String(m.horizon),
        { ic: num(m.ic), rank_ic: num(m.rank_ic), icir: num(m.icir), rank_icir: num(m.rank_icir), dates: m.dates },
      ]),
    ),
    portfolio: Object.fromEntries(Object.entries(r.eval.metrics).map(([k, v]) => [k, num(v)])),
    strategy: r.eval.strategy,
    /** execution lag in trading days: the scores of date t are traded at close t + lag (the strategy's, default 1) */
    lag: r.eval.strategy.lag,
    ...(r.alternatives?.length
      ? {
          alternatives: Object.fromEntries(
            r.alternatives.map((a) => [
              a.name,
              { label: a.label, portfolio: Object.fromEntries(Object.entries(a.eval.metrics).map(([k, v]) => [k, num(v)])) },
            ]),
          ),
        }
      : {}),
    groups: r.groups.map((g) => ({
      label: g.label,
      train: g.train,
      valid: g.valid,
      test: g.test,
      epochs: g.history.epochs.length,
      bestEpoch: g.history.bestEpoch,
      bestValMetric: g.history.bestValMetric,
      stoppedEarly: g.history.stoppedEarly,
    })),
    timings: r.timings,
    warnings: r.warnings,
    ...(r.monthEnd ? { monthEnd: Object.fromEntries(Object.entries(r.monthEnd).map(([k, v]) => [k, num(v)])) } : {}),
  };
}

/** alpha / IR / IC of the same scores on every universe of the panel (the results table's columns) */
export function universeSummary(us: UniverseMetrics[]) {
  const num = (v: number) => (Number.isFinite(v) ? v : null);
  return Object.fromEntries(
    us.map((u) => [
      u.universe,
      { alpha: num(u.metrics.alpha), ir: num(u.metrics.ir), ic: num(u.metrics.ic), rankIc: num(u.metrics.rankIc) },
    ]),
  );
}

export interface MetricsInput {
  name: string;
  created: string;
  panel: Panel;
  /** the run's dataset spec plus what loading it noted */
  dataset: Record<string, unknown> & { notes?: string[]; warnings?: string[] };
  backend: { name: string; reason: string; probes?: unknown };
  methods: { label: string; output: MethodOutput }[];
}

/** the whole metrics.json object */
export function buildMetrics(m: MetricsInput) {
  const { panel, methods } = m;
  const first = methods[0]?.output.run;
  const results = methods.map(({ label, output }) => ({ label, r: output as RunResult }));
  const { notes, warnings, ...spec } = m.dataset;
  return {
    name: m.name,
    created: m.created,
    dataset: {
      ...spec,
      source: panel.source.name,
      T: panel.dates.length,
      N: panel.tickers.length,
      F: panel.factorNames.length,
      start: panel.dates[0],
      end: panel.dates[panel.dates.length - 1],
      horizons: panel.horizons,
      notes: notes ?? [],
      warnings: warnings ?? [],
    },
    split: first?.split,
    universe: first?.universe,
    backend: m.backend,
    // the Deep Factor Model paper's Table 4 for rolling runs: long-short return / volatility / Sharpe, month-end MAE / RMSE
    ...(results.some(({ r }) => r.monthEnd) ? { table4: table4(results) } : {}),
    models: Object.fromEntries(
      methods.map(({ label, output }) => [
        label,
        {
          ...runMetrics(label, output),
          universes: universeSummary(output.universes ?? []),
          ...(output.explanation ? { explain: explainSummary(panel, output.explanation) } : {}),
        },
      ]),
    ),
  };
}
