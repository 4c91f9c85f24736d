/**
 * FactorVAE's experiment views from the stored results (no training): Table 1 over seeds (results of the same method
 * with different seeds, e.g. a run bundle of examples/factorvae-seeds.json, labels '<method>@<seed>'), and Table 3 /
 * Figure 6 (TopK-Drop and TDrisk of every result, re-evaluated by the engine from its stored scores and sigma channel).
 */
import type { RunConfig } from '../core/run';
import { aggregateSeeds, methodOfLabel, type SeedRow } from '../eval/seeds';
import { DEFAULT_TDRISK_ETA, scaleTopK, type TopKScale } from '../eval/strategy-table';
import type { MethodSeries, TrainResult } from './lab-api';

/** a result's method: its label without a trailing '@<seed>' */
export const methodOf = (r: TrainResult) => methodOfLabel(r.label);

/**
 * Table 1: per method, Rank IC and Rank ICIR mean and std over the seeds of its results (same seed twice: the latest);
 * holdout runs (evaluated on the held-out stocks only) are Table 2's (experiments.ts), not here
 */
export function seedTableView(results: TrainResult[]): SeedRow[] {
  const latest = new Map<string, TrainResult>();
  for (const r of results) if (!r.run.holdout) latest.set(`${methodOf(r)}\u0000${r.run.seed}`, r);
  return aggregateSeeds(
    [...latest.values()].map((r) => ({
      method: methodOf(r),
      seed: r.run.seed,
      metrics: { rankIc: r.allMetrics?.rankIc ?? NaN, rankIcir: r.allMetrics?.rankIcir ?? NaN },
    })),
  );
}

export interface Table3Row {
  label: string;
  model: string;
  strategy: 'TopK-Drop' | 'TDrisk';
  eta: number;
  ar: number;
  sr: number;
  mdd: number;
  /** the re-evaluated series, relabelled for Figure 6 (TDrisk: method '<model>:tdrisk', drawn dotted) */
  series: MethodSeries;
}

export interface Table3View {
  rows: Table3Row[];
  scale: TopKScale;
  benchmark: TrainResult['benchmark'] | null;
  notes: string[];
}

/** mean number of stocks with a finite score per test date at the result's evaluation horizon */
export function scoredUniverse(r: TrainResult): number {
  const s = r.scores;
  if (!s) return 0;
  const D = s.testIndex.length;
  const N = D ? s.scoresByHorizon.length / (s.horizons.length * D) : 0;
  const h = Math.max(0, s.horizons.indexOf(r.run.strategy.horizon ?? s.horizons[s.horizons.length - 1]));
  let tot = 0,
    dates = 0;
  for (let j = 0; j < D; j++) {
    let c = 0;
    const off = (h * D + j) * N;
    for (let n = 0; n < N; n++) if (Number.isFinite(s.scoresByHorizon[off + n])) c++;
    if (c) {
      tot += c;
      dates++;
    }
  }
  return dates ? tot / dates : 0;
}

/**
 * Table 3 of every result with stored scores: the engine re-evaluates each with TopK-Drop (the paper's k 50, n 5, scaled
 * below 300 stocks; daily, the run's costs and lag) and, when it has a sigma channel, with TDrisk (eta: the run's when
 * above 0, else 0.1). `evaluate` is the engine's re-evaluation (LabApi.evaluate).
 */
export async function table3View(
  results: TrainResult[],
  evaluate: (r: TrainResult, run: RunConfig) => Promise<TrainResult>,
): Promise<Table3View | null> {
  // holdout runs trade only their held-out stocks against those stocks' benchmark: not comparable here (Table 2)
  const usable = results.filter((r) => r.scores && !r.run.holdout);
  if (!usable.length) return null;
  const scale = scaleTopK(Math.max(1, Math.min(...usable.map(scoredUniverse))));
  const rows: Table3Row[] = [];
  const notes = [scale.note];
  let benchmark: TrainResult['benchmark'] | null = null;
  for (const r of usable) {
    const eta = r.run.strategy.eta !== undefined && r.run.strategy.eta > 0 ? r.run.strategy.eta : DEFAULT_TDRISK_ETA;
    const strat = { ...r.run.strategy, kind: 'topkdrop' as const, k: scale.k, n: scale.n, rebalance: 1 };
    const kinds: { strategy: Table3Row['strategy']; eta: number }[] = [{ strategy: 'TopK-Drop', eta: 0 }];
    if (r.scores?.channels?.sigma) kinds.push({ strategy: 'TDrisk', eta });
    for (const k of kinds) {
      const e = await evaluate(r, { ...r.run, strategy: { ...strat, eta: k.eta } });
      const m = e.allMetrics ?? {};
      const s = e.series[0];
      benchmark ??= e.benchmark;
      rows.push({
        label: r.label,
        model: r.model,
        strategy: k.strategy,
        eta: k.eta,
        ar: m.alpha ?? NaN,
        sr: m.ir ?? NaN,
        mdd: m.mdd ?? NaN,
        series: {
          ...s,
          method: k.strategy === 'TDrisk' ? `${r.model}:tdrisk` : r.model,
          label: `${r.label} · ${k.strategy === 'TDrisk' ? `TDrisk (eta ${k.eta})` : 'TopK-Drop'}`,
        },
      });
    }
  }
  if (!rows.some((r) => r.strategy === 'TDrisk')) notes.push('TDrisk needs a sigma channel: only FactorVAE predicts a risk.');
  return { rows, scale, benchmark, notes };
}
