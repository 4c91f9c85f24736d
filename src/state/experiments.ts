/**
 * FactorVAE's experiments in the browser (issue 12): the "Seeds" setting of "Compare methods" (Table 1: each ticked
 * method trained once per seed, labelled `<method>@<seed>` by the headless runner's own expandSeeds / seedLabel), the
 * holdout setting (Table 2: m stocks left out of training, evaluated alone) and the Table 2 view of the results.
 */
import type { HoldoutConfig, RunConfig } from '../core/run';
import { LabError } from '../core/errors';
import { aggregateSeeds, expandSeeds, methodOfLabel, parseSeeds, seedLabel, type SeedStat } from '../eval/seeds';
import type { TrainResult } from './lab-api';

/** the most seeds one comparison may train (a link asking for more keeps the first 10) */
export const MAX_SEEDS = 10;

/** what marks a holdout result's label (it sits beside the same method trained on every stock) */
export const HOLDOUT_MARK = ' · held-out';

/**
 * The "Seeds" field: whole numbers separated by commas or spaces, e.g. "1, 2, 3, 4, 5"; empty = the run's one seed.
 * Each seed at most once, at most MAX_SEEDS, each in 0..2^31-1 (the run's seed range).
 */
export function parseSeedText(text: string): number[] {
  const parts = text
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
  if (!parts.length) return [];
  const bad = parts.filter((x) => !/^\d+$/.test(x) || Number(x) > 2 ** 31 - 1);
  if (bad.length)
    throw new LabError(
      `Seeds: '${bad[0].slice(0, 20)}' is not a seed; expected whole numbers from 0 to 2147483647 separated by commas, e.g. 1, 2, 3, 4, 5.`,
    );
  if (parts.length > MAX_SEEDS)
    throw new LabError(`Seeds: ${parts.length} seeds; at most ${MAX_SEEDS} (each one trains every ticked method again).`);
  return parseSeeds(parts.map(Number), 'Seeds');
}

/** the text the Seeds field shows: the list, or the run's one seed when there is no list */
export const seedsText = (seeds: number[], runSeed: number): string => (seeds.length ? seeds.join(', ') : String(runSeed));

/** the seeds a comparison trains over: none (a plain comparison) when the list is empty or just the run's own seed */
export const effectiveSeeds = (seeds: number[], runSeed: number): number[] =>
  seeds.length > 1 || (seeds.length === 1 && seeds[0] !== runSeed) ? seeds : [];

/** a compared method: its display label and the run that trains it */
export interface MethodRun {
  label: string;
  run: RunConfig;
}

/**
 * The queue of "Compare methods": each method as it is (no seeds list), or once per seed, method by method, with the
 * label the result will carry (`<label>@<seed>`, the headless experiment's labels: one implementation, expandSeeds).
 */
export function comparisonJobs(methods: MethodRun[], seeds: number[]): MethodRun[] {
  return seeds.length ? expandSeeds(methods, seeds).map(({ label, run }) => ({ label, run })) : methods;
}

/** a result's label: the model's name, marked when its run held stocks out, then `@<seed>` when seeded */
export function resultLabel(name: string, run: Pick<RunConfig, 'seed' | 'holdout'>, seeded: boolean): string {
  const base = run.holdout ? `${name}${HOLDOUT_MARK}` : name;
  return seeded ? seedLabel(base, run.seed) : base;
}

/** `r` relabelled everywhere its label shows (results row, series, alternatives) */
export function relabel(r: TrainResult, label: string): TrainResult {
  if (r.label === label) return r;
  const swap = (l: string) => (l.startsWith(r.label) ? label + l.slice(r.label.length) : l);
  return {
    ...r,
    label,
    metrics: { ...r.metrics, rows: r.metrics.rows.map((x) => ({ ...x, label: swap(x.label) })) },
    series: r.series.map((x) => ({ ...x, label: swap(x.label) })),
    ...(r.alternatives
      ? {
          alternatives: r.alternatives.map((a) => ({ ...a, label: swap(a.label), series: { ...a.series, label: swap(a.series.label) } })),
        }
      : {}),
  };
}

/**
 * Where a new result goes among the shown ones: it replaces the earlier results of the same model and the same kind
 * (holdout or not), except the other seeds of its own comparison (`batch`: the model/kind slots that already delivered
 * a result in this queue), which stay beside it.
 */
export function placeResult(results: TrainResult[], r: TrainResult, batch: Set<string>): TrainResult[] {
  const slot = slotOf(r);
  const fresh = !batch.has(slot);
  batch.add(slot);
  return [...results.filter((x) => slotOf(x) !== slot || (!fresh && x.label !== r.label)), r];
}
/** a run's slot among the results: its model, and whether it held stocks out */
export const runSlot = (run: RunConfig): string => `${run.model}\u0000${run.holdout ? 'holdout' : ''}`;
const slotOf = (r: TrainResult) => runSlot(r.run);

/**
 * The batch of a queue: empty for a fresh one; a resumed comparison over seeds already delivered the earlier seeds of
 * the stopped method (they stay beside the resumed ones)
 */
export const newBatch = (resumed?: { run: RunConfig; seeded?: boolean }): Set<string> =>
  new Set(resumed?.seeded ? [runSlot(resumed.run)] : []);

/** Table 1 takes the results trained on every stock; Table 2 the holdout ones */
export const isHoldout = (r: TrainResult): boolean => r.run.holdout !== undefined;

/** how a holdout setting reads: "m 50" or "fraction 0.167 (1/6)" */
export function describeHoldout(h: HoldoutConfig): string {
  if (h.count !== undefined) return `m = ${h.count}`;
  return `fraction ${(h.fraction ?? 1 / 6).toFixed(3)}`;
}

export interface Table2Row {
  /** the method (label without the holdout mark and the seed) */
  method: string;
  model: string;
  /** the holdout setting, as set */
  setting: string;
  /** stocks held out per seed (in `seeds` order; NaN when unknown, e.g. an opened bundle) and the pool they came from */
  m: number[];
  of: number[];
  seeds: number[];
  rankIc: SeedStat;
  rankIcir: SeedStat;
}

/**
 * FactorVAE Table 2 (robustness): per method and holdout setting, the Rank IC and Rank ICIR on the held-out stocks,
 * mean (std) over the seeds (each seed also picks its own m stocks, as the paper samples them with 5 seeds).
 */
export function table2View(results: TrainResult[]): Table2Row[] {
  const groups = new Map<string, TrainResult[]>();
  for (const r of results.filter(isHoldout)) {
    const method = methodOfLabel(r.label).replace(HOLDOUT_MARK, '');
    const key = `${method}\u0000${describeHoldout(r.run.holdout!)}`;
    const g = groups.get(key) ?? [];
    // the same seed twice: the latest counts
    groups.set(key, [...g.filter((x) => x.run.seed !== r.run.seed), r]);
  }
  return [...groups.entries()].map(([key, rs]) => {
    const [method, setting] = key.split('\u0000');
    const [row] = aggregateSeeds(
      rs.map((r) => ({
        method,
        seed: r.run.seed,
        metrics: { rankIc: r.allMetrics?.rankIc ?? NaN, rankIcir: r.allMetrics?.rankIcir ?? NaN },
      })),
    );
    return {
      method,
      model: rs[0].model,
      setting,
      m: rs.map((r) => r.holdout?.stocks.length ?? NaN),
      of: rs.map((r) => r.holdout?.candidates ?? NaN),
      seeds: row.seeds,
      rankIc: row.stats.rankIc,
      rankIcir: row.stats.rankIcir,
    };
  });
}
