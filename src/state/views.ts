/** Derived views over the store for the Results panel and the test API (pure functions of state). */
import type { RunConfig, SplitConfig, StrategyConfig } from '../core/run';
import { makeSplits, splitTimeline, type TimelineRow } from '../data/splits';
import { rollingMean } from '../eval/ic';
import { METRICS } from '../eval/metrics';
import { methodOfLabel } from '../eval/seeds';
import { TABLE_PRESETS, buildResultsTable, type ResultRow, type ResultsTable, type TableColumn } from '../eval/table';
import type { MethodSeries, MetricsTable, TrainResult } from './lab-api';
import type { LabState, TablePreset } from './store';
import { HOLDOUT_MARK } from './experiments';

/**
 * One series per method across results (a model's alternative scores are methods too): the latest result wins. A
 * method is the model id and its result's label without `@<seed>` and the held-out mark, so the seeds of one method
 * (and its holdout run) share one line as before, while two entries of one model under their own labels (a bundle's
 * `factorvae` and `factorvae-prior`) are two lines (each in its model's colour, named by its label).
 */
export function methodViews(results: TrainResult[]): MethodSeries[] {
  const byMethod = new Map<string, MethodSeries>();
  for (const r of results) {
    const own = methodOfLabel(r.label).replace(HOLDOUT_MARK, '');
    for (const s of [...r.series, ...(r.alternatives ?? []).map((a) => a.series)]) byMethod.set(`${s.method}\u0000${own}`, s);
  }
  // the second, third, ... line of one model (an ablation such as factorvae-prior) keeps the model's colour and gets
  // a dashed / dash-dot line, so two lines of one colour stay apart
  const seen = new Map<string, number>();
  return [...byMethod.values()].map((s) => {
    const k = seen.get(s.method) ?? 0;
    seen.set(s.method, k + 1);
    return k === 0 ? s : { ...s, variant: k };
  });
}

/** Benchmark of the latest result, or null. */
export function benchmarkView(results: TrainResult[]): TrainResult['benchmark'] | null {
  return results.length ? results[results.length - 1].benchmark : null;
}

/**
 * Metrics rows merged across results, one per entry by display label (latest row per label wins, so two entries of one
 * model, e.g. factorvae and factorvae-prior, or two seeds, keep a row each), columns of the latest result.
 */
export function mergedMetrics(results: TrainResult[]): MetricsTable | null {
  if (!results.length) return null;
  const rows = new Map<string, MetricsTable['rows'][number]>();
  const columns = results[results.length - 1].metrics.columns;
  for (const r of results) {
    for (const row of r.metrics.rows) rows.set(row.label, row);
    for (const a of r.alternatives ?? [])
      rows.set(a.label, {
        method: a.method,
        label: a.label,
        values: Object.fromEntries(columns.map((c) => [c.key, a.metrics[c.key] ?? NaN])),
      });
  }
  return { columns, rows: [...rows.values()] };
}

/** IC (or rank IC) series with its trailing rolling mean, per method. */
export function icViews(results: TrainResult[], window: number, kind: 'ic' | 'rankIc' = 'ic') {
  return methodViews(results)
    .map((m) => ({ m, x: kind === 'rankIc' ? (m.rankIc ?? []) : m.ic }))
    .filter(({ x }) => x.length > 0)
    .map(({ m, x }) => ({
      method: m.method,
      label: m.label,
      variant: m.variant,
      dates: m.icDates,
      ic: x,
      rolling: Array.from(rollingMean(x, window)),
    }));
}

// ---------------------------------------------------------------- results table (paper style)

/** The lab's own overview columns (src/eval/metrics.ts METRICS keys). */
export const LAB_COLUMNS: TableColumn[] = [
  { key: 'ic', label: 'IC' },
  { key: 'rankIc', label: 'Rank IC' },
  { key: 'icir', label: 'ICIR' },
  { key: 'alpha', label: 'α (%)' },
  { key: 'ir', label: 'IR' },
  { key: 'sharpe', label: 'SR' },
  { key: 'mdd', label: 'MDD (%)' },
  { key: 'turnover', label: 'TT' },
];

/** Menu of table presets: the lab overview and the four papers' column sets. */
export const TABLE_PRESET_MENU: { id: TablePreset; label: string }[] = [
  { id: 'paper-dmfm', label: `${TABLE_PRESETS['paper-dmfm'].title}: α, ICIR, IR, SR` },
  { id: 'paper-e2eai', label: `${TABLE_PRESETS['paper-e2eai'].title}: α, IR, MD, TT, n̄` },
  { id: 'paper-factorvae', label: `${TABLE_PRESETS['paper-factorvae'].title}: AR, SR, MDD, rank IC` },
  { id: 'paper-dfm', label: `${TABLE_PRESETS['paper-dfm'].title}: return, vol, SR, MAE, RMSE` },
  { id: 'lab', label: 'Lab overview: IC, rank IC, ICIR, α, IR, SR, MDD, TT' },
];

export interface ResultsTableView {
  table: ResultsTable;
  /** [M] model ids of table.methods (which holds the display labels) */
  ids: string[];
  /** every universe the results carry, in panel order (table.universes = the shown ones) */
  allUniverses: string[];
  /** per column: the metric's definition (src/eval METRICS) */
  definitions: Record<string, string>;
  /** shown universes where no method scored a stock (e.g. 'rest' of a 200-stock market): shown empty, never ranked */
  emptyUniverses: string[];
}

/**
 * Latest result per label, in finishing order: one per model, except the seeds of a comparison over seeds
 * (`<method>@<seed>`) and a holdout run (`<method> · held-out`), which sit beside each other (state/experiments.ts).
 */
export function latestResults(results: TrainResult[]): TrainResult[] {
  const by = new Map<string, TrainResult>();
  for (const r of results) {
    by.delete(r.label);
    by.set(r.label, r);
  }
  return [...by.values()];
}

/**
 * Methods x universes x metrics from the stored results (src/eval buildResultsTable: best / second marks per
 * universe and metric). Universes come from each result's per-universe evaluation, ordered as `order` (the panel's);
 * a result without one contributes its run universe. `hidden` universes are left out of the table.
 */
export function resultsTableView(
  results: TrainResult[],
  preset: TablePreset,
  order: string[] = [],
  hidden: string[] = [],
): ResultsTableView | null {
  const latest = latestResults(results);
  if (!latest.length) return null;
  const rows: ResultRow[] = [];
  const present = new Set<string>();
  for (const r of latest) {
    const us = r.universes?.length
      ? r.universes
      : [{ universe: r.run.universe, values: r.allMetrics ?? r.metrics.rows[0]?.values ?? {}, icDates: 1 }];
    for (const u of us) present.add(u.universe);
  }
  const allUniverses = [...order.filter((u) => present.has(u)), ...[...present].filter((u) => !order.includes(u))];
  let shown = allUniverses.filter((u) => !hidden.includes(u));
  if (!shown.length) shown = allUniverses.slice(0, 1);
  const idOf = new Map<string, string>();
  const scored = new Set<string>();
  for (const u of shown) {
    for (const r of latest) {
      const us = r.universes?.length
        ? r.universes
        : [{ universe: r.run.universe, values: r.allMetrics ?? r.metrics.rows[0]?.values ?? {}, icDates: 1 }];
      const hit = us.find((x) => x.universe === u);
      // a universe with no scored date has no metrics (its zeros would be ranked and marked best): an empty row
      const values = hit && hit.icDates === 0 ? {} : (hit?.values ?? {});
      if (hit && hit.icDates > 0) scored.add(u);
      rows.push({ method: r.label, universe: u, metrics: values as ResultRow['metrics'] });
      idOf.set(r.label, r.model);
      // the model's alternative scores, on every universe when evaluated there (else the run's universe only)
      for (const a of r.alternatives ?? []) {
        const ah = a.universes?.find((x) => x.universe === u);
        const au = ah ? (ah.icDates === 0 ? {} : ah.values) : u === (r.run.universe || 'all') ? a.metrics : {};
        rows.push({ method: a.label, universe: u, metrics: au as ResultRow['metrics'] });
        idOf.set(a.label, a.method);
      }
    }
  }
  const table = preset === 'lab' ? buildResultsTable(rows, LAB_COLUMNS, 'Lab overview') : buildResultsTable(rows, preset);
  const definitions = Object.fromEntries(table.columns.map((c) => [c.key, METRICS[c.key].definition]));
  // universes known to be empty for every result (a result without per-universe data says nothing)
  const emptyUniverses = shown.filter(
    (u) => !scored.has(u) && latest.every((r) => !r.universes?.length || r.universes.some((x) => x.universe === u && x.icDates === 0)),
  );
  return { table, ids: table.methods.map((label) => idOf.get(label) ?? label), allUniverses, definitions, emptyUniverses };
}

/** Most numeric columns the universes-as-column-groups layout shows before 'auto' switches to row blocks (1280 px). */
export const MAX_WIDE_COLUMNS = 12;

/** The layout the table uses: the user's choice, or columns while universes x metrics <= MAX_WIDE_COLUMNS. */
export const effectiveLayout = (v: ResultsTableView, layout: 'auto' | 'columns' | 'rows'): 'columns' | 'rows' =>
  layout !== 'auto' ? layout : v.table.universes.length * v.table.columns.length <= MAX_WIDE_COLUMNS ? 'columns' : 'rows';

/** A CSV text field: quoted when needed; a leading = + - @ (a spreadsheet formula) is defused with a quote mark. */
const csvText = (t: string): string => {
  const safe = /^[=+\-@\t\r]/.test(t) ? `'${t}` : t;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** Competition rank of `v` among `vals` (1 = best; ties share a rank); null when not ranked. */
function rankOf(v: number, vals: number[], better: 'higher' | 'lower' | 'none'): number | null {
  if (better === 'none' || !Number.isFinite(v) || vals.length < 2) return null;
  return 1 + vals.filter((x) => (better === 'higher' ? x > v : x < v)).length;
}

/**
 * CSV of the table as shown, for spreadsheets: one row per (method, universe); per metric its value as a plain number in
 * full precision (percent metrics x 100, as the column label says) and its rank among the methods in that universe
 * (1 = best by the metric's direction, ties share a rank; empty when the metric has no direction, the value is missing
 * or fewer than two methods have one). `period` = the test period the page shows (first and last evaluation date).
 */
export function resultsCsv(v: ResultsTableView, period: [string, string] | null = null): string {
  const t = v.table;
  const C = t.columns.length;
  const head = ['method', 'method_id', 'universe', 'test_start', 'test_end', ...t.columns.flatMap((c) => [c.label, `${c.label} rank`])];
  const lines = [head.map(csvText).join(',')];
  t.universes.forEach((u, ui) => {
    const colVals = t.columns.map((_, ci) => t.cells.map((row) => row[ui * C + ci].value).filter(Number.isFinite));
    t.methods.forEach((m, mi) => {
      const cells = t.columns.flatMap((c, ci) => {
        const x = t.cells[mi][ui * C + ci].value;
        const shown = Number.isFinite(x) ? (c.format === 'pct' ? x * 100 : x) : NaN;
        const r = rankOf(x, colVals[ci], c.better);
        return [Number.isFinite(shown) ? String(shown) : '', r === null ? '' : String(r)];
      });
      lines.push([csvText(m), csvText(v.ids[mi]), csvText(u), period?.[0] ?? '', period?.[1] ?? '', ...cells].join(','));
    });
  });
  return lines.join('\n') + '\n';
}

/** The test period the Results panel shows: first and last evaluation (formation) date of the latest result. */
export function testPeriod(results: TrainResult[]): [string, string] | null {
  const d = results[results.length - 1]?.series[0]?.icDates ?? [];
  return d.length ? [d[0], d[d.length - 1]] : null;
}

/** A file name for the CSV export, e.g. factor-lab-paper-dmfm-2019-01-02_2019-12-31.csv (the page's test period). */
export function csvFileName(preset: TablePreset, results: TrainResult[]): string {
  const p = testPeriod(results);
  return `factor-lab-${preset}${p ? `-${p[0]}_${p[1]}` : ''}.csv`;
}

// ---------------------------------------------------------------- split timeline

export interface TimelineView {
  rows: TimelineRow[];
  groups: { index: number; label: string }[];
  warnings: string[];
  /** first and last test date of the stitched out-of-sample period */
  test: [string, string] | null;
  testDays: number;
  /** a message when the split cannot be planned on this data (the rows are then empty) */
  error: string | null;
}

/** The split plan of `split` on the loaded panel's dates, as rows for the timeline chart (src/data/splits.ts). */
export function splitTimelineView(
  tradingDays: string[] | undefined,
  horizons: number[] | undefined,
  split: SplitConfig,
): TimelineView | null {
  if (!tradingDays?.length || !horizons?.length) return null;
  try {
    const plan = makeSplits(tradingDays, split, horizons);
    const rows = splitTimeline(plan, tradingDays);
    const tests = rows.filter((r) => r.segment === 'test');
    return {
      rows,
      groups: plan.groups.map((g) => ({ index: g.index, label: g.label })),
      warnings: plan.warnings,
      test: tests.length ? [tests[0].from, tests[tests.length - 1].to] : null,
      testDays: tests.reduce((a, r) => a + r.days, 0),
      error: plan.groups.length
        ? null
        : `The ${split.kind} split produces no groups on ${tradingDays.length} dates (${tradingDays[0]} … ${tradingDays[tradingDays.length - 1]}).`,
    };
  } catch (e) {
    return { rows: [], groups: [], warnings: [], test: null, testDays: 0, error: e instanceof Error ? e.message : String(e) };
  }
}

/** True when a result was computed with other strategy settings than `strategy` (needs a re-evaluation). */
export const strategyStale = (r: TrainResult, strategy: StrategyConfig): boolean =>
  JSON.stringify(r.run.strategy) !== JSON.stringify(strategy);

/** The results table as the Results panel shows it (preset, panel universe order, hidden universes). */
export function tableViewOf(s: Pick<LabState, 'results' | 'tablePreset' | 'summary' | 'hiddenUniverses'>): ResultsTableView | null {
  return resultsTableView(s.results, s.tablePreset, s.summary?.universes.map((u) => u.name) ?? [], s.hiddenUniverses);
}

/**
 * Whether the current setup still is what preset `p` set: its model with the preset's hyper-parameters, split,
 * strategy, seed and compared models. The preset button shows pressed only then; after an edit it reads 'modified'.
 */
export function presetIntact(
  p: { run: Pick<RunConfig, 'model' | 'split' | 'strategy' | 'seed'>; configs: Record<string, Record<string, unknown>>; compare: string[] },
  s: Pick<LabState, 'run' | 'compareIds' | 'models'>,
): boolean {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const cfg = p.configs[p.run.model] ?? {};
  const known = p.compare.filter((x) => s.models.length === 0 || s.models.some((m) => m.id === x));
  return (
    s.run.model === p.run.model &&
    s.run.seed === p.run.seed &&
    same(s.run.split, p.run.split) &&
    same(s.run.strategy, p.run.strategy) &&
    // keys the model's schema lacks were dropped when the preset was applied: only the kept ones can differ
    Object.entries(cfg).every(([k, v]) => !(k in s.run.config) || s.run.config[k] === v) &&
    same([...s.compareIds].sort(), [...known].sort())
  );
}
