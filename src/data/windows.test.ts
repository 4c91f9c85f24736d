import { describe, expect, it } from 'vitest';
import { gatherWindows, historyMask } from './windows';

describe('historyMask', () => {
  it('marks a stock only after L consecutive valid days', () => {
    // T = 5, N = 2, L = 3
    // stock 0 valid every day          -> runs 1 2 3 4 5 -> mask 0 0 1 1 1
    // stock 1 valid, valid, -, valid x2 -> runs 1 2 0 1 2 -> mask 0 0 0 0 0
    const valid = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1];
    expect(Array.from(historyMask(valid, 5, 2, 3))).toEqual([0, 0, 0, 0, 1, 0, 1, 0, 1, 0]);
    // L = 1 is the valid mask itself
    expect(Array.from(historyMask(valid, 5, 2, 1))).toEqual(valid);
  });
});

describe('gatherWindows', () => {
  it('gathers the L days ending at each batch date, oldest first, zeros before the first date', () => {
    // T = 4, N = 2, F = 2: x[t, n, f] = 100 t + 10 n + f
    const T = 4,
      N = 2,
      F = 2,
      L = 3;
    const x = new Float32Array(T * N * F);
    for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) x[(t * N + n) * F + f] = 100 * t + 10 * n + f;
    const w = gatherWindows(x, T, N, F, [3, 1], L); // [2, N, L, F]
    const at = (b: number, n: number, l: number, f: number) => w[((b * N + n) * L + l) * F + f];
    // date 3: days 1, 2, 3
    expect([at(0, 0, 0, 0), at(0, 0, 1, 0), at(0, 0, 2, 0)]).toEqual([100, 200, 300]);
    expect([at(0, 1, 0, 1), at(0, 1, 2, 1)]).toEqual([111, 311]);
    // date 1: days -1 (zeros), 0, 1
    expect([at(1, 1, 0, 0), at(1, 1, 0, 1), at(1, 1, 1, 0), at(1, 1, 2, 1)]).toEqual([0, 0, 10, 111]);
    // the last window day is the date's own cross-section
    for (let n = 0; n < N; n++) for (let f = 0; f < F; f++) expect(at(0, n, L - 1, f)).toBe(x[(3 * N + n) * F + f]);
    // reusing a dirty buffer gives the same result
    const buf = new Float32Array(2 * N * L * F).fill(7);
    expect(Array.from(gatherWindows(x, T, N, F, [3, 1], L, buf))).toEqual(Array.from(w));
  });
});
