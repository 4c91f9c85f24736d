import { describe, expect, it } from 'vitest';
import { legendGridTop } from './legend';

describe('legendGridTop', () => {
  it('one row of legend: top 34; items that do not fit wrap to a new row, 20 px each', () => {
    expect(legendGridTop(['Linear', 'MLP'], 370)).toBe(34);
    // widths 47 (32 px icon + 5 + 10) + 6.6 * chars: Linear 86.6, EW (equal-weighted) 172.4, MLP 66.8 (325.8 so far),
    // MGAT (MLP & GAT) 152.6 does not fit in 370 -> row 2; DMFM (deep multi-factor model) 245: 152.6 + 245 = 397.6 > 370
    // -> row 3; all five 723.4 fit in 800
    const five = ['Linear', 'EW (equal-weighted)', 'MLP', 'MGAT (MLP & GAT)', 'DMFM (deep multi-factor model)'];
    expect(legendGridTop(five, 370)).toBe(74);
    expect(legendGridTop(five, 800)).toBe(34);
    // an item wider than the chart still takes one row of its own
    expect(legendGridTop(['x'.repeat(80), 'y'], 200)).toBe(54);
  });
});
