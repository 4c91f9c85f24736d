import { describe, expect, it } from 'vitest';
import { defaultRun, type RunConfig } from '../core/run';
import { flattenRun, hashToRun, readBackendParam, runToHash } from './url-state';

describe('url-state', () => {
  it('round-trips a full run through the hash', () => {
    const run: RunConfig = {
      ...structuredClone(defaultRun),
      dataset: { kind: 'synthetic', name: 'synthetic', synthetic: { stocks: 150, signal: 0.03 } },
      universe: 'top100',
      factors: ['momentum', 'volatility'],
      preprocessing: { madK: 3.5, normalize: 'rank', missing: 'mask', industryNeutral: true, minHistory: 120 },
      model: 'mgat',
      config: { hidden: 32, lr: 0.0005, dropout: 0.1, activation: 'relu', useGraph: false },
      seed: 7,
    };
    const h = runToHash(run);
    expect(h.startsWith('#dataset.kind=synthetic&')).toBe(true);
    expect(h).toContain('factors=momentum,volatility');
    expect(h).toContain('preprocessing.madK=3.5');
    const back = hashToRun(h);
    expect(back.warnings).toEqual([]);
    expect(back.present).toBe(true);
    expect(back.run).toEqual(run);
  });

  it('carries the optional industry level (sector by default) and rejects other values', () => {
    const run: RunConfig = {
      ...structuredClone(defaultRun),
      preprocessing: { ...defaultRun.preprocessing, industryLevel: 'sub_industry' },
    };
    const h = runToHash(run);
    expect(h).toContain('preprocessing.industryLevel=sub_industry');
    expect(hashToRun(h).run).toEqual(run);
    const bad = hashToRun('#preprocessing.industryLevel=citic');
    expect(bad.run.preprocessing.industryLevel).toBeUndefined();
    expect(bad.warnings).toEqual(['preprocessing.industryLevel=citic: expected one of sector, sub_industry; ignored']);
  });

  it('fills what a partial link leaves out from defaultRun', () => {
    const { run, warnings } = hashToRun('#model=linear&seed=3');
    expect(warnings).toEqual([]);
    expect(run.model).toBe('linear');
    expect(run.seed).toBe(3);
    expect(run.preprocessing).toEqual(defaultRun.preprocessing);
    expect(run.dataset).toEqual(defaultRun.dataset);
  });

  it('keeps defaults and warns on bad values and unknown keys', () => {
    const { run, warnings } = hashToRun('#seed=abc&preprocessing.normalize=zz&preprocessing.industryNeutral=yes&bogus=1&__proto__.x=1');
    expect(run.seed).toBe(42);
    expect(run.preprocessing.normalize).toBe('zscore');
    expect(run.preprocessing.industryNeutral).toBe(false);
    expect(warnings).toHaveLength(5);
    expect(warnings[0]).toBe('seed=abc: expected a number, kept 42');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('an empty factor list and an empty hash mean defaults', () => {
    expect(hashToRun('').present).toBe(false);
    expect(hashToRun('#factors=').run.factors).toEqual([]);
  });

  it('decodes encoded file names', () => {
    const run = { ...structuredClone(defaultRun), dataset: { kind: 'file' as const, name: 'my prices & co.parquet' } };
    expect(hashToRun(runToHash(run)).run.dataset.name).toBe('my prices & co.parquet');
  });

  it('flattens nested objects to dotted paths in declaration order', () => {
    const keys = flattenRun(defaultRun).map(([k]) => k);
    expect(keys.slice(0, 4)).toEqual(['dataset.kind', 'dataset.name', 'universe', 'factors']);
    expect(keys).toContain('strategy.cost');
  });

  it('carries the execution lag: default 1 in the hash, 0 read back as a number, a bad value keeps the default', () => {
    expect(runToHash(defaultRun)).toContain('strategy.lag=1');
    expect(hashToRun('#strategy.lag=0').run.strategy.lag).toBe(0);
    const bad = hashToRun('#strategy.lag=soon');
    expect(bad.run.strategy.lag).toBe(1);
    expect(bad.warnings).toEqual(['strategy.lag=soon: expected a number, kept 1']);
  });

  it('reads ?backend= and ignores unknown backends', () => {
    expect(readBackendParam('?backend=webgl')).toBe('webgl');
    expect(readBackendParam('?x=1&backend=cpu')).toBe('cpu');
    expect(readBackendParam('?backend=cuda')).toBeNull();
    expect(readBackendParam('')).toBeNull();
  });
});

describe('url-state backend', () => {
  it('accepts backend= in the hash (RunConfig.backend) and rejects unknown ones', () => {
    expect(hashToRun('#backend=wasm').run.backend).toBe('wasm');
    const bad = hashToRun('#backend=cuda');
    expect(bad.run.backend).toBeUndefined();
    expect(bad.warnings[0]).toMatch(/^backend=cuda: expected one of auto, webgpu/);
  });
});
