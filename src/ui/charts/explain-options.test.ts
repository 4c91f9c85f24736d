import { describe, expect, it } from 'vitest';
import type { StockContribution } from '../../state/explain-views';
import { attentionOption, waterfallOption, waterfallSteps } from './explain-options';

// stock C of src/state/explain-views.test.ts: 0.3 + 0.1 + 0.05 = 0.45, bias 0.04, eps 0.01 -> prediction 0.5
const c: StockContribution = {
  date: '2019-01-31',
  ticker: 'C',
  relevances: { m1: 0.3, v1: 0.1, v2: 0.05 },
  bias: 0.04,
  eps: 0.01,
  residual: 0,
  prediction: 0.5,
  top: true,
  method: 'LRP',
};

describe('waterfall', () => {
  it('waterfall: the largest factors, the rest pooled, bias and eps, ending at the prediction', () => {
    const s = waterfallSteps(c, 2);
    expect(s.map((x) => x.name)).toEqual(['m1', 'v1', 'other 1 factors', 'bias term', 'ε term', 'prediction']);
    expect(s[2].value).toBeCloseTo(0.05, 7);
    expect(s.slice(0, -1).reduce((a, x) => a + x.value, 0)).toBeCloseTo(s[s.length - 1].value, 7);
  });

  it('shows an unexplained step only when the residual is not ~0 (gradient x input)', () => {
    const g = waterfallSteps({ ...c, bias: 0, eps: 0, residual: 0.05 }, 5);
    expect(g.map((x) => x.name)).toEqual(['m1', 'v1', 'v2', 'bias term', 'ε term', 'unexplained', 'prediction']);
    expect(g.slice(0, -1).reduce((a, x) => a + x.value, 0)).toBeCloseTo(0.5, 9); // 0.45 + 0 + 0 + 0.05
  });
});

describe('tooltips from file names', () => {
  it('a factor or industry name with markup is escaped in the HTML tooltips ECharts renders', () => {
    type Tip = { tooltip: { formatter: (p: unknown) => string } };
    const heat = attentionOption(['<img src=x onerror=alert(1)>'], ['Tech & "Co"'], [[0.5]], 'industry') as unknown as Tip;
    expect(heat.tooltip.formatter({ value: [0, 0, 0.5] })).toBe(
      '&lt;img src=x onerror=alert(1)&gt;, industry Tech &amp; &quot;Co&quot;: mean attention 0.5000',
    );
    const wf = waterfallOption({ ...c, relevances: { '<b>mom</b>': 0.3 } }) as unknown as Tip;
    expect(wf.tooltip.formatter([{ dataIndex: 0 }])).toBe('&lt;b&gt;mom&lt;/b&gt;: +0.3000');
  });
});
