import { describe, expect, it } from 'vitest';
import { dailyReturns, monthlyReturns, rollingBeta, rollingSharpe } from './tearsheet';

describe('tear-sheet views', () => {
  it('daily returns from net value; month and year returns compound them', () => {
    // V: 1.01, 1.0302 (+2%), 0.98869 ... worked: r = 0.01, 0.02, then 1.0302 -> 1.0096 is -0.02
    const nav = [1.01, 1.0302, 1.009596];
    const r = dailyReturns(nav);
    expect(Array.from(r).map((x) => +x.toFixed(10))).toEqual([0.01, 0.02, -0.02]);
    const m = monthlyReturns(['2019-01-30', '2019-01-31', '2019-02-01'], r);
    expect(m.years).toEqual([2019]);
    expect(m.months[0][0]).toBeCloseTo(1.01 * 1.02 - 1, 12); // January: 3.02%
    expect(m.months[0][1]).toBeCloseTo(-0.02, 12);
    expect(Number.isNaN(m.months[0][2])).toBe(true);
    expect(m.year[0]).toBeCloseTo(1.009596 - 1, 12); // the year compounds to the last net value
  });

  it('rolling Sharpe = mean / sd x sqrt(252) over the window; beta = cov / var', () => {
    const r = [0.01, 0.03, -0.01, 0.02];
    const s = rollingSharpe(r, 3);
    expect(Number.isNaN(s[1])).toBe(true);
    // window [0.01, 0.03, -0.01]: mean 0.01, sd sqrt(((0)^2 + 0.02^2 + 0.02^2) / 2) = 0.02 -> 0.5 x 15.8745 = 7.937
    expect(s[2]).toBeCloseTo(0.5 * Math.sqrt(252), 9);
    // window [0.03, -0.01, 0.02]: mean 0.013333, sd = sqrt((0.016667^2 + 0.023333^2 + 0.006667^2) / 2) = 0.020817
    expect(s[3]).toBeCloseTo((0.04 / 3 / Math.sqrt((0.0002778 + 0.0005444 + 0.0000444) / 2)) * Math.sqrt(252), 2);
    const b = [0.005, 0.015, -0.005, 0.01]; // r = 2 b exactly -> beta 2
    expect(rollingBeta(r, b, 3)[3]).toBeCloseTo(2, 12);
  });
});
