import { describe, expect, it } from 'vitest';
import { icOption } from './options';

/** two entries of factorvae (a bundle's factorvae and factorvae-prior) and linear, with distinct daily ICs */
const view = (method: string, label: string, ic: number[]) => ({
  method,
  label,
  dates: ['2019-01-02', '2019-01-03'],
  ic,
  rolling: ic,
});
const views = [
  view('linear', 'Linear', [0.01, 0.02]),
  view('factorvae', 'FactorVAE', [0.1, 0.2]),
  view('factorvae', 'factorvae-prior', [-0.3, -0.4]),
];
const bars = (barsFor: string) =>
  (icOption(views, 2, barsFor) as { series: { name: string; type: string; data: [string, number][] }[] }).series.filter(
    (s) => s.type === 'bar',
  );

describe('IC chart daily bars follow an entry', () => {
  it('by display label: the first of two entries of one model shows its own daily IC', () => {
    const b = bars('FactorVAE');
    expect(b.map((s) => s.name)).toEqual(['FactorVAE daily IC']);
    expect(b[0].data.map((d) => d[1])).toEqual([0.1, 0.2]);
    expect(bars('factorvae-prior')[0].data.map((d) => d[1])).toEqual([-0.3, -0.4]);
  });

  it('by model id (older callers): the latest entry of that model', () => {
    expect(bars('factorvae').map((s) => s.name)).toEqual(['factorvae-prior daily IC']);
    expect(bars('mlp')).toEqual([]);
  });
});
