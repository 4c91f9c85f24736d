/**
 * Dynamic sub-universes rebuilt every month by trailing dollar volume, like index universes
 * (CSI 300 / 500 / 1000 in the DMFM paper; here top100 / next150 / rest by default).
 *
 * Formation (no look-ahead): for the month that starts at trading day s, the formation day is s - 1,
 * the last trading day of the previous month. Each stock's score is the mean dollar volume over the
 * `lookback` trading days ending at the formation day (inclusive), over the days it has a finite value;
 * a stock needs at least `minObs` such days to be ranked. Ranked stocks are sorted by score (descending,
 * ties by stock index): the first `top` form 'top{top}', the next `next` form 'next{next}', the remainder 'rest'.
 * Membership is constant within the month. The first month of the date axis has no formation day, so its
 * sub-universes are empty.
 */
import { dayToYearMonth } from '../core/dates';
import type { UniverseDef } from '../core/panel';

export interface UniverseSizes {
  /** size of the largest-dollar-volume universe (default 100) */
  top: number;
  /** size of the next universe (default 150) */
  next: number;
  /** trailing window in trading days (default 63, about three months) */
  lookback?: number;
  /** fewest finite dollar-volume days in the window for a stock to be ranked (default 21) */
  minObs?: number;
}

export const defaultUniverseSizes: Required<UniverseSizes> = { top: 100, next: 150, lookback: 63, minObs: 21 };

/** Indices into days where a new calendar month starts (always includes 0 when days is non-empty). */
export function monthStarts(days: ArrayLike<number>): number[] {
  const out: number[] = [];
  let prev = -1;
  for (let t = 0; t < days.length; t++) {
    const ym = dayToYearMonth(days[t]);
    if (ym !== prev) {
      out.push(t);
      prev = ym;
    }
  }
  return out;
}

/**
 * Monthly top / next / rest universes from a dollar-volume matrix.
 * days: [T] ascending day numbers; dv: [T, N] dollar volume (NaN = unknown / absent).
 * Returns three UniverseDefs with member [T, N] (1 = member).
 */
export function dollarVolumeUniverses(
  days: ArrayLike<number>,
  dv: Float32Array,
  n: number,
  sizes: UniverseSizes = defaultUniverseSizes,
): UniverseDef[] {
  const T = days.length;
  const lookback = sizes.lookback ?? defaultUniverseSizes.lookback;
  const minObs = Math.min(sizes.minObs ?? defaultUniverseSizes.minObs, lookback);
  const top = Math.max(0, Math.floor(sizes.top));
  const next = Math.max(0, Math.floor(sizes.next));
  const mTop = new Uint8Array(T * n); // [T, N]
  const mNext = new Uint8Array(T * n); // [T, N]
  const mRest = new Uint8Array(T * n); // [T, N]
  const starts = monthStarts(days);
  const score = new Float64Array(n);
  const order: number[] = [];
  for (let s = 0; s < starts.length; s++) {
    const t0 = starts[s];
    const t1 = s + 1 < starts.length ? starts[s + 1] : T; // month covers [t0, t1)
    const form = t0 - 1;
    if (form < 0) continue;
    const w0 = Math.max(0, form - lookback + 1);
    order.length = 0;
    for (let i = 0; i < n; i++) {
      let sum = 0,
        cnt = 0;
      for (let t = w0; t <= form; t++) {
        const v = dv[t * n + i];
        if (v - v === 0) {
          sum += v;
          cnt++;
        }
      }
      if (cnt >= minObs && cnt > 0) {
        score[i] = sum / cnt;
        order.push(i);
      }
    }
    order.sort((p, q) => score[q] - score[p] || p - q);
    for (let r = 0; r < order.length; r++) {
      const target = r < top ? mTop : r < top + next ? mNext : mRest;
      const i = order[r];
      for (let t = t0; t < t1; t++) target[t * n + i] = 1;
    }
  }
  const lb = `mean dollar volume over the ${lookback} trading days to the previous month end`;
  return [
    { name: `top${top}`, description: `the ${top} stocks with the highest ${lb}, rebuilt monthly`, member: mTop },
    { name: `next${next}`, description: `ranks ${top + 1}-${top + next} by ${lb}, rebuilt monthly`, member: mNext },
    { name: 'rest', description: `ranked stocks below rank ${top + next} by ${lb}, rebuilt monthly`, member: mRest },
  ];
}
