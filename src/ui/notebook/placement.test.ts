import { describe, expect, it } from 'vitest';
import { placeNote } from './placement';

describe('placeNote (@after <view>)', () => {
  it('takes the directive off the first line and names the view', () => {
    expect(placeNote('@after cum\n## Under the chart\n\ntext')).toEqual({ text: '## Under the chart\n\ntext', after: 'cum' });
    expect(placeNote('  @after icHeatmap  \nx')).toEqual({ text: 'x', after: 'icHeatmap' });
    expect(placeNote('@after drawdown')).toEqual({ text: '', after: 'drawdown' });
  });
  it('leaves other notes above the views, and a directive that is not a plain view name as text', () => {
    expect(placeNote('## Title\n@after cum')).toEqual({ text: '## Title\n@after cum', after: null });
    expect(placeNote('@after "><img src=x>\nx')).toEqual({ text: '@after "><img src=x>\nx', after: null });
    expect(placeNote('@afterward cum')).toEqual({ text: '@afterward cum', after: null });
  });
});
