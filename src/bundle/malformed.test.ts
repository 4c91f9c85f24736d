/**
 * Untrusted bundles: a corpus of 24 malformed bundles (src/bundle/corpus.ts) is refused, each with a BundleError that
 * names the part; nothing reaches Object.prototype; names with markup stay text in the messages; the limits hold.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { runExperiment } from '../../scripts/experiment';
import { initParquetNode } from '../data/parquet-node';
import { readBundle } from './read';
import { malformedCorpus } from './corpus';
import { BundleError, LIMITS } from './format';
import { tinyConfig } from './test-fixture';

let valid: Uint8Array;
beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), 'factor-lab-bad-'));
  await runExperiment({ ...tinyConfig, models: tinyConfig.models.slice(0, 2) }, out, { backend: 'cpu', log: () => {} });
  await initParquetNode();
  valid = new Uint8Array(readFileSync(join(out, 'run.flrun.zip')));
}, 120_000);

describe('malformed run bundles', () => {
  it('the valid bundle opens', () => {
    expect(readBundle(valid).methods.length).toBe(2);
  });

  it('refuses every case of the corpus with a message naming the part', () => {
    const corpus = malformedCorpus(valid);
    expect(corpus.length).toBeGreaterThanOrEqual(15);
    for (const c of corpus) {
      let err: unknown;
      try {
        readBundle(c.bytes);
      } catch (e) {
        err = e;
      }
      expect(err, c.name).toBeInstanceOf(BundleError);
      const be = err as BundleError;
      expect(be.part, `${c.name}: ${be.message}`).toBe(c.part);
      expect(be.message, c.name).toContain(`Run bundle, ${c.part}:`);
      expect(be.message, c.name).toMatch(c.says);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('enforces the size limits before inflating', () => {
    const keep = { ...LIMITS };
    try {
      LIMITS.totalBytes = 1000;
      expect(() => readBundle(valid)).toThrow(/Run bundle, file: .* MB, more than the limit/);
      LIMITS.totalBytes = keep.totalBytes;
      // a small zip of a large run of zeros: its declared size is refused before it is inflated
      LIMITS.entryBytes = 1 << 20;
      const bomb = zipSync({ 'manifest.json': new Uint8Array(4 << 20) }, { level: 9 });
      expect(bomb.byteLength).toBeLessThan(50_000);
      expect(() => readBundle(bomb)).toThrow(/Run bundle, manifest.json: declares 4194304 bytes/);
    } finally {
      Object.assign(LIMITS, keep);
    }
  });
});
