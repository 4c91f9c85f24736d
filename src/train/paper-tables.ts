/**
 * FactorVAE's experiment tables from finished runs, shared by the headless runner (metrics.json) and the browser:
 *   Table 1 over seeds (src/eval/seeds.ts): Rank IC and Rank ICIR of each method, mean and std over its seeds;
 *   Table 3 (src/eval/strategy-table.ts): TopK-Drop and TDrisk on a run's stored scores and sigma channel, with the
 *   same universe, dates, costs and benchmark as the run's own evaluation (reevaluate.ts builds the grids).
 */
import type { Panel } from '../core/panel';
import type { RunConfig } from '../core/run';
import { aggregateSeeds, type SeedRow } from '../eval/seeds';
import { DEFAULT_TDRISK_ETA, strategyTable, type StrategyTable } from '../eval/strategy-table';
import {
  channelGrid,
  evalHorizonOf,
  holdoutBenchmarkName,
  holdoutMember,
  runEvalOptions,
  scoreGrid,
  withHoldout,
  type Benchmark,
  type RunScores,
} from './reevaluate';

/** Table 3 of one run: TopK-Drop (k 50, n 5; scaled below 300 stocks) and, with a sigma channel, TDrisk. */
export function strategyTableOf(panel: Panel, run: RunConfig, s: RunScores, benchmark?: Benchmark): StrategyTable {
  const horizon = evalHorizonOf(run, s.horizons);
  const uni = run.universe && run.universe !== 'all' ? panel.universes.find((u) => u.name === run.universe) : undefined;
  const sigma = channelGrid(panel, s, 'sigma', horizon);
  const eta = run.strategy.eta !== undefined && run.strategy.eta > 0 ? run.strategy.eta : DEFAULT_TDRISK_ETA;
  const { rebalanceAt: _monthly, ...opts } = runEvalOptions(panel, run); // TopK-Drop trades daily
  // a holdout run trades its held-out stocks against their own equal weight, as in its evaluation (reevaluate.ts)
  const held = holdoutMember(run, s, panel.tickers.length);
  const t = strategyTable(
    {
      dates: panel.dates,
      ...scoreGrid(panel, s, horizon),
      fwd: panel.fwd,
      horizons: panel.horizons,
      ret: panel.ret,
      tradable: panel.tradable,
      valid: panel.valid,
      member: withHoldout(panel, uni?.member, held),
      benchmark,
      ...(sigma ? { sigma } : {}),
    },
    { ...run.strategy, horizon },
    { ...opts, eta },
  );
  return held ? { ...t, benchmark: holdoutBenchmarkName(t.benchmark, held) } : t;
}

const num = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(6)) : null);

/** Table 3 as plain JSON (metrics.json): per strategy AR / SR / MDD of the excess return, k, n, eta */
export function table3Json(t: StrategyTable) {
  return {
    k: t.scale.k,
    n: t.scale.n,
    scaled: t.scale.scaled,
    universe: Number(t.scale.universe.toFixed(1)),
    benchmark: t.benchmark,
    notes: t.notes,
    rows: t.rows.map((r) => ({
      strategy: r.kind,
      label: r.label,
      eta: r.eta,
      ar: num(r.ar),
      sr: num(r.sr),
      mdd: num(r.mdd),
      days: r.iso.length,
    })),
  };
}

export interface SeededResult {
  /** the method (model entry label, without the seed) */
  method: string;
  seed: number;
  metrics: Record<string, number>;
}

export interface SeedJsonStat {
  mean: number | null;
  std: number | null;
  /** seeds with a finite value */
  n: number;
  /** per seed, in `seeds` order */
  values: (number | null)[];
}
export interface SeedJsonRow {
  method: string;
  seeds: number[];
  /** per metric key (EvalResult.metrics: rankIc, rankIcir, ic, icir, alpha, ir) */
  stats: Record<string, SeedJsonStat>;
}

/** Table 1 over seeds as plain JSON: per method the seeds, and per metric the per-seed values and their mean / std */
export function seedsJson(results: SeededResult[], keys = ['rankIc', 'rankIcir', 'ic', 'icir', 'alpha', 'ir']): SeedJsonRow[] {
  const rows: SeedRow[] = aggregateSeeds(results, keys);
  return rows.map((r) => ({
    method: r.method,
    seeds: r.seeds,
    stats: Object.fromEntries(
      keys.map((k) => [k, { mean: num(r.stats[k].mean), std: num(r.stats[k].std), n: r.stats[k].n, values: r.values[k].map(num) }]),
    ),
  }));
}
