import { describe, expect, it } from 'vitest';
import { defaultRun } from '../core/run';
import { entryViews, linesWithPicked, pickEntry, pickSeries, seriesByKey } from './entries';
import type { TrainResult } from './lab-api';
import { dailyReturns, monthlyReturns } from './tearsheet';
import { mergedMetrics, methodViews } from './views';

/**
 * One entry of `model` under `label`: its net value over three January days and its monthly IC, IR as given. Two
 * entries of one model differ only in label and numbers (a bundle's factorvae and factorvae-prior).
 */
const entry = (model: string, label: string, nav: number[], monthlyIc: number, ir: number): TrainResult => ({
  model,
  label,
  backend: 'cpu',
  run: defaultRun,
  elapsedMs: 1,
  metrics: { columns: [{ key: 'ir', label: 'IR' }] as TrainResult['metrics']['columns'], rows: [{ method: model, label, values: { ir } }] },
  series: [
    {
      method: model,
      label,
      dates: ['2019-01-02', '2019-01-03', '2019-01-04'],
      cumReturn: nav.map((v) => v - 1),
      cumExcess: nav.map((v) => v - 1),
      nav,
      icDates: ['2019-01-02'],
      ic: [monthlyIc],
      monthly: { years: [2019], ic: [monthlyIc, ...new Array<number>(11).fill(NaN)], rankIc: new Array<number>(12).fill(NaN) },
    },
  ],
  benchmark: { label: 'EW', dates: ['2019-01-02'], cumReturn: [0] },
});

// FactorVAE: +1%, +2%, 0% -> January 1.01 x 1.02 - 1 = 3.02%; the prior ablation: -1%, -1%, +1% -> 0.99 x 0.99 x 1.01 - 1 = -1.0099%
const linear = entry('linear', 'Linear', [1.005, 1.005, 1.005], 0.01, 0.3);
const fvae = entry('factorvae', 'FactorVAE', [1.01, 1.0302, 1.0302], 0.05, 1.5);
const prior = entry('factorvae', 'factorvae-prior', [0.99, 0.9801, 0.989901], -0.02, -0.4);

/** the January return the tear sheet's monthly table shows for a picked series */
const january = (s: TrainResult['series'][number]) => monthlyReturns(s.dates, dailyReturns(s.nav!)).months[0][0];

describe('entry pickers (two entries of one model)', () => {
  const results = [linear, fvae, prior];
  const entries = entryViews(results);

  it('lists every entry by its display label, two of factorvae among them', () => {
    expect(entries.map((m) => m.label)).toEqual(['Linear', 'FactorVAE', 'factorvae-prior']);
    expect(entries.map((m) => m.method)).toEqual(['linear', 'factorvae', 'factorvae']);
  });

  it('picking each entry gives its own numbers (the old model-id pick gave FactorVAE for both)', () => {
    const a = pickSeries(entries, 'FactorVAE')!;
    const b = pickSeries(entries, 'factorvae-prior')!;
    expect(january(a)).toBeCloseTo(1.01 * 1.02 - 1, 12); // 3.02%
    expect(january(b)).toBeCloseTo(0.99 * 0.99 * 1.01 - 1, 12); // -1.0099%
    expect(a.monthly!.ic[0]).toBe(0.05);
    expect(b.monthly!.ic[0]).toBe(-0.02);
    // the bug: a pick by model id finds the first factorvae entry whichever is chosen
    expect(entries.find((m) => m.method === b.method)!.label).toBe('FactorVAE');
  });

  it('with nothing picked (or a label no longer shown) the latest entry is the default, as before', () => {
    expect(pickSeries(entries, '')!.label).toBe('factorvae-prior');
    expect(pickSeries(entries, null)!.label).toBe('factorvae-prior');
    expect(pickSeries(entries, 'MLP')!.label).toBe('factorvae-prior');
    expect(pickSeries([], 'FactorVAE')).toBeUndefined();
  });

  it('one entry per model: the same list and default as the chart lines (methodViews)', () => {
    const one = [linear, fvae];
    expect(entryViews(one)).toEqual(methodViews(one));
    expect(pickSeries(entryViews(one), '')).toBe(methodViews(one)[1]);
  });

  it('the seeds of a method are entries of their own (the charts draw one line for them)', () => {
    const s1 = entry('factorvae', 'FactorVAE@1', [1.01, 1.01, 1.01], 0.03, 1);
    const s2 = entry('factorvae', 'FactorVAE@2', [1.02, 1.02, 1.02], 0.04, 2);
    expect(methodViews([s1, s2]).map((m) => m.label)).toEqual(['FactorVAE@2']);
    const e = entryViews([s1, s2]);
    expect(e.map((m) => m.label)).toEqual(['FactorVAE@1', 'FactorVAE@2']);
    expect(january(pickSeries(e, 'FactorVAE@1')!)).toBeCloseTo(0.01, 12);
    expect(january(pickSeries(e, 'FactorVAE@2')!)).toBeCloseTo(0.02, 12);
  });

  it('the cross-method lines show the picked seed in place of the latest one (other methods untouched)', () => {
    const s1 = entry('factorvae', 'FactorVAE@1', [1.01, 1.01, 1.01], 0.03, 1);
    const s2 = entry('factorvae', 'FactorVAE@2', [1.02, 1.02, 1.02], 0.04, 2);
    const lin = entry('linear', 'Linear@1', [1.005, 1.005, 1.005], 0.01, 0.3);
    const lines = methodViews([lin, s1, s2]);
    expect(lines.map((m) => m.label)).toEqual(['Linear@1', 'FactorVAE@2']);
    const e = entryViews([lin, s1, s2]);
    // seed 1 picked: its line (January +1%) replaces seed 2's (+2%); Linear stays
    const picked = linesWithPicked(lines, pickSeries(e, 'FactorVAE@1'));
    expect(picked.map((m) => m.label)).toEqual(['Linear@1', 'FactorVAE@1']);
    expect(january(picked[1])).toBeCloseTo(0.01, 12);
    // the latest seed, or another method's entry, picked: the same lines
    expect(linesWithPicked(lines, pickSeries(e, 'FactorVAE@2'))).toBe(lines);
    expect(linesWithPicked(lines, pickSeries(e, 'Linear@1'))).toBe(lines);
    // a held-out run shares its method's line too; an ablation (own label) has its own line and is never swapped in
    const held = entry('factorvae', 'FactorVAE · held-out@1', [0.99, 0.99, 0.99], 0, 0);
    expect(linesWithPicked(lines, held.series[0]).map((m) => m.label)).toEqual(['Linear@1', 'FactorVAE · held-out@1']);
    expect(linesWithPicked(lines, prior.series[0])).toBe(lines);
  });

  it('the Explain picker: entries by result label', () => {
    expect(pickEntry(results, 'factorvae-prior', (r) => r.label)).toBe(prior);
    expect(pickEntry(results, 'FactorVAE', (r) => r.label)).toBe(fvae);
  });

  it('merged metrics (test API) keep a row per entry, with its own IR', () => {
    const m = mergedMetrics(results)!;
    expect(m.rows.map((r) => [r.method, r.label, r.values.ir])).toEqual([
      ['linear', 'Linear', 0.3],
      ['factorvae', 'FactorVAE', 1.5],
      ['factorvae', 'factorvae-prior', -0.4],
    ]);
  });
});

describe('test-API lookups (monthlyReturns, signalSheet): an entry label or a model id', () => {
  const results = [linear, fvae, prior];
  const all = () => true;
  it('a label names its entry; a model id its first line, as before; no key the latest line', () => {
    expect(seriesByKey(results, 'factorvae-prior', all)!.monthly!.ic[0]).toBe(-0.02);
    expect(seriesByKey(results, 'FactorVAE', all)!.monthly!.ic[0]).toBe(0.05);
    expect(seriesByKey(results, 'factorvae', all)!.label).toBe('FactorVAE');
    expect(seriesByKey(results, undefined, all)!.label).toBe('factorvae-prior');
    expect(seriesByKey(results, 'mlp', all)).toBeUndefined();
    // `keep` filters both ways: an entry left out is not found by its label
    expect(seriesByKey(results, 'factorvae-prior', (m) => m.label !== 'factorvae-prior')).toBeUndefined();
  });
});
