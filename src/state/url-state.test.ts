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

describe('url-state: hostile links (issue 16)', () => {
  it('malformed percent-escapes in a key or a value: a banner line, the rest of the link still applies', () => {
    for (const h of ['#%E0%A4%A=1&seed=7', '#%=1&seed=7', '#seed=7&%E0%A4%A', '#seed=7&model=%E0%A4%A']) {
      const { run, warnings, present } = hashToRun(h);
      expect(run.seed, h).toBe(7);
      expect(present).toBe(true);
      expect(warnings, h).toHaveLength(1);
      expect(warnings[0]).toMatch(/not valid URL encoding/);
    }
    expect(hashToRun('#%E0%A4%A=1').warnings[0]).toBe("setting name '%E0%A4%A' is not valid URL encoding (a malformed %-escape); ignored");
    expect(hashToRun('#model=%E0%A4%A').run.model).toBe(defaultRun.model);
  });

  it('out-of-range numbers are clamped (rounded where whole numbers are needed) with the key named', () => {
    const { run, warnings } = hashToRun(
      '#seed=1e308&split.groups=1e12&split.gap=-100&strategy.rebalance=-1&preprocessing.minHistory=1e300&strategy.groups=2.5&strategy.cost=3',
    );
    expect(run.seed).toBe(2 ** 31 - 1);
    expect(run.split.groups).toBe(200);
    expect(run.split.gap).toBe(0);
    expect(run.strategy.rebalance).toBe(1);
    expect(run.preprocessing.minHistory).toBe(2520);
    expect(run.strategy.groups).toBe(3); // Math.round(2.5) = 3
    expect(run.strategy.cost).toBe(0.5);
    expect(warnings).toEqual([
      'seed=1e+308: outside 0..2147483647; using 2147483647',
      'split.groups=1000000000000: outside 0..200; using 200',
      'split.gap=-100: outside 0..504; using 0',
      'strategy.rebalance=-1: outside 1..504; using 1',
      'preprocessing.minHistory=1e+300: outside 0..2520; using 2520',
      'strategy.groups=2.5: not a whole number; using 3',
      'strategy.cost=3: outside 0..0.5; using 0.5',
    ]);
  });

  it('optional numeric fields (no default) and synthetic settings are range-checked too; in-range values pass untouched', () => {
    const { run, warnings } = hashToRun(
      '#split.windowMonths=0&strategy.k=50&strategy.lag=1e9&dataset.kind=synthetic&dataset.synthetic.nStocks=1e9&dataset.synthetic.alpha=1e300&dataset.synthetic.idioVol=0.02',
    );
    expect(run.split.windowMonths).toBe(1);
    expect(run.strategy.k).toBe(50);
    expect(run.strategy.lag).toBe(63);
    expect(run.dataset.synthetic).toEqual({ nStocks: 5000, alpha: 1e6, idioVol: 0.02 });
    expect(warnings.map((w) => w.split('=')[0])).toEqual([
      'split.windowMonths',
      'strategy.lag',
      'dataset.synthetic.nStocks',
      'dataset.synthetic.alpha',
    ]);
  });

  it('a 300,000-character value is refused and not echoed in full; long factor lists are capped', () => {
    const long = 'x'.repeat(300_000);
    const { run, warnings } = hashToRun(`#dataset.kind=file&dataset.name=${long}&seed=5`);
    expect(run.dataset.name).toBe(defaultRun.dataset.name);
    expect(run.seed).toBe(5);
    expect(warnings).toEqual(['dataset.name: a value of 300,000 characters is too long (at most 1000); kept the default']);
    const key = hashToRun(`#${long}=1`).warnings[0];
    expect(key.length).toBeLessThan(120);
    expect(key).toContain('(300,000 characters)');
    const many = Array.from({ length: 2500 }, (_, i) => `f${i}`).join(',');
    expect(hashToRun(`#factors=${many.slice(0, 999)}`).run.factors.length).toBeGreaterThan(100);
  });

  it('nothing in a link throws: fuzzed hashes always give a full run', () => {
    let seed = 3;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = [
      '%',
      '%E0',
      '%A4',
      '=',
      '&',
      '.',
      '__proto__',
      'constructor',
      'seed',
      'split',
      'groups',
      '1e308',
      '-',
      'NaN',
      'config',
      'x',
    ];
    for (let i = 0; i < 500; i++) {
      const h = '#' + Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      const r = hashToRun(h);
      expect(typeof r.run.seed).toBe('number');
      expect(Number.isFinite(r.run.seed)).toBe(true);
      expect(r.run.preprocessing.minHistory).toBeLessThanOrEqual(2520);
    }
    expect(({} as Record<string, unknown>).groups).toBeUndefined();
  });
});

describe('includeLabelLike never travels in a link (issue 16: it needs a confirmation in the Data panel)', () => {
  it('is not written, and a link carrying it is ignored with a banner line', () => {
    const run = { ...defaultRun, preprocessing: { ...defaultRun.preprocessing, includeLabelLike: true, extremeReturns: 'clip' as const } };
    const hash = runToHash(run);
    expect(hash).not.toContain('includeLabelLike');
    expect(hash).toContain('preprocessing.extremeReturns=clip');
    const back = hashToRun('#preprocessing.includeLabelLike=true&preprocessing.extremeReturns=drop');
    expect(back.run.preprocessing.includeLabelLike).toBeUndefined();
    expect(back.run.preprocessing.extremeReturns).toBe('drop');
    expect(back.warnings).toEqual([
      'preprocessing.includeLabelLike: label-like columns are used as factors only after a confirmation in the Data panel; ignored',
    ]);
  });
});
