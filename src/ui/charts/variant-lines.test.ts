/**
 * Two entries of one model on one chart (FactorVAE and its factorvae-prior ablation): one colour per model, so the
 * second line is told apart by its dash (methodViews sets variant 1, methodLineType draws it dashed); one entry per
 * model stays solid, an alternative score ('<model>:<channel>') stays dotted.
 */
import { describe, expect, it } from 'vitest';
import { defaultRun } from '../../core/run';
import type { TrainResult } from '../../state/lab-api';
import { icViews, methodViews } from '../../state/views';
import { methodColor, methodLineType } from '../colors';
import { cumOption, icOption } from './options';

const entry = (model: string, label: string, cum: number[]): TrainResult => ({
  model,
  label,
  backend: 'cpu',
  run: defaultRun,
  elapsedMs: 1,
  metrics: { columns: [], rows: [] },
  series: [
    {
      method: model,
      label,
      dates: ['2019-01-02', '2019-01-03'],
      cumReturn: cum,
      cumExcess: cum,
      icDates: ['2019-01-02', '2019-01-03'],
      ic: [0.1, 0.2],
    },
  ],
  benchmark: { label: 'EW', dates: ['2019-01-02'], cumReturn: [0] },
});

type LineSeries = { name: string; lineStyle: { color: string; type: unknown } };

describe('a second entry of one model is dashed, in its model colour', () => {
  const results = [
    entry('linear', 'Linear', [0, 0.01]),
    entry('factorvae', 'FactorVAE', [0, 0.02]),
    entry('factorvae', 'factorvae-prior', [0, -0.01]),
  ];

  it('methodViews numbers the entries of a model: 0 (unset), 1, 2', () => {
    const third = entry('factorvae', 'factorvae-k8', [0, 0]);
    expect(methodViews([...results, third]).map((m) => [m.label, m.variant])).toEqual([
      ['Linear', undefined],
      ['FactorVAE', undefined],
      ['factorvae-prior', 1],
      ['factorvae-k8', 2],
    ]);
    // the stored series is not changed (the views copy it)
    expect(results[2].series[0].variant).toBeUndefined();
  });

  it('cumulative excess chart: same colour for both FactorVAE lines, solid then dashed', () => {
    const series = (cumOption(methodViews(results), null, 'excess') as { series: LineSeries[] }).series;
    const by = Object.fromEntries(series.map((s) => [s.name, s.lineStyle]));
    expect(by['FactorVAE'].color).toBe(methodColor('factorvae'));
    expect(by['factorvae-prior'].color).toBe(methodColor('factorvae'));
    expect(by['FactorVAE'].type).toBe('solid');
    expect(by['factorvae-prior'].type).toBe('dashed');
    expect(by['Linear'].type).toBe('solid');
  });

  it('IC chart: the rolling means carry the same dash', () => {
    const series = (icOption(icViews(results, 1), 1) as { series: LineSeries[] }).series;
    expect(series.find((s) => s.name.startsWith('factorvae-prior'))!.lineStyle.type).toBe('dashed');
    expect(series.find((s) => s.name.startsWith('FactorVAE'))!.lineStyle.type).toBe('solid');
  });

  it('line types: alternative dotted, variants dashed then dash-dot', () => {
    expect(methodLineType('dmfm:attention')).toBe('dotted');
    expect(methodLineType('dmfm:attention', 1)).toBe('dotted');
    expect(methodLineType('mlp')).toBe('solid');
    expect(methodLineType('mlp', 1)).toBe('dashed');
    expect(methodLineType('mlp', 3)).toEqual([10, 4, 2, 4]);
  });
});
