/**
 * FactorVAE's Table 1 over seeds: every method trained once per seed, each run's Rank IC and Rank ICIR (and any other
 * metric) reduced to the mean and the standard deviation over the seeds, shown as "mean (std)". No tfjs.
 */
import { LabError } from '../core/errors';

/** the paper's five seeds */
export const PAPER_SEEDS = [1, 2, 3, 4, 5];

export const seedStdDefinition =
  'Spread over seeds: the sample standard deviation (ddof = 1) of the per-seed values; 0 for a single seed; NaN seeds are left out.';

export interface SeedRun {
  /** the method (model entry label) */
  method: string;
  seed: number;
  /** this run's metrics, e.g. { rankIc, rankIcir } from EvalResult.metrics */
  metrics: Record<string, number>;
}

export interface SeedStat {
  mean: number;
  std: number;
  /** seeds with a finite value */
  n: number;
}

export interface SeedRow {
  method: string;
  seeds: number[];
  /** per metric key: per-seed values in `seeds` order, and their mean / std */
  values: Record<string, number[]>;
  stats: Record<string, SeedStat>;
}

/** mean and sample std (ddof = 1) of the finite entries; std 0 for one value, NaN for none */
export function seedStat(x: number[]): SeedStat {
  const v = x.filter(Number.isFinite);
  const n = v.length;
  if (!n) return { mean: NaN, std: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

/**
 * One row per method (in first-seen order), aggregating `keys` (default Rank IC and Rank ICIR) over its seeds. A method
 * with the same seed twice is an error (two runs would count as two seeds).
 */
export function aggregateSeeds(runs: SeedRun[], keys: string[] = ['rankIc', 'rankIcir']): SeedRow[] {
  const rows = new Map<string, SeedRow>();
  for (const r of runs) {
    let row = rows.get(r.method);
    if (!row) {
      row = { method: r.method, seeds: [], values: Object.fromEntries(keys.map((k) => [k, []])), stats: {} };
      rows.set(r.method, row);
    }
    if (row.seeds.includes(r.seed))
      throw new LabError(`seeds: method "${r.method}" has two runs with seed ${r.seed}; each seed must run once per method.`);
    row.seeds.push(r.seed);
    for (const k of keys) row.values[k].push(r.metrics[k] ?? NaN);
  }
  for (const row of rows.values()) for (const k of keys) row.stats[k] = seedStat(row.values[k]);
  return [...rows.values()];
}

/** "mean (std)" with `digits` decimals, as the paper prints Table 1; '–' when there is no value */
export function formatMeanStd(s: SeedStat, digits = 4): string {
  if (!Number.isFinite(s.mean)) return '–';
  return `${s.mean.toFixed(digits)} (${Number.isFinite(s.std) ? s.std.toFixed(digits) : '–'})`;
}

/** the seeds of a config field: a list of distinct integers */
export function parseSeeds(v: unknown, where = 'seeds'): number[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => Number.isInteger(s)))
    throw new LabError(`${where}: expected a non-empty list of whole numbers such as [1, 2, 3, 4, 5]; got ${JSON.stringify(v)}.`);
  if (new Set(v).size !== v.length) throw new LabError(`${where}: the seeds ${JSON.stringify(v)} repeat a seed.`);
  return v as number[];
}

/** the label of a method's run with one seed: `<method>@<seed>` (the headless experiment and the browser's Seeds) */
export const seedLabel = (method: string, seed: number): string => `${method}@${seed}`;

/** the method of a label: without a trailing '@<seed>' (the inverse of seedLabel) */
export const methodOfLabel = (label: string): string => label.replace(/@\d+$/, '');

/**
 * Every entry once per seed, entry by entry (all seeds of the first entry, then the next), each labelled
 * seedLabel(entry label, seed) with the seed set in its run: the jobs of a Table 1 over seeds.
 */
export function expandSeeds<R extends { seed: number }>(
  entries: { label: string; run: R }[],
  seeds: number[],
): { label: string; run: R; method: string; seed: number }[] {
  return entries.flatMap((e) => seeds.map((seed) => ({ label: seedLabel(e.label, seed), run: { ...e.run, seed }, method: e.label, seed })));
}
