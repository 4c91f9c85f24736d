import { describe, expect, it } from 'vitest';
import { etaMs, finiteMean } from './derive';

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
