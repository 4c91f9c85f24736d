import { describe, expect, it } from 'vitest';
import { sums14, sums20 } from './factors-js';

/** the chain pass by pass, as the SQL writes it: out[i] = a[i] + b[i - k], NaN while the lag is missing */
const lagAdd = (a: Float64Array, b: Float64Array, k: number): Float64Array => Float64Array.from(a, (v, i) => (i >= k ? v + b[i - k] : NaN));

describe('the doubling chains in one loop (sums20, sums14)', () => {
  // random values with NaN holes (missing inputs), so a hole's reach through each step is checked as well
  const n = 97;
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 200 - 100;
  const x = Float64Array.from({ length: n }, (_, i) => (i % 23 === 5 || i === 60 ? NaN : rnd()));
  const same = (a: Float64Array, b: Float64Array) => a.every((v, i) => Object.is(v, b[i]));

  it('sums20: p2, p4, p8, p16 and s20 equal to the bit to one lagAdd pass per step', () => {
    const p2 = lagAdd(x, x, 1),
      p4 = lagAdd(p2, p2, 2),
      p8 = lagAdd(p4, p4, 4),
      p16 = lagAdd(p8, p8, 8),
      s20 = lagAdd(p16, p4, 16);
    const o = Array.from({ length: 5 }, () => new Float64Array(n + 8).fill(123)); // longer buffers, as the pool's
    sums20(x, n, o[0], o[1], o[2], o[3], o[4]);
    [p2, p4, p8, p16, s20].forEach((ref, k) => expect(same(ref, o[k].subarray(0, n))).toBe(true));
    // the window's sum where no hole is within 20 rows: row 50 sums rows 31..50 (holes at 5, 28, 51, 60, 74)
    expect(o[4][50]).toBeCloseTo(
      x.slice(31, 51).reduce((a, b) => a + b, 0),
      10,
    );
    expect(Number.isNaN(o[4][40])).toBe(true); // row 28 inside the window
    expect(o[4].subarray(n)).toEqual(new Float64Array(8).fill(123)); // nothing written past n
  });

  it('sums14: p2, p4, p8 and s14 = p8 + p4_{t-8} + p2_{t-12}, also for fewer rows than the lags', () => {
    for (const m of [n, 10, 1]) {
      const xm = x.subarray(0, m);
      const p2 = lagAdd(xm, xm, 1),
        p4 = lagAdd(p2, p2, 2),
        p8 = lagAdd(p4, p4, 4);
      const s14 = Float64Array.from(p8, (v, i) => (i >= 12 ? v + p4[i - 8] + p2[i - 12] : NaN));
      const o = Array.from({ length: 4 }, () => new Float64Array(m));
      sums14(xm, m, o[0], o[1], o[2], o[3]);
      [p2, p4, p8, s14].forEach((ref, k) => expect(same(ref, o[k])).toBe(true));
    }
  });
});
