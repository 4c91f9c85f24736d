import { describe, expect, it } from 'vitest';
import { isoToDay } from '../core/dates';
import { makeRng } from '../core/rng';
import { dollarVolumeUniverses, monthStarts } from './universes';

// 87 weekdays from 2020-01-01: Jan = days 0..22, Feb = 23..42, Mar = 43..64, Apr = 65..86
const days: number[] = [];
for (let d = isoToDay('2020-01-01'); days.length < 87; d++) {
  const w = (((d + 4) % 7) + 7) % 7;
  if (w !== 0 && w !== 6) days.push(d);
}
const N = 6,
  T = days.length;
const JAN = [0, 22],
  FEB = [23, 42],
  MAR = [43, 64],
  APR = [65, 86];
const sizes = { top: 2, next: 2, lookback: 5, minObs: 3 };

/** Jan: stock i trades 100 (i + 1), from Feb on 100 (6 - i). Stock 2's Jan window (days 18..22) is [0,0,0,0,1500]
 *  (mean 300, last value 1500) and it trades 10000 before the window; stock 3 has only 2 finite days in its Jan window. */
function makeDv(): Float32Array {
  const dv = new Float32Array(T * N); // [T, N]
  for (let t = 0; t < T; t++) for (let i = 0; i < N; i++) dv[t * N + i] = t <= JAN[1] ? 100 * (i + 1) : 100 * (6 - i);
  for (let t = 0; t < 18; t++) dv[t * N + 2] = 10000;
  [0, 0, 0, 0, 1500].forEach((v, q) => {
    dv[(18 + q) * N + 2] = v;
  });
  for (let t = 0; t <= 20; t++) dv[t * N + 3] = NaN;
  return dv;
}
const members = (m: Uint8Array, t: number) => Array.from({ length: N }, (_, i) => i).filter((i) => m[t * N + i]);

describe('monthly dollar-volume universes', () => {
  const [top, next, rest] = dollarVolumeUniverses(days, makeDv(), N, sizes);

  it('month starts and names', () => {
    expect(monthStarts(days)).toEqual([0, 23, 43, 65]);
    expect([top.name, next.name, rest.name]).toEqual(['top2', 'next2', 'rest']);
  });

  it('the first month has no formation day, so its sub-universes are empty', () => {
    for (let t = JAN[0]; t <= JAN[1]; t++)
      expect(members(top.member, t).length + members(next.member, t).length + members(rest.member, t).length).toBe(0);
  });

  it('Feb uses the mean of the last 5 Jan days (days 18..22)', () => {
    // scores: s0 = 100, s1 = 200, s2 = (0+0+0+0+1500)/5 = 300, s3 unranked (2 < minObs 3 days), s4 = 500, s5 = 600
    // order 5, 4, 2, 1, 0 -> top {4,5}, next {1,2}, rest {0}; stock 3 in none
    expect(members(top.member, FEB[0])).toEqual([4, 5]);
    expect(members(next.member, FEB[0])).toEqual([1, 2]);
    expect(members(rest.member, FEB[0])).toEqual([0]);
  });

  it('membership is constant within each month and changes when ranks change', () => {
    for (const u of [top, next, rest]) {
      for (const [a, b] of [JAN, FEB, MAR, APR]) {
        for (let t = a + 1; t <= b; t++) expect(members(u.member, t)).toEqual(members(u.member, a));
      }
    }
    // Feb dollar volumes are 100 (6 - i): Mar ranks 0, 1, 2, 3, 4, 5 -> top {0,1}, next {2,3}, rest {4,5}
    expect(members(top.member, MAR[0])).toEqual([0, 1]);
    expect(members(next.member, MAR[0])).toEqual([2, 3]);
    expect(members(rest.member, MAR[0])).toEqual([4, 5]);
    expect(members(top.member, MAR[0])).not.toEqual(members(top.member, FEB[0]));
  });

  it('sizes: top has `top` members, next has `next`, rest the remaining ranked stocks, disjoint', () => {
    for (let t = FEB[0]; t < T; t++) {
      const a = members(top.member, t),
        b = members(next.member, t),
        c = members(rest.member, t);
      expect(a.length).toBe(2);
      expect(b.length).toBe(2);
      expect(new Set([...a, ...b, ...c]).size).toBe(a.length + b.length + c.length);
      expect(a.length + b.length + c.length).toBe(t <= FEB[1] ? 5 : 6); // stock 3 unranked in Feb only
    }
  });

  it('uses only past data: changing dollar volume from the first day of a month on leaves that month unchanged', () => {
    const dv = makeDv();
    const rng = makeRng(1);
    for (let t = MAR[0]; t < T; t++) for (let i = 0; i < N; i++) dv[t * N + i] = rng.uniform() * 1e6;
    const after = dollarVolumeUniverses(days, dv, N, sizes);
    for (let u = 0; u < 3; u++) {
      const before = [top, next, rest][u].member;
      expect(Array.from(after[u].member.subarray(0, (MAR[1] + 1) * N))).toEqual(Array.from(before.subarray(0, (MAR[1] + 1) * N)));
    }
    // ... while the formation day itself (last day of Feb) does count: stock 5 jumps into March's top
    const dv2 = makeDv();
    dv2[FEB[1] * N + 5] = 1e9;
    expect(members(dollarVolumeUniverses(days, dv2, N, sizes)[0].member, MAR[0])).toEqual([0, 5]);
  });
});
