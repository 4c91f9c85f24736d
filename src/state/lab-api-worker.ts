/**
 * The shipped LabApi: adapts the UI's interface (lab-api.ts) to the lab worker client (src/train/client.ts).
 * The only file in state/ that knows the worker's message shapes (protocol.ts DatasetSummary, loop.ts
 * TrainProgress, runner.ts RunResult); everything above it sees lab-api.ts types only.
 */
import type { RunConfig } from '../core/run';
import { LabError } from '../core/errors';
import { METRICS, type MetricKey } from '../eval/metrics';
import { createLabClient, type LabClient, type TrainHandle } from '../train/client';
import type { TrainProgress as EngineProgress } from '../train/loop';
import type { DatasetSummary as EngineSummary, QueryResult as EngineQuery, TrainOutput } from '../train/protocol';
import type { AlternativeEval, UniverseMetrics } from '../train/reevaluate';
import type { EvalResult } from '../eval/evaluate';
import { evalDateOf, toSignalSheet } from './signal-sheet';
import { relabel } from './experiments';
import { bundleMethodLabel } from './method-labels';
import type {
  AlternativeResult,
  BackendName,
  DatasetSummary,
  LabApi,
  MetricColumn,
  ModelInfo,
  QueryResult,
  TrainProgress,
  TrainResult,
  UniverseResult,
} from './lab-api';

/** Metrics shown in the Results table, in order (definitions, labels and directions from src/eval METRICS). */
export const RESULT_METRICS: MetricKey[] = ['ic', 'rankIc', 'icir', 'rankIcir', 'alpha', 'ir', 'mdd', 'sharpe', 'turnover'];

/** Engine summary -> UI summary. `fileBytes` is the size of the user's file, if any. */
export function toSummary(s: EngineSummary, fileBytes?: number): DatasetSummary {
  const K = s.industryProportion.industries.length;
  const M = s.industryProportion.dates.length;
  // industry share averaged over the month ends that have members: mean_m share[m, k]   (share is [M, K] row-major;
  // a month end without members is a NaN row)
  const rows: number[] = [];
  for (let m = 0; m < M; m++) if (Number.isFinite(s.industryProportion.share[m * K])) rows.push(m);
  const industries = s.industryProportion.industries.map((name, k) => {
    let sum = 0;
    for (const m of rows) sum += s.industryProportion.share[m * K + k];
    return { name, share: rows.length ? sum / rows.length : 0 };
  });
  industries.sort((a, b) => b.share - a.share);
  return {
    name: s.name,
    kind: s.kind,
    dates: { start: s.start, end: s.end, count: s.T },
    stocks: s.N,
    factors: s.factorNames.map((name, i) => ({ name, group: s.factorGroups[i] ?? 'other' })),
    universes: s.universes.map((u) => ({ name: u.name, description: u.description, avgMembers: u.meanMembers })),
    bytes: s.mb * 1e6,
    fileBytes,
    // Figure 3: NaN (a universe without members that day) stays NaN; the chart draws it as a gap
    edges: {
      dates: s.edgesPerStock.dates,
      avgEdges: Array.from(s.edgesPerStock.values),
      byUniverse: s.edgesPerStock.byUniverse.map((u) => ({ name: u.name, avgEdges: Array.from(u.values) })),
    },
    industries,
    // Figure 4: industry shares over time, the month ends that have members; [M'][K]
    industryProportion: {
      dates: rows.map((m) => s.industryProportion.dates[m]),
      industries: s.industryProportion.industries.slice(),
      share: rows.map((m) => Array.from(s.industryProportion.share.subarray(m * K, (m + 1) * K))),
    },
    tables: s.tables,
    notes: s.notes,
    warnings: s.warnings,
    tradingDays: s.edgesPerStock.dates, // summarizePanel sends the panel's dates here
    horizons: s.horizons,
    loadMs: s.load_ms,
    ...(s.cache
      ? {
          cache: {
            hit: s.cache.hit,
            store: s.cache.store,
            savedAt: s.cache.savedAt,
            notice: s.cache.notice,
            ...(s.cache.saving ? { saving: true } : {}),
          },
        }
      : {}),
  };
}

/** Worker progress -> UI progress, with an overall fraction across walk-forward groups. */
export function toProgress(p: EngineProgress, run: RunConfig, elapsedMs: number, backend: BackendName | undefined): TrainProgress {
  const groups = Math.max(1, p.groups ?? 1);
  const g = Math.min(groups - 1, Math.max(0, p.group ?? 0)); // 0-based in the engine
  const within =
    p.phase === 'done' || p.phase === 'predict'
      ? 1
      : p.epochs > 0
        ? Math.min(1, (Math.max(0, p.epoch - 1) + (p.steps > 0 ? p.step / p.steps : 0)) / p.epochs)
        : 0;
  const VAL_LABELS: Record<string, string> = { rank_ic: 'rank IC', ic: 'IC', portfolio: 'portfolio return', nll: '−NLL' };
  const metric = VAL_LABELS[String(run.config.valMetric ?? 'rank_ic')] ?? 'rank IC';
  const messages: Record<EngineProgress['phase'], string> = {
    fit: 'fitting (closed form)',
    train: 'training',
    validate: 'validating',
    predict: 'predicting the test dates',
    done: 'fitted',
  };
  const out: TrainProgress = {
    phase: p.phase === 'predict' ? 'evaluating' : 'training',
    message: groups > 1 ? `${messages[p.phase]} · group ${g + 1}/${groups}` : messages[p.phase],
    backend,
    epoch: p.epoch,
    epochs: p.epochs,
    step: p.step,
    steps: p.steps,
    group: g + 1,
    groups,
    fraction: Math.min(1, (g + within) / groups),
    elapsedMs,
    validMetric: metric,
  };
  if (p.phase === 'train' && Number.isFinite(p.lossTerms.loss)) out.loss = p.lossTerms.loss;
  // the validation metric of an epoch arrives once, with the 'validate' message at its end
  if ((p.phase === 'validate' || p.phase === 'done') && p.valMetric !== null) out.validIC = p.valMetric;
  return out;
}

/** Engine universe metrics -> UI rows. */
const toUniverses = (u: UniverseMetrics[] | undefined): UniverseResult[] | undefined =>
  u?.map((x) => ({ universe: x.universe, description: x.description, values: { ...x.metrics }, icDates: x.icDates }));

/** The evaluation part of a UI result (metrics row, every series, universes) from one EvalResult. */
export function evalParts(
  e: EvalResult,
  method: string,
  label: string,
  universes?: UniverseMetrics[],
  tickers?: string[],
): Pick<TrainResult, 'metrics' | 'series' | 'benchmark' | 'allMetrics' | 'universes' | 'strategy'> {
  const columns: MetricColumn[] = RESULT_METRICS.map((k) => ({
    key: k,
    label: METRICS[k].label,
    format: METRICS[k].format,
    better: METRICS[k].better,
    help: METRICS[k].definition,
  }));
  const values: Record<string, number> = {};
  for (const k of RESULT_METRICS) values[k] = e.metrics[k];
  const st = e.strategy;
  return {
    metrics: { columns, rows: [{ method, label, values }] },
    series: [
      {
        method,
        label,
        dates: e.series.iso,
        cumReturn: Array.from(e.series.nav, (v) => v - 1),
        cumExcess: Array.from(e.series.cumExcess),
        icDates: e.evalIso,
        ic: Array.from(e.ic),
        rankIc: Array.from(e.rankIc),
        nav: Array.from(e.series.nav),
        benchNav: Array.from(e.series.benchNav),
        drawdown: Array.from(e.series.drawdown),
        monthly: { years: e.monthlyIc.years.slice(), ic: Array.from(e.monthlyIc.values), rankIc: Array.from(e.monthlyRankIc.values) },
        quantiles: {
          groups: e.quantiles.groups,
          horizon: e.settings.horizon,
          mean: Array.from(e.quantiles.mean),
          monotonicity: e.quantiles.monotonicity,
        },
        rebalances: { dates: e.rebalances.iso, turnover: Array.from(e.rebalances.turnover), holdings: Array.from(e.rebalances.holdings) },
        ...(e.signal ? { signal: toSignalSheet(e.signal, evalDateOf(e), tickers) } : {}),
      },
    ],
    benchmark: { label: e.settings.benchmark, dates: e.series.iso, cumReturn: Array.from(e.series.benchNav, (v) => v - 1) },
    allMetrics: { ...e.metrics },
    universes: toUniverses(universes),
    strategy: {
      kind: st.kind,
      groups: st.groups,
      rebalance: st.rebalance,
      k: st.k,
      n: st.n,
      eta: st.eta,
      cap: st.cap,
      horizon: st.horizon,
      openCost: st.openCost,
      closeCost: st.closeCost,
    },
  };
}

/** Worker run result -> UI result: metrics row, every evaluation series, the benchmark, universes, stored scores. */
export function toResult(r: TrainOutput): TrainResult {
  const label = r.model.name;
  return {
    model: r.model.id,
    label,
    backend: r.backend.backend as BackendName,
    backendReason: r.backend.reason,
    run: r.run,
    elapsedMs: r.timings.total_ms,
    ...evalParts(r.eval, r.model.id, label, r.universes, r.tickers),
    scores: r.scoresByHorizon
      ? {
          scoresByHorizon: r.scoresByHorizon,
          testIndex: r.testIndex,
          horizons: r.horizons,
          ...(r.channels?.length ? { channels: Object.fromEntries(r.channels.map((c) => [c.spec.name, c.values])) } : {}),
        }
      : undefined,
    groups: r.groups?.map((g) => ({ label: g.label, train: g.train, valid: g.valid, test: g.test })),
    warnings: r.warnings,
    tickers: r.explanation ? r.tickers : undefined,
    explanation: r.explanation,
    explainNote: r.explainNote,
    groupExtras: r.groups?.some((g) => g.extras) ? r.groups.map((g) => ({ label: g.label, extras: g.extras ?? {} })) : undefined,
    alternatives: alternativeResults(r.alternatives, r.model.id, label),
    ...(r.holdout ? { holdout: { stocks: r.holdout.stocks.slice(), candidates: r.holdout.candidates } } : {}),
  };
}

/**
 * A run bundle's methods -> UI results, each named as the page names its own runs (bundleMethodLabel: the runner's
 * default label, the model id, becomes the model's display name) in the table row, every series and alternative, with
 * the bundle's own label kept as `bundleLabel`. The one path of Open run (openRun) and the notebook (scripts/notebook.ts).
 */
export function openedResults(runKey: string, methods: { label: string; output: TrainOutput }[]): TrainResult[] {
  const names = methods.map(({ label, output }) => bundleMethodLabel(label, output.model, output.run));
  return methods.map(({ label, output }, i) => {
    // two methods shown under one name (a label 'Linear' beside the runner's 'linear'): both keep their own labels
    const shown = names.indexOf(names[i]) === names.lastIndexOf(names[i]) ? names[i] : label;
    return { ...relabel(toResult(output), shown), bundle: runKey, ...(shown !== label ? { bundleLabel: label } : {}) };
  });
}

/** Alternative score evaluations -> UI: each an extra method '<model>:<name>' with its metrics and series. */
export function alternativeResults(alts: AlternativeEval[] | undefined, model: string, label: string): AlternativeResult[] | undefined {
  if (!alts?.length) return undefined;
  return alts.map((a) => {
    const method = `${model}:${a.name}`;
    const p = evalParts(a.eval, method, `${label} · ${a.label}`);
    return {
      name: a.name,
      method,
      label: `${label} · ${a.label}`,
      metrics: p.allMetrics!,
      series: p.series[0],
      universes: toUniverses(a.universes),
    };
  });
}

const toQuery = (q: EngineQuery): QueryResult => ({
  columns: q.columns.map((c) => c.name),
  rows: q.rows,
  truncated: q.truncated,
  totalRows: q.totalRows,
  ...(q.notes ? { notes: q.notes } : {}),
});

/** The engine behind the UI: one lab worker per page (started on first use). */
export function createWorkerLabApi(makeClient: () => LabClient = createLabClient): LabApi {
  let client: LabClient | null = null;
  const c = () => (client ??= makeClient());
  let handle: TrainHandle | null = null;
  let pausedAt: number | null = null;
  let pausedMs = 0;
  let backendChoice: { pref: string; name: BackendName } | null = null;
  /** each result's full engine output (Save run writes it into the bundle); re-evaluation carries it along */
  const outputs = new WeakMap<TrainResult, TrainOutput>();
  const keep = (res: TrainResult, out: TrainOutput) => (outputs.set(res, out), res);

  return {
    async loadDataset(spec, prep, fileBytes, onSteps) {
      const size = fileBytes?.byteLength; // read before the buffer is transferred (detached)
      return toSummary(await c().loadDataset(spec, prep.preprocessing, fileBytes, undefined, onSteps && ((p) => onSteps(p.steps))), size);
    },
    cacheSaved: () => c().cacheSaved(),
    async query(sql) {
      return toQuery(await c().query(sql));
    },
    exportQuery: (sql, format) => c().exportQuery(sql, format),
    async train(run, onProgress, signal, opts) {
      const t0 = performance.now();
      pausedMs = 0;
      pausedAt = null;
      // select the backend first (the worker keeps the choice for the run) so progress can name it from the start
      const pref = run.backend ?? 'auto';
      if (!backendChoice || backendChoice.pref !== pref) backendChoice = { pref, name: (await c().initBackend(pref)).backend };
      const backend = backendChoice.name;
      if (signal.aborted) throw Object.assign(new Error('Training cancelled'), { name: 'AbortError' });
      const h = c().train(run, {
        signal,
        onProgress: (p) => onProgress(toProgress(p, run, performance.now() - t0 - pausedMs, backend)),
        onGroupDone: opts?.onGroupDone,
        resume: opts?.resume,
      });
      handle = h;
      try {
        const out = await h.result;
        return keep(toResult(out), out);
      } finally {
        if (handle === h) handle = null;
      }
    },
    setPaused(paused) {
      if (!handle) return;
      if (paused) {
        pausedAt = performance.now();
        void handle.pause();
      } else {
        if (pausedAt !== null) pausedMs += performance.now() - pausedAt;
        pausedAt = null;
        void handle.resume();
      }
    },
    async evaluate(result, run) {
      if (!result.scores) throw new LabError(`${result.label}: this result has no stored scores to re-evaluate.`, 'Train the model again.');
      const evRun: RunConfig = { ...result.run, strategy: run.strategy };
      // the model's channels (sigma, weights, alternative scores) are re-evaluated in the same request, same strategy
      const out = await c().evaluate(evRun, result.scores, result.bundle);
      const next: TrainResult = {
        ...result,
        run: evRun,
        ...evalParts(out.eval, result.model, result.label, out.universes, outputs.get(result)?.tickers ?? result.tickers),
        warnings: out.eval.warnings,
        alternatives: alternativeResults(out.alternatives, result.model, result.label),
      };
      const prev = outputs.get(result);
      if (prev)
        keep(next, {
          ...prev,
          run: evRun,
          eval: out.eval,
          universes: out.universes,
          alternatives: out.alternatives,
          warnings: out.eval.warnings,
        });
      return next;
    },
    async saveRun(results, name, notes) {
      const methods = results.map((r) => {
        const output = outputs.get(r);
        if (!output) throw new LabError(`Save run: the result of ${r.label} has no stored engine output.`, 'Train it again in this page.');
        return { label: r.bundleLabel ?? r.label, output };
      });
      const from = new Set(results.map((r) => r.bundle ?? ''));
      if (from.size > 1)
        throw new LabError(
          'Save run: the results come from different runs (an opened bundle and this page, or two bundles).',
          'Save each run on its own: open one run, save it, then the other.',
        );
      return c().saveBundle(name, methods, { bundle: results[0]?.bundle, notes });
    },
    async openRun(bytes) {
      const run = await c().openBundle(bytes);
      const results = openedResults(run.manifest.runKey, run.methods).map((res, i) => keep(res, run.methods[i].output));
      return { manifest: run.manifest, metrics: run.metrics, results, bytes: run.bytes };
    },
    async loadBenchmark(fileBytes, name) {
      return c().loadBenchmark(fileBytes, name);
    },
    async clearBenchmark() {
      await c().clearBenchmark();
    },
    warmUp() {
      c();
    },
    async listModels(): Promise<ModelInfo[]> {
      // the registry carries the model code (tfjs) too: loaded as a separate chunk, off the first paint
      const { models } = await import('../models/registry');
      return models.map((m) => ({ id: m.id, label: m.name, description: m.description, configSchema: m.configSchema }));
    },
  };
}
