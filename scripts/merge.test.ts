/**
 * Sharding: the local equivalent of a cluster run (two `npm run experiment -- --shard i/2` processes at once, then
 * `npm run merge`) gives the bundle the unsharded run writes: the same metrics.json, scores, channels, evaluation and
 * grids, exactly (wall-clock timings and the date aside). Parts of other runs or missing shards are refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runExperiment } from './experiment';
import { initParquetNode } from '../src/data/parquet-node';
import { readBundle, type OpenedBundle } from '../src/bundle/read';
import { mergeBundles } from '../src/bundle/merge';

const run = promisify(execFile);
const config = {
  name: 'shards',
  run: {
    dataset: { kind: 'synthetic' as const, name: 'synthetic', synthetic: { seed: 9, nStocks: 30, nDays: 480, nFactors: 6, alpha: 0.01 } },
    preprocessing: { madK: 5, normalize: 'zscore' as const, missing: 'fill' as const, industryNeutral: false, minHistory: 20 },
    split: { kind: 'walkforward' as const, groups: 2, gap: 21 },
    strategy: { kind: 'topquantile' as const, groups: 5, rebalance: 5, cost: 0.004, horizon: 5 },
  },
  models: [{ model: 'linear' }, { model: 'ew' }, { model: 'mlp', config: { hidden: 8, layers: 1, epochs: 2 } }],
};

let dir: string;
let whole: OpenedBundle, merged: OpenedBundle, parts: OpenedBundle[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'factor-lab-shards-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const exp = (i: number) =>
    run('npx', [
      'tsx',
      'scripts/experiment.ts',
      '--config',
      join(dir, 'config.json'),
      '--out',
      join(dir, `s${i}`),
      '--backend',
      'cpu',
      '--shard',
      `${i}/2`,
    ]);
  // two shard processes at once (the cluster's n machines) while this process runs the whole thing
  const shards = Promise.all([exp(1), exp(2)]);
  await runExperiment(config, join(dir, 'whole'), { backend: 'cpu', log: () => {} });
  await shards;
  const files = [join(dir, 's2', 'part-1-of-2.flrun.zip'), join(dir, 's1', 'part-0-of-2.flrun.zip')];
  await run('npx', ['tsx', 'scripts/merge.ts', ...files, '--out', join(dir, 'merged.flrun.zip')]);
  await initParquetNode();
  const open = (f: string) => readBundle(new Uint8Array(readFileSync(f)));
  whole = open(join(dir, 'whole', 'run.flrun.zip'));
  merged = open(join(dir, 'merged.flrun.zip'));
  parts = files.map(open);
}, 300_000);

/** metrics.json without what a clock decides */
function noClock(m: Record<string, any>) {
  const c = structuredClone(m);
  delete c.created;
  delete c.backend.probes;
  for (const k of Object.keys(c.models)) delete c.models[k].timings;
  return c;
}

describe('--shard and npm run merge', () => {
  it('each part ran its share of the jobs', () => {
    expect(parts.map((p) => p.methods.map((m) => m.label))).toEqual([['ew'], ['linear', 'mlp']]);
    expect(parts[0].manifest.shard).toEqual({ index: 1, count: 2, jobs: ['linear', 'ew', 'mlp'] });
    expect(parts[0].manifest.runKey).toBe(whole.manifest.runKey);
  });

  it('the merged bundle equals the unsharded one exactly', () => {
    expect(merged.manifest.shard).toBeUndefined();
    expect(merged.manifest.runKey).toBe(whole.manifest.runKey);
    expect(merged.manifest.dataset).toEqual(whole.manifest.dataset);
    expect(merged.manifest.grids).toEqual(whole.manifest.grids);
    expect(merged.manifest.methods.map((m) => ({ ...m, timings: 0 }))).toEqual(whole.manifest.methods.map((m) => ({ ...m, timings: 0 })));
    expect(noClock(merged.metrics)).toEqual(noClock(whole.metrics));
    expect(Object.keys(merged.metrics.models as object)).toEqual(['linear', 'ew', 'mlp']);
    merged.methods.forEach((m, i) => {
      const w = whole.methods[i].output;
      expect(m.label).toBe(whole.methods[i].label);
      expect(Buffer.from(m.output.scoresByHorizon.buffer).equals(Buffer.from(w.scoresByHorizon.buffer)), m.label).toBe(true);
      expect(m.output.eval.metrics).toEqual(w.eval.metrics);
      expect(Array.from(m.output.eval.series.portfolio)).toEqual(Array.from(w.eval.series.portfolio));
      expect(m.output.universes).toEqual(w.universes);
      expect(m.output.horizonMetrics).toEqual(w.horizonMetrics);
      expect(m.output.groups.map((g) => g.history.stepLosses)).toEqual(w.groups.map((g) => g.history.stepLosses));
    });
    expect(Buffer.from(merged.files['grids.parquet']).equals(Buffer.from(whole.files['grids.parquet']))).toBe(true);
  });

  it('refuses a missing shard, a duplicate, a full bundle and parts of another run', () => {
    expect(() => mergeBundles([parts[0]])).toThrow(/Run bundle, merge: shard\(s\) 1\/2 missing/);
    expect(() => mergeBundles([parts[0], parts[0]])).toThrow(/shard 2\/2 appears twice/);
    expect(() => mergeBundles([whole])).toThrow(/is not a shard/);
    const other = { ...parts[1], manifest: { ...parts[1].manifest, runKey: 'run-0000000000000000' } };
    expect(() => mergeBundles([parts[0], other])).toThrow(/belongs to another run/);
  });
});
