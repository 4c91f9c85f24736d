/**
 * window.__lab: the small read-only API the Playwright specs use (ECharts draws on canvas, so the
 * numbers are read here). getState() is a JSON summary; chartData(id) is what chart `id` was given.
 */
import { useLab } from '../state/store';
import { dailyReturns, monthlyReturns, type MonthlyReturns } from '../state/tearsheet';
import { groundTruthView, type GroundTruthRow } from '../state/ground-truth';
import { bookOn, type SignalSheet } from '../state/signal-sheet';
import { icViews, mergedMetrics, methodViews, tableViewOf } from '../state/views';
import { seriesByKey } from '../state/entries';
import { explainedResult, groupSharesOverTime, stockContribution, type StockContribution } from '../state/explain-views';
import { modelViews } from './model-views';
import { chartSeries, mountedCharts, type ChartSeriesData } from './charts/registry';
import { currentCsv, downloadCsv } from './panels/ResultsTable';

export interface LabSnapshot {
  data: {
    status: 'empty' | 'loading' | 'ready';
    activity: string | null;
    /** the current / last load's steps (state, ms) and the panel cache's part in it */
    steps: { id: string; state: string; ms: number | null; detail: string | null }[];
    cache: null | { hit: boolean; store: string; notice: string | null };
    /** true while the panel cache save of the last (cold) load still runs in the worker, after the load's reply */
    cacheSaving: boolean;
    loadMs: number | null;
    summary: null | {
      name: string;
      kind: string;
      start: string;
      end: string;
      days: number;
      stocks: number;
      factors: number;
      factorGroups: string[];
      mb: number;
      universes: string[];
      industries: number;
      edgeDays: number;
      tables: string[];
      /** the SQL console's tables: row counts, and which are built from the panel on first use (factors, ...) */
      tableRows?: Record<string, number>;
      lazyTables?: string[];
      factorNames?: string[];
      horizons?: number[];
      /** mean members per date of each universe (members that are in the cross-section) */
      universeMembers?: Record<string, number>;
    };
  };
  run: unknown;
  models: string[];
  training: {
    status: string;
    backendPref: string;
    backendInUse: string | null;
    backendReason: string | null;
    progress: null | {
      phase: string;
      epoch: number;
      epochs: number;
      step: number;
      steps: number;
      fraction: number;
      elapsedMs: number;
      etaMs: number | null;
      etaRough: boolean;
    };
    lossPoints: number;
    validPoints: number;
    /** saved split groups of the running or last stopped run (null = none) */
    checkpoint: null | { runKey: string; label: string; model: string; groups: string[]; done: number; total: number };
  };
  results: {
    models: string[];
    /** one row per entry: method = model id (two entries of one model share it), label = the entry's display label */
    metrics: null | { columns: string[]; rows: { method: string; label: string; values: Record<string, number> }[] };
    /** series lengths per method */
    cumExcess: Record<string, number>;
    ic: Record<string, number>;
    /** the strategy each result was evaluated with */
    strategies: Record<string, unknown>;
    /** universes each result was evaluated on */
    universes: Record<string, string[]>;
    /** "Compare methods" queue while it runs */
    queue: null | { ids: string[]; index: number };
    reevalStatus: string;
    tablePreset: string;
    /** the user's benchmark series (null = equal-weighted universe) and the benchmark label each result was evaluated against */
    benchmark: null | { name: string; rows: number; first: string; last: string };
    benchmarkLabels: Record<string, string>;
    /** a failed re-evaluation / benchmark load */
    error: string | null;
  };
  sql: { status: string; columns: string[]; rows: number; error: string | null; notes?: string[]; activity?: string | null };
  lastError: null | { where: string; message: string; hint?: string };
  urlWarnings: string[];
}

/** A JSON-safe summary of the store. */
export function snapshot(): LabSnapshot {
  const s = useLab.getState();
  const sum = s.summary;
  const metrics = mergedMetrics(s.results);
  return {
    data: {
      status: s.dataStatus,
      activity: s.dataActivity,
      steps: (s.dataSteps ?? []).map((x) => ({ id: x.id, state: x.state, ms: x.ms ?? null, detail: x.detail ?? null })),
      cache: sum?.cache ? { hit: sum.cache.hit, store: sum.cache.store, notice: sum.cache.notice ?? null } : null,
      cacheSaving: !!sum?.cache?.saving,
      loadMs: sum?.loadMs ?? null,
      summary: sum && {
        name: sum.name,
        kind: sum.kind,
        start: sum.dates.start,
        end: sum.dates.end,
        days: sum.dates.count,
        stocks: sum.stocks,
        factors: sum.factors.length,
        factorGroups: [...new Set(sum.factors.map((f) => f.group))],
        mb: sum.bytes / 1e6,
        universes: sum.universes.map((u) => u.name),
        industries: sum.industries.length,
        edgeDays: sum.edges.dates.length,
        tables: sum.tables.map((t) => t.name),
        tableRows: Object.fromEntries(sum.tables.map((t) => [t.name, t.rows])),
        lazyTables: sum.tables.filter((t) => t.lazy).map((t) => t.name),
        factorNames: sum.factors.map((f) => f.name),
        horizons: sum.horizons ?? [],
        universeMembers: Object.fromEntries(sum.universes.map((u) => [u.name, u.avgMembers])),
      },
    },
    run: s.run,
    models: s.models.map((m) => m.id),
    training: {
      status: s.trainStatus,
      backendPref: s.backendPref,
      backendInUse: s.backendInUse,
      backendReason: s.backendReason,
      progress: s.progress && {
        phase: s.progress.phase,
        epoch: s.progress.epoch,
        epochs: s.progress.epochs,
        step: s.progress.step,
        steps: s.progress.steps,
        fraction: s.progress.fraction,
        elapsedMs: s.progress.elapsedMs,
        etaMs: s.progress.etaMs ?? null,
        etaRough: s.progress.etaRough ?? false,
      },
      lossPoints: s.lossCurve.length,
      validPoints: s.validCurve.length,
      checkpoint: s.checkpoint && {
        runKey: s.checkpoint.runKey,
        label: s.checkpoint.label,
        model: s.checkpoint.run.model,
        groups: s.checkpoint.groups.map((g) => g.label),
        done: s.checkpoint.groups.length,
        total: s.checkpoint.total,
      },
    },
    results: {
      models: s.results.map((r) => r.model),
      metrics: metrics && {
        columns: metrics.columns.map((c) => c.key),
        rows: metrics.rows.map((r) => ({ method: r.method, label: r.label, values: r.values })),
      },
      cumExcess: Object.fromEntries(methodViews(s.results).map((m) => [m.method, m.cumExcess.length])),
      ic: Object.fromEntries(icViews(s.results, s.icWindow).map((m) => [m.method, m.ic.length])),
      strategies: Object.fromEntries(s.results.map((r) => [r.model, r.run.strategy])),
      universes: Object.fromEntries(s.results.map((r) => [r.model, (r.universes ?? []).map((u) => u.universe)])),
      queue: s.queue && { ids: s.queue.ids, index: s.queue.index },
      reevalStatus: s.reevalStatus,
      tablePreset: s.tablePreset,
      benchmark: s.benchmark && { ...s.benchmark },
      benchmarkLabels: Object.fromEntries(s.results.map((r) => [r.model, r.benchmark.label])),
      error: s.resultsError?.message ?? null,
    },
    sql: {
      status: s.queryStatus,
      columns: s.queryResult?.columns ?? [],
      rows: s.queryResult?.rows.length ?? 0,
      error: s.queryError?.message ?? null,
      notes: s.queryResult?.notes ?? [],
      activity: s.queryActivity ?? null,
    },
    lastError: s.lastError && { where: s.lastError.where, message: s.lastError.message, hint: s.lastError.hint },
    urlWarnings: s.urlWarnings,
  };
}

/** The results table as shown: values in raw units (NaN as null), marks per cell. */
export interface ResultsTableSnapshot {
  title: string;
  preset: string;
  /** [M] display labels and model ids */
  methods: string[];
  ids: string[];
  universes: string[];
  columns: { key: string; label: string; better: string; format: string }[];
  /** [M][U x C] values, universe-major (cells[m][u * C + c]) */
  cells: (number | null)[][];
  marks: ('best' | 'second' | null)[][];
}

/** The results table of the current state, or null without results. */
export function resultsTableSnapshot(): ResultsTableSnapshot | null {
  const s = useLab.getState();
  const v = tableViewOf(s);
  if (!v) return null;
  const t = v.table;
  return {
    title: t.title,
    preset: s.tablePreset,
    methods: t.methods,
    ids: v.ids,
    universes: t.universes,
    columns: t.columns.map((c) => ({ key: c.key, label: c.label, better: c.better, format: c.format })),
    cells: t.cells.map((row) => row.map((c) => (Number.isFinite(c.value) ? c.value : null))),
    marks: t.cells.map((row) => row.map((c) => c.mark)),
  };
}

export interface LabTestApi {
  getState(): LabSnapshot;
  /**
   * Series set on chart id; null if not on screen. Ids: 'edges', 'industries', 'loss', 'splits' (split timeline),
   * 'cumExcess' | 'netValue' (the toggle), 'drawdown', 'turnover', 'ic' (IC or rank IC, the toggle), 'icHeatmap',
   * 'quantiles', 'monotonicity'; Explain: 'lrpStock' (waterfall: 'base', 'contribution', 'value' = signed steps),
   * 'lrpGroupShares' (one stacked series per factor group, %), 'dmfmAttention', 'dmfmFaithfulness', 'dmfmEstimatePortfolio' (f_k and f-hat_k cumulative excess), 'industryProportion', 'edges' (one line per universe).
   */
  chartData(id: string): ChartSeriesData[] | null;
  charts(): string[];
  /** the results table as shown (preset, universes), with best / second marks */
  resultsTable(): ResultsTableSnapshot | null;
  /** one stock's LRP contributions on an explained date (last explained result); null if not explained */
  explainStock(date: string, ticker: string): StockContribution | null;
  /** the explanation of the last explained result: dates, groups, group shares per date (%), Table 5; DMFM attention summary */
  explanation(): null | {
    model: string;
    method: string;
    dates: string[];
    groups: string[];
    share: number[][];
    table5: { group: string; lrpShare: number; spearman: number; kendall: number }[];
    /** top-quintile stock tickers per date (first date) */
    tickers: string[];
  };
  /**
   * a model's own test data, registered with its views (src/models/<id>/views testApi), e.g. view('dmfm'): DMFM's mean
   * attention and faithfulness; undefined when no model registered `name`
   */
  view(name: string): unknown;
  /** synthetic market: per trained model, mean correlation of its score with each planted part (null otherwise) */
  groundTruth(): GroundTruthRow[] | null;
  /** tear sheet of one method (an entry's label or a model id; default the latest): compounded returns per month [year][12] and per year */
  monthlyReturns(method?: string): MonthlyReturns | null;
  /**
   * the signal tear sheet of one method (default the latest with one): IC decay, IC by industry, quantile curves,
   * rank autocorrelation and quintile turnover, return distribution, the book per rebalance (charts: chartData
   * 'icDecay', 'industryIc', 'quantileCum', 'rankAutocorr', 'quantileTurnover', 'returnDistribution')
   */
  signalSheet(method?: string): SignalSheet | null;
  /** the book (tickers and weights) of one method in force on an ISO date */
  signalBook(date: string, method?: string): ReturnType<typeof bookOn>;
  /** the CSV text the "Export CSV" button downloads (null without results) */
  exportCsv(): string | null;
  /** click-free download through the same code path as the button; returns the file name */
  downloadCsv(): string | null;
}

declare global {
  interface Window {
    __lab?: LabTestApi;
  }
}

/** Install window.__lab. */
export function installTestApi(win: Window = window): void {
  win.__lab = {
    getState: snapshot,
    chartData: chartSeries,
    charts: mountedCharts,
    resultsTable: resultsTableSnapshot,
    explainStock: (date, ticker) => {
      const r = explainedResult(useLab.getState().results);
      return r ? stockContribution(r, date, ticker) : null;
    },
    explanation: () => {
      const r = explainedResult(useLab.getState().results);
      const ex = r?.explanation,
        g = r ? groupSharesOverTime(r) : null;
      if (!r || !ex || !g) return null;
      const d0 = ex.dates[0];
      return {
        model: r.model,
        method: ex.methodLabel,
        dates: g.dates,
        groups: g.groups,
        share: g.share,
        table5: ex.table5.map((t) => ({ group: t.group, lrpShare: t.lrpShare, spearman: t.spearman, kendall: t.kendall })),
        tickers: d0 && r.tickers ? Array.from(d0.top, (m) => r.tickers![d0.stocks[m]]) : [],
      };
    },
    view: (name) => modelViews.find((v) => v.testApi?.[name])?.testApi![name](useLab.getState().results),
    exportCsv: currentCsv,
    monthlyReturns: (method) => {
      // an entry's display label or a model id (state/entries.ts)
      const m = seriesByKey(useLab.getState().results, method, (x) => x.dates.length > 1);
      return m ? monthlyReturns(m.dates, dailyReturns(m.nav ?? m.cumReturn.map((v) => v + 1))) : null;
    },
    signalSheet: (method) => signalOf(method)?.signal ?? null,
    signalBook: (date, method) => {
      const m = signalOf(method);
      return m?.signal ? bookOn(m.signal, date) : null;
    },
    groundTruth: () => groundTruthView(useLab.getState().results, useLab.getState().loadedSpec),
    downloadCsv,
  };
}

function signalOf(method?: string) {
  return seriesByKey(useLab.getState().results, method, (m) => !!m.signal);
}
