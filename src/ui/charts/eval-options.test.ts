import { describe, expect, it } from 'vitest';
import { legendGridTop } from './eval-options';

describe('legendGridTop', () => {
  it('one row of legend: top 34; items that do not fit wrap to a new row, 20 px each', () => {
    expect(legendGridTop(['Linear', 'MLP'], 370)).toBe(34);
    // widths 33 + 6.6 * chars: Linear 72.6, EW (equal-weighted) 158.4, MLP 52.8 (284 so far), MGAT (MLP & GAT) 138.6
    // does not fit in 370 -> row 2; + DMFM (deep multi-factor model) 231 = 369.6 still fits row 2
    const five = ['Linear', 'EW (equal-weighted)', 'MLP', 'MGAT (MLP & GAT)', 'DMFM (deep multi-factor model)'];
    expect(legendGridTop(five, 370)).toBe(54);
    expect(legendGridTop(five, 800)).toBe(34);
    // an item wider than the chart still takes one row of its own
    expect(legendGridTop(['x'.repeat(80), 'y'], 200)).toBe(54);
  });
});
