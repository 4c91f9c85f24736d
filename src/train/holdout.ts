/**
 * FactorVAE's robustness experiment (paper Table 2): m stocks, chosen by a seeded RNG, are removed from training and
 * validation (their mask and label mask are 0 on every date outside the test segments, so no training batch, fit or
 * validation metric sees them), the model predicts the whole test cross-section as usual, and the evaluation keeps
 * only the m stocks (every other stock's test score is NaN). They are the evaluation's universe, so the default
 * benchmark is their own equal weight (reevaluate.ts, evalOn): the excess return compares the model's picks with the
 * stocks it could pick from.
 */
import type { HoldoutConfig } from '../core/run';
import { LabError } from '../core/errors';
import { makeRng } from '../core/rng';
import type { Prepared } from './data';

export const DEFAULT_HOLDOUT_FRACTION = 1 / 6;

export interface Holdout {
  /** ascending panel stock indices held out */
  stocks: Int32Array;
  /** [N] 1 = held out */
  member: Uint8Array;
  /** stocks they were drawn from (in the cross-section on at least one test date) */
  candidates: number;
  note: string;
}

/**
 * Pick the held-out stocks: of the stocks in the cross-section (d.mask) on at least one test date, `count` (or
 * round(fraction x candidates)) by a seeded shuffle.
 */
export function pickHoldout(d: Prepared, testDates: ArrayLike<number>, h: HoldoutConfig, runSeed: number): Holdout {
  const { N } = d;
  const cand: number[] = [];
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < testDates.length; j++)
      if (d.mask[testDates[j] * N + n]) {
        cand.push(n);
        break;
      }
  }
  if (h.count !== undefined && h.fraction !== undefined)
    throw new LabError(
      'holdout: set either count or fraction, not both.',
      'count: m stocks (50, 100, 200); fraction: a share of the universe.',
    );
  const frac = h.fraction ?? DEFAULT_HOLDOUT_FRACTION;
  if (h.fraction !== undefined && !(frac > 0 && frac < 1))
    throw new LabError(`holdout: fraction = ${h.fraction}; it must lie strictly between 0 and 1.`);
  const m = h.count !== undefined ? h.count : Math.round(frac * cand.length);
  if (!Number.isInteger(m) || m < 2)
    throw new LabError(`holdout: ${m} stocks held out; the Rank IC needs at least 2 (count is a whole number >= 2).`);
  if (m >= cand.length)
    throw new LabError(
      `holdout: ${m} stocks held out but only ${cand.length} stocks are in the test cross-section; training would have none left.`,
      'Hold out fewer stocks or use a fraction.',
    );
  const rng = makeRng(h.seed ?? runSeed);
  const chosen = rng.shuffle(cand.slice()).slice(0, m);
  const stocks = Int32Array.from(chosen).sort();
  const member = new Uint8Array(N);
  for (const n of stocks) member[n] = 1;
  const how = h.count !== undefined ? `count ${m}` : `fraction ${frac.toFixed(3)} of ${cand.length}`;
  return {
    stocks,
    member,
    candidates: cand.length,
    note: `holdout: ${m} of ${cand.length} stocks (${how}, seed ${h.seed ?? runSeed}) removed from training and validation; the evaluation uses only them.`,
  };
}

/**
 * The prepared data the model is trained and validated on: the held-out stocks' mask and label mask are 0 on every
 * date except `testDates` (there they stay, so the model predicts them). Shares x, target and the rest with `d`.
 */
export function withoutHoldout(d: Prepared, hold: Holdout, testDates: ArrayLike<number>): Prepared {
  const { T, N, H } = d;
  const isTest = new Uint8Array(T);
  for (let j = 0; j < testDates.length; j++) isTest[testDates[j]] = 1;
  const mask = d.mask.slice();
  const targetMask = d.targetMask.slice();
  for (let t = 0; t < T; t++) {
    if (isTest[t]) continue;
    for (const n of hold.stocks) {
      mask[t * N + n] = 0;
      targetMask.fill(0, (t * N + n) * H, (t * N + n + 1) * H);
    }
  }
  return { ...d, mask, targetMask };
}

/** NaN every stock outside the holdout in stitched [C, D, N] arrays (scores and channels), in place */
export function keepHoldout(arrays: Float32Array[], hold: Holdout, N: number): void {
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (!hold.member[i % N]) a[i] = NaN;
}
