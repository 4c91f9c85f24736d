import { describe, expect, it } from 'vitest';
import { collinearityCulprits } from './linalg';

/** X'X of demeaned columns (rows of x) */
function xtx(cols: number[][]): Float64Array {
  const n = cols.length,
    m = cols[0].length;
  const c = cols.map((v) => {
    const mu = v.reduce((a, b) => a + b, 0) / m;
    return v.map((x) => x - mu);
  });
  const A = new Float64Array(n * n);
  for (let f = 0; f < n; f++) for (let g = 0; g < n; g++) A[f * n + g] = c[f].reduce((s, x, i) => s + x * c[g][i], 0);
  return A;
}

describe("collinearityCulprits (issue 16: name the column behind a singular X'X)", () => {
  it('names a constant factor and a duplicated (rescaled) one', () => {
    const mom = [1, 2, 3, 5, 8],
      vol = [0, 0, 0, 0, 0], // zero volume everywhere
      mom2 = mom.map((x) => 2 * x + 1), // the same factor up to scale: correlation exactly 1
      val = [3, 1, 4, 1, 5];
    const why = collinearityCulprits(xtx([mom, vol, mom2, val]), 4, ['mom', 'vol', 'mom2', 'val']);
    expect(why).toBe(
      "'vol' has no variation on these rows (constant or empty: e.g. zero volume everywhere, an all-missing column, or industry-neutralised with one stock per industry); 'mom' and 'mom2' (correlation 1.0000) are the same factor up to scale (a duplicated column)",
    );
  });
  it('says nothing for well-conditioned factors', () => {
    expect(
      collinearityCulprits(
        xtx([
          [1, 2, 3, 5, 8],
          [3, 1, 4, 1, 5],
        ]),
        2,
        ['a', 'b'],
      ),
    ).toBe('');
  });
});
