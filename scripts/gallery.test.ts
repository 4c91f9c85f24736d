/**
 * The committed gallery (public/gallery, npm run gallery) against its configs (examples/gallery) and the code:
 * every index entry is its file (size), opens as a compact bundle (10 mantissa bits, the evaluated horizon), holds the
 * methods its config names, and carries the run key of its config as the code computes it today (a config or a run
 * key change leaves the gallery stale: this fails until npm run gallery is run again). The comparison holds the runs'
 * methods once each with their metrics.json entries; runs that differ are refused. The total stays under 12 MB.
 * (Retraining every run here would take minutes; what ties metrics to scores is compact.test.ts and bundle.test.ts.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initParquetNode } from '../src/data/parquet-node';
import { readBundle, type OpenedBundle } from '../src/bundle/read';
import { bundleRunKey } from '../src/bundle/hash';
import { runKey } from '../src/train/run-key';
import { expandConfig } from './experiment';
import { combineBundles, readGalleryConfigs, type GalleryEntry } from './gallery';

const DIR = 'public/gallery';
const index = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as GalleryEntry[];
const configs = readGalleryConfigs('examples/gallery');
const opened = new Map<string, OpenedBundle>();

beforeAll(async () => {
  await initParquetNode();
  for (const e of index) opened.set(e.id, readBundle(new Uint8Array(readFileSync(join(DIR, e.file)))));
}, 120_000);

describe('the gallery (public/gallery)', () => {
  it('has one entry per config, the comparison last, under 12 MB in all', () => {
    expect(index.map((e) => e.id)).toEqual(configs.map((c) => c.id));
    expect(index.map((e) => e.id)).toEqual(expect.arrayContaining(['dmfm', 'dfm', 'e2eai', 'factorvae', 'comparison']));
    expect(index[index.length - 1].id).toBe('comparison');
    const total = index.reduce((s, e) => s + statSync(join(DIR, e.file)).size, 0);
    expect(total).toBeLessThan(12 * 1048576);
  });

  it('lists each bundle as it is: size, methods, test period, compact storage', () => {
    for (const e of index) {
      const b = opened.get(e.id)!;
      expect(statSync(join(DIR, e.file)).size, e.id).toBe(e.bytes);
      expect(
        b.methods.map((m) => m.label),
        e.id,
      ).toEqual(e.methods);
      const d = b.methods[0].output.testDates;
      expect(e.period).toBe(`${d[0]} … ${d[d.length - 1]}`);
      expect(b.manifest.storage, e.id).toMatchObject({ scores: 'float32-rounded', mantissaBits: 10, horizons: 'evaluated' });
      expect(b.manifest.grids.horizons, e.id).toEqual([20]);
      expect(e.originalBytes).toBeGreaterThan(e.bytes * 2);
    }
  });

  it('is up to date with its configs: each run carries the run key the code computes for its config today', () => {
    for (const { id, config } of configs) {
      if (config.combine) continue;
      const { runs } = expandConfig(config);
      const b = opened.get(id)!;
      expect(
        b.methods.map((m) => m.label),
        id,
      ).toEqual(runs.map((r) => r.label));
      expect(
        b.manifest.methods.map((m) => m.runKey),
        id,
      ).toEqual(runs.map((r) => runKey(r.run)));
      expect(b.manifest.runKey, id).toBe(bundleRunKey(runs.map((r) => runKey(r.run))));
    }
  });

  it('the comparison holds every run method once, with its metrics.json entry, on the same test period', () => {
    const cmp = opened.get('comparison')!;
    const ids = configs.find((c) => c.id === 'comparison')!.config.combine!;
    const want: string[] = [];
    for (const id of ids) for (const m of opened.get(id)!.methods) if (!want.includes(m.label)) want.push(m.label);
    expect(cmp.methods.map((m) => m.label)).toEqual(want);
    const models = cmp.metrics.models as Record<string, unknown>;
    for (const id of ids) {
      const b = opened.get(id)!;
      expect(b.manifest.grids).toEqual(cmp.manifest.grids);
      for (const m of b.methods) {
        // a label two runs share (linear) is the same run config: the same evaluation in each (timings differ)
        const pick = (x: unknown) => {
          const { portfolio, horizons, config, seed } = x as Record<string, unknown>;
          return { portfolio, horizons, config, seed };
        };
        expect(pick(models[m.label]), `${id}: ${m.label}`).toEqual(pick((b.metrics.models as Record<string, unknown>)[m.label]));
      }
    }
  });

  it('refuses to combine runs of another split or strategy', () => {
    const a = opened.get('dmfm')!;
    const b = opened.get('dfm')!;
    const other: OpenedBundle = {
      ...b,
      methods: b.methods.map((m) => ({
        ...m,
        output: { ...m.output, run: { ...m.output.run, strategy: { ...m.output.run.strategy, groups: 5 } } },
      })),
    };
    expect(() =>
      combineBundles('x', [
        { id: 'dmfm', b: a },
        { id: 'dfm', b: other },
      ]),
    ).toThrow('cannot combine dfm with dmfm: the split or strategy differs');
  });
});
