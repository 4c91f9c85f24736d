/**
 * Group checkpoints of a split run (walk-forward / rolling / fixed): after each trained group the runner hands out
 * its record and test scores, and a later run given them back skips those groups (runner.ts RunOptions.resume).
 * A checkpoint belongs to one runKey: everything that changes the trained groups (data, preprocessing, universe,
 * factors, split, model, hyper-parameters, seed, the validation horizon), not the portfolio rules nor the backend.
 */
import type { RunConfig } from '../core/run';
import { LabError } from '../core/errors';
import type { SplitPlan } from '../data/splits';
import type { GroupCheckpoint } from './types';

export type { GroupCheckpoint } from './types';

/** JSON with object keys sorted (recursively) and undefined fields dropped: equal values give equal text. */
export function stableJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

/** 64-bit FNV-1a of a string's UTF-16 code units, as 16 hex digits (two 32-bit halves with different offsets). */
function fnv64(s: string): string {
  let a = 0x811c9dc5,
    b = 0xcbf29ce4;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c ^ (i & 0xff), 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** The fields of a run that change its trained groups (what runKey hashes). */
export function runKeyFields(run: RunConfig) {
  return {
    dataset: run.dataset,
    preprocessing: run.preprocessing,
    universe: run.universe,
    factors: run.factors,
    split: run.split,
    model: run.model,
    config: run.config,
    seed: run.seed,
    // the validation metric (early stopping) is taken at the strategy's horizon: it changes the trained weights
    horizon: run.strategy.horizon ?? null,
    // robustness runs train without the held-out stocks (only present when set, so other runs keep their keys)
    ...(run.holdout ? { holdout: run.holdout } : {}),
  };
}

/** Stable key of everything that changes a run's trained groups (not the strategy, backend or explain settings). */
export const runKey = (run: RunConfig): string => `${run.model}-${fnv64(stableJson(runKeyFields(run)))}`;

/**
 * Check checkpoints against this run's key and split plan (label and test span of the same group) and the panel's
 * H and N; returns them by group index. Throws LabError when one belongs to another run or other data.
 */
export function checkResume(
  resume: GroupCheckpoint[],
  key: string,
  plan: SplitPlan,
  dates: string[],
  H: number,
  N: number,
): Map<number, GroupCheckpoint> {
  const out = new Map<number, GroupCheckpoint>();
  const afresh = 'Discard the saved groups and train afresh.';
  for (const cp of resume) {
    const g = plan.groups[cp.groupIndex];
    const where = `Checkpoint of group ${cp.groupIndex + 1} (${cp.label})`;
    if (cp.runKey !== key)
      throw new LabError(
        `${where} belongs to another run (key ${cp.runKey}, this run is ${key}): the data, split, model, hyper-parameters or seed differ.`,
        afresh,
      );
    if (!g)
      throw new LabError(
        `${where}: this run's split has ${plan.groups.length} groups, so the checkpoint belongs to another split or other data.`,
        afresh,
      );
    const test: [string, string] = g.test.end > g.test.start ? [dates[g.test.start], dates[g.test.end - 1]] : ['', ''];
    if (g.label !== cp.label || test[0] !== cp.test[0] || test[1] !== cp.test[1]) {
      throw new LabError(
        `${where}, test ${cp.test[0]}..${cp.test[1]}, does not match this run's group ${g.label}, test ${test[0]}..${test[1]}: it belongs to another split or other data.`,
        afresh,
      );
    }
    const Dg = g.test.end - g.test.start;
    const [h, d, n] = cp.shape;
    if (h !== H || d !== Dg || n !== N || cp.scores.length !== H * Dg * N) {
      throw new LabError(
        `${where}: scores of shape [${h}, ${d}, ${n}] (${cp.scores.length} values), this run needs [${H}, ${Dg}, ${N}] (horizons, test dates, stocks): it belongs to other data.`,
        afresh,
      );
    }
    if (out.has(cp.groupIndex)) throw new LabError(`${where} is given twice.`, 'Pass each group at most once.');
    out.set(cp.groupIndex, cp);
  }
  return out;
}
