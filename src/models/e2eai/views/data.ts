/**
 * E2EAI's view data, from finished results (plain functions, no React): the per-date gate selections and directional
 * contributions (the model's extras per split group) bucketed semi-annually (paper Figure 2), the monotonicity of the
 * deep factor and its attention estimate (Figure 3: mean forward return per score decile, from the results' quantile
 * series), the learned weights over time, and the Table 1 layout (alpha, IR, MD, TT, n-bar per universe; ad-hoc and
 * automatic blocks; best and second best per column).
 */
import { METRICS, type MetricKey } from '../../../eval/metrics';
import type { MetricColumn, TrainResult } from '../../../state/lab-api';

export interface E2eaiDates {
  factors: string[];
  factorGroups: string[];
  dates: string[];
  /** [D][m] 1 = the gate kept the factor on that date */
  selected: number[][];
  /** [D][m] mean over heads of the signed attention a-bar o d */
  contribution: number[][];
  /** [D] stocks with weight (before the projection) and the largest weight, longest head */
  holdings: number[];
  maxWeight: number[];
}

interface E2eaiExtras {
  factors?: string[];
  factorGroups?: string[];
  perDate?: { dates: string[]; selected: number[][]; contribution: number[][]; holdings: number[]; maxWeight: number[] };
}

/** the per-date extras of every split group of an E2EAI result, concatenated in date order; undefined when none */
export function e2eaiDates(r: TrainResult): E2eaiDates | undefined {
  let out: E2eaiDates | undefined;
  for (const g of r.groupExtras ?? []) {
    const e = g.extras as E2eaiExtras;
    if (!e?.perDate || !e.factors) continue;
    out ??= {
      factors: e.factors,
      factorGroups: e.factorGroups ?? e.factors.map(() => 'all'),
      dates: [],
      selected: [],
      contribution: [],
      holdings: [],
      maxWeight: [],
    };
    const p = e.perDate;
    out.dates.push(...p.dates);
    out.selected.push(...p.selected);
    out.contribution.push(...p.contribution);
    out.holdings.push(...p.holdings);
    out.maxWeight.push(...p.maxWeight);
  }
  return out;
}

/** '2019-03-05' -> '2019H1' */
export const halfYear = (iso: string) => `${iso.slice(0, 4)}H${Number(iso.slice(5, 7)) <= 6 ? 1 : 2}`;

export interface PeriodMatrix {
  periods: string[];
  rows: string[];
  /** [P][rows] */
  values: number[][];
}

/** Mean of a [D][m] per-date matrix over each half-year, per factor (rows = factors). */
export function semiAnnualMean(dates: string[], m: number[][], rows: string[]): PeriodMatrix {
  const periods = [...new Set(dates.map(halfYear))];
  const values = periods.map((p) => {
    const idx = dates.map((d, i) => (halfYear(d) === p ? i : -1)).filter((i) => i >= 0);
    return rows.map((_, f) => idx.reduce((s, i) => s + m[i][f], 0) / Math.max(1, idx.length));
  });
  return { periods, rows, values };
}

/** Factor rows summed into their groups (the signed group contribution: positive and negative members offset). */
export function byGroup(p: PeriodMatrix, factorGroups: string[]): PeriodMatrix {
  const groups = [...new Set(factorGroups)];
  return {
    periods: p.periods,
    rows: groups,
    values: p.values.map((row) => groups.map((g) => row.reduce((s, v, f) => s + (factorGroups[f] === g ? v : 0), 0))),
  };
}

/** Portfolio weights of a result over time: per date the stocks held, the largest weight, and the weights' histogram. */
export interface WeightStats {
  dates: string[];
  holdings: number[];
  maxWeight: number[];
  /** effective number of stocks 1 / sum w^2 */
  effective: number[];
  /** histogram of the non-zero weights: bin edges [0, cap / 10, ..., cap] and counts (last: above the cap, float32 slack 1e-6) */
  edges: number[];
  counts: number[];
  cap: number;
}

/**
 * The 'weight' channel of a result (the strategy horizon's head when per horizon) as weight statistics; `dates`: the ISO
 * test dates in the order of the stored scores (else the panel index as text). undefined without a weight channel.
 */
export function weightStats(r: TrainResult, cap: number, dates?: string[]): WeightStats | undefined {
  const s = r.scores;
  const w = s?.channels?.weight;
  if (!s || !w) return undefined;
  const D = s.testIndex.length;
  const Nn = s.scoresByHorizon.length / (s.horizons.length * D); // scores are [H, D, N]
  const C = w.length / (D * Nn); // weight channel [C, D, N]: C = H (per horizon) or 1
  const h = C > 1 ? Math.max(0, s.horizons.indexOf(r.run.strategy.horizon ?? 20)) : 0;
  const bins = 10;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (cap * i) / bins);
  const counts = new Array(bins + 1).fill(0); // the last bin: above the cap
  const out: WeightStats = { dates: [], holdings: [], maxWeight: [], effective: [], edges, counts, cap };
  for (let j = 0; j < D; j++) {
    let held = 0,
      mx = 0,
      sq = 0;
    for (let n = 0; n < Nn; n++) {
      const v = w[(h * D + j) * Nn + n];
      if (!(v > 1e-9)) continue;
      held++;
      mx = Math.max(mx, v);
      sq += v * v;
      const b = v > cap * (1 + 1e-6) ? bins : Math.min(bins - 1, Math.floor((v / cap) * bins));
      counts[b]++;
    }
    if (!held) continue;
    out.dates.push(dates?.[j] ?? String(s.testIndex[j]));
    out.holdings.push(held);
    out.maxWeight.push(mx);
    out.effective.push(1 / sq);
  }
  return out;
}

/** Table 1's columns per universe */
export const TABLE1_KEYS: MetricKey[] = ['alpha', 'ir', 'mdd', 'turnover', 'holdings'];
export const TABLE1_COLUMNS: MetricColumn[] = TABLE1_KEYS.map((k) => ({
  key: k,
  label: k === 'mdd' ? 'MD (%)' : METRICS[k].label,
  format: METRICS[k].format as MetricColumn['format'],
  help: METRICS[k].definition,
  better: k === 'turnover' ? 'none' : (METRICS[k].better as MetricColumn['better']),
}));

export interface Table1Row {
  key: string;
  label: string;
  /** model id (colour) */
  model: string;
  /** by universe, by metric key */
  values: Record<string, Record<string, number>>;
}
export interface Table1Block {
  title: string;
  rows: Table1Row[];
  /** by universe, by metric key: the row keys of the best and the second best */
  marks: Record<string, Record<string, { best?: string; second?: string }>>;
}

const STEPWISE: Record<string, string> = { 's-best': 'S-Best', 's-avg': 'S-Avg', 's-t20': 'S-T20' };
const SHORT: Record<string, string> = { linear: 'Linear', ew: 'EW', mlp: 'MLP', mgat: 'MGAT', dmfm: 'DMFM' };

/** the universe values of a result (or of its alternative), falling back to its run universe's metrics */
function universeValues(
  r: { universes?: { universe: string; values: Record<string, number> }[]; allMetrics?: Record<string, number> },
  runUniverse: string,
) {
  const out: Record<string, Record<string, number>> = {};
  for (const u of r.universes ?? []) out[u.universe] = u.values;
  if (!Object.keys(out).length && r.allMetrics) out[runUniverse] = r.allMetrics;
  return out;
}

/** best / second best per universe and column among the block's rows (higher or lower is better; n-bar and TT: none) */
function markBlock(rows: Table1Row[], universes: string[]): Table1Block['marks'] {
  const marks: Table1Block['marks'] = {};
  for (const u of universes) {
    marks[u] = {};
    for (const c of TABLE1_COLUMNS) {
      if (c.better !== 'higher' && c.better !== 'lower') continue;
      const vals = rows
        .map((r) => ({ key: r.key, v: r.values[u]?.[c.key] }))
        .filter((x) => Number.isFinite(x.v))
        .sort((a, b) => (c.better === 'higher' ? b.v! - a.v! : a.v! - b.v!));
      marks[u][c.key] = { best: vals[0]?.key, second: vals[1]?.key };
    }
  }
  return marks;
}

/**
 * Table 1 from the session's results: the ad-hoc block (every result's own scores under its run strategy, plus E2EAI's
 * attention estimate E2E_l) and the automatic block (`auto`: results re-evaluated with the model-weighted strategy:
 * E2EAI's learned weights E2E_auto and the stepwise portfolios). Universes: those of the results, in first-seen order.
 */
export function table1(results: TrainResult[], auto: TrainResult[]): { universes: string[]; blocks: Table1Block[] } {
  const adhoc: Table1Row[] = [];
  for (const r of results) {
    if (r.run.strategy.kind === 'modelweight') continue;
    const label = r.model === 'e2eai' ? 'E2E_d' : (STEPWISE[r.model] ?? SHORT[r.model] ?? r.label);
    adhoc.push({ key: r.label, label, model: r.model, values: universeValues(r, r.run.universe) });
    if (r.model === 'e2eai')
      for (const a of r.alternatives ?? [])
        if (a.name === 'fhat')
          adhoc.push({
            key: `${r.label}:fhat`,
            label: 'E2E_l',
            model: r.model,
            values: universeValues({ ...a, allMetrics: a.metrics }, r.run.universe),
          });
  }
  const automatic: Table1Row[] = auto.map((r) => ({
    key: `${r.label}:auto`,
    label: r.model === 'e2eai' ? 'E2E_auto' : (STEPWISE[r.model] ?? r.label),
    model: r.model,
    values: universeValues(r, r.run.universe),
  }));
  const universes = [...new Set([...adhoc, ...automatic].flatMap((r) => Object.keys(r.values)))];
  return {
    universes,
    blocks: [
      { title: 'Ad-hoc construction (top decile of each score)', rows: adhoc, marks: markBlock(adhoc, universes) },
      { title: 'Automatic construction (model weights, capped)', rows: automatic, marks: markBlock(automatic, universes) },
    ],
  };
}

/** the models whose weights form Table 1's automatic block */
export const AUTO_MODELS = ['e2eai', 's-best', 's-avg', 's-t20'];

/** Figure 3: mean forward return per score decile of the deep factor (E2E_d) and of its attention estimate (E2E_l). */
export function monotonicity(r: TrainResult): { label: string; mean: number[]; monotonicity: number; horizon: number }[] {
  const out: { label: string; mean: number[]; monotonicity: number; horizon: number }[] = [];
  const own = r.series.find((s) => s.method === r.model) ?? r.series[0];
  if (own?.quantiles) out.push({ label: 'E2E_d (deep factor)', ...own.quantiles });
  const fh = r.alternatives?.find((a) => a.name === 'fhat');
  if (fh?.series.quantiles) out.push({ label: 'E2E_l (attention estimate)', ...fh.series.quantiles });
  return out;
}
