import { describe, expect, it } from 'vitest';
import { etaMs, finiteMean, normalizeConfig } from './derive';

describe('etaMs', () => {
  it('extrapolates linearly: 25% done in 10 s leaves 30 s', () => {
    expect(etaMs(0.25, 10_000)).toBe(30_000);
    expect(etaMs(1, 5000)).toBe(0);
    expect(etaMs(0, 5000)).toBeNull();
  });
});

describe('finiteMean', () => {
  it('skips NaN: mean(1, NaN, 5) = 3', () => {
    expect(finiteMean([1, NaN, 5])).toBe(3);
    expect(finiteMean([NaN])).toBeNaN();
  });
});

describe('normalizeConfig', () => {
  const schema = [
    { key: 'hidden', label: 'Hidden units', default: 64, min: 4, max: 512, step: 4 },
    { key: 'lr', label: 'Learning rate', default: 0.001, min: 1e-5, max: 0.1 },
    { key: 'act', label: 'Activation', default: 'relu', options: ['relu', 'tanh'] },
    { key: 'graph', label: 'Use graph', default: true },
  ];
  it('fills defaults, clamps, coerces and drops unknown keys', () => {
    expect(normalizeConfig(schema, { hidden: 1000, lr: '0.01', act: 'gelu', graph: 'false', junk: 3 })).toEqual({ hidden: 512, lr: 0.01, act: 'relu', graph: false });
    expect(normalizeConfig(schema, {})).toEqual({ hidden: 64, lr: 0.001, act: 'relu', graph: true });
  });
});
