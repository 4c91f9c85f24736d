import { describe, expect, it } from 'vitest';
import type { DatasetSummary } from '../../state/lab-api';
import { universeColor, UI_COLORS } from '../colors';
import { edgesOption } from './options';

type Line = { name: string; data: [string, number | null][]; lineStyle: { color: string }; sampling?: string };
type Opt = { series: Line[]; legend?: { data: string[] }; tooltip: { valueFormatter: (v: unknown) => string } };

const dates = ['2019-01-31', '2019-02-28', '2019-03-29'];
const summary = (byUniverse?: { name: string; avgEdges: number[] }[]): DatasetSummary => ({
  name: 'demo',
  kind: 'prices',
  dates: { start: dates[0], end: dates[2], count: 3 },
  stocks: 4,
  factors: [],
  universes: [
    { name: 'all', description: 'every stock', avgMembers: 400 },
    { name: 'top100', description: '100 largest', avgMembers: 100 },
    { name: 'rest', description: 'the rest', avgMembers: 150 },
  ],
  bytes: 0,
  edges: { dates, avgEdges: [30, 31.5, 32], byUniverse },
  industries: [],
  tables: [],
  notes: [],
});

describe('edgesOption (DMFM Fig. 3)', () => {
  it('one line per universe, in order, with the universe colours, a legend and NaN days as gaps', () => {
    const o = edgesOption(
      summary([
        { name: 'all', avgEdges: [30, 31.5, 32] },
        { name: 'top100', avgEdges: [NaN, 6.25, 7] },
        { name: 'rest', avgEdges: [NaN, 10, 11.5] },
      ]),
    ) as unknown as Opt;
    expect(o.series.map((s) => s.name)).toEqual(['all', 'top100', 'rest']);
    expect(o.legend?.data).toEqual(['all', 'top100', 'rest']);
    expect(o.series.map((s) => s.lineStyle.color)).toEqual([universeColor('all'), universeColor('top100'), universeColor('rest')]);
    expect(new Set(o.series.map((s) => s.lineStyle.color)).size).toBe(3);
    expect(o.series[1].data).toEqual([
      [dates[0], null],
      [dates[1], 6.25],
      [dates[2], 7],
    ]);
    expect(o.series[0].data[1]).toEqual([dates[1], 31.5]);
    expect(o.series.every((s) => s.sampling === 'lttb')).toBe(true);
    // tooltip: one decimal, a dash for a gap
    expect(o.tooltip.valueFormatter(6.25)).toBe('6.3');
    expect(o.tooltip.valueFormatter(null)).toBe('–');
  });

  it('without a per-universe split: the single every-stock line, no legend', () => {
    const o = edgesOption(summary()) as unknown as Opt;
    expect(o.series).toHaveLength(1);
    expect(o.series[0].data.map((d) => d[1])).toEqual([30, 31.5, 32]);
    expect(o.series[0].lineStyle.color).toBe(UI_COLORS.edges);
    expect(o.legend).toBeUndefined();
  });

  it('universe colours: tiers by prefix (top50 is coloured like top100), unknown names stable', () => {
    expect(universeColor('top50')).toBe(universeColor('top100'));
    expect(universeColor('next300')).toBe(universeColor('next150'));
    expect(universeColor('next150')).not.toBe(universeColor('top100'));
    expect(universeColor('mycap')).toBe(universeColor('mycap'));
    expect(universeColor('mycap')).toMatch(/^#[0-9A-Fa-f]{6}$/);
  });
});
