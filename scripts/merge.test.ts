/**
 * Sharding by (model entry, split group) jobs: the local equivalent of a cluster run (two `npm run experiment --
 * --shard i/2` processes at once, then `npm run merge`), and a 3-shard run merged in-process, give the bundle the
 * unsharded run writes: the same metrics.json (wall-clock timings and the date aside), the same scores and channels
 * bit for bit, byte-identical scores / portfolio / splits / grids / relevance tables and the same training curves. A missing job, a duplicate job
 * and a part of another run are refused with a message naming the part and the job.
 *
 * The run: DMFM (3 walk-forward groups, output channels) and an explained ridge (LRP relevance), 6 jobs in the order
 *   j: 0 dmfm g1, 1 dmfm g2, 2 dmfm g3, 3 ridge g1, 4 ridge g2, 5 ridge g3
 * so 2 shards take j mod 2 (shard 1/2: j 0, 2, 4; shard 2/2: j 1, 3, 5) and 3 shards j mod 3 (shard k/3: group k of
 * both models): each model's groups are trained on different machines.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { runExperiment, runShard, type ExperimentConfig } from './experiment';
import { mergeFiles } from './merge';
import { initParquetNode } from '../src/data/parquet-node';
import { parquetToTable } from '../src/data/parquet';
import { readBundle, type OpenedBundle } from '../src/bundle/read';
import { joinParts, jobsOfShard, readPart, shardJobs, type OpenedPart } from '../src/bundle/part';

const run = promisify(execFile);
const config: ExperimentConfig = {
  name: 'shards',
  run: {
    dataset: { kind: 'synthetic' as const, name: 'synthetic', synthetic: { seed: 9, nStocks: 30, nDays: 640, nFactors: 6, alpha: 0.01 } },
    preprocessing: { madK: 5, normalize: 'zscore' as const, missing: 'fill' as const, industryNeutral: false, minHistory: 20 },
    split: { kind: 'walkforward' as const, groups: 3, gap: 21 },
    strategy: { kind: 'topquantile' as const, groups: 5, rebalance: 5, cost: 0.004, horizon: 5 },
  },
  models: [
    { model: 'dmfm', config: { hidden: 8, layers: 1, epochs: 2, batchDates: 16 } },
    { model: 'ridge', explain: true },
  ],
};

let dir: string;
let whole: OpenedBundle, merged2: OpenedBundle, merged3: OpenedBundle;
let parts2: OpenedPart[], parts3: OpenedPart[], other: OpenedPart;
const file = (...p: string[]) => join(dir, ...p);
const part = (f: string) => readPart(new Uint8Array(readFileSync(f)), f);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'factor-lab-shards-'));
  writeFileSync(file('config.json'), JSON.stringify(config));
  const exp = (i: number) =>
    run('npx', [
      'tsx',
      'scripts/experiment.ts',
      '--config',
      file('config.json'),
      '--out',
      file(`s${i}`),
      '--backend',
      'cpu',
      '--shard',
      `${i}/2`,
    ]);
  // two shard processes at once (the cluster's n machines) while this process runs the whole thing
  const shards = Promise.all([exp(1), exp(2)]);
  await runExperiment(config, file('whole'), { backend: 'cpu', log: () => {} });
  await shards;
  // three more shards in this process, and a shard of another run (another seed)
  for (let i = 0; i < 3; i++) await runShard(config, file(`t${i}`), { index: i, count: 3 }, { backend: 'cpu', log: () => {} });
  await runShard({ ...config, run: { ...config.run, seed: 8 } }, file('other'), { index: 1, count: 2 }, { backend: 'cpu', log: () => {} });
  const files2 = [file('s2', 'part-1-of-2.flrun.zip'), file('s1', 'part-0-of-2.flrun.zip')];
  await run('npx', ['tsx', 'scripts/merge.ts', ...files2, '--out', file('merged2.flrun.zip')]);
  const files3 = [0, 1, 2].map((i) => file(`t${i}`, `part-${i}-of-3.flrun.zip`));
  await mergeFiles(files3, file('merged3.flrun.zip'), { log: () => {} });
  await initParquetNode();
  const open = (f: string) => readBundle(new Uint8Array(readFileSync(f)));
  whole = open(file('whole', 'run.flrun.zip'));
  merged2 = open(file('merged2.flrun.zip'));
  merged3 = open(file('merged3.flrun.zip'));
  parts2 = [file('s1', 'part-0-of-2.flrun.zip'), file('s2', 'part-1-of-2.flrun.zip')].map(part);
  parts3 = files3.map(part);
  other = part(file('other', 'part-1-of-2.flrun.zip'));
}, 600_000);

/** metrics.json without what a clock decides */
function noClock(m: Record<string, any>) {
  const c = structuredClone(m);
  delete c.created;
  delete c.backend.probes;
  for (const k of Object.keys(c.models)) delete c.models[k].timings;
  return c;
}

const jobNames = (p: OpenedPart) => jobsOfShard(p.manifest.jobs, p.manifest.shard.index, p.manifest.shard.count).map((j) => j.name);

describe('jobs', () => {
  it('are (model entry, split group) pairs, entry by entry; a warm-started rolling model is one job; shard i takes j mod n = i', () => {
    const jobs = shardJobs([
      { label: 'a', groups: ['2019H1', '2019H2'], warm: false },
      { label: 'dfm', groups: ['2019-01', '2019-02', '2019-03'], warm: true },
      { label: 'b', groups: ['2019H1', '2019H2'], warm: false },
    ]);
    expect(jobs.map((j) => [j.name, j.entry, j.groups])).toEqual([
      ['a group 1/2 (2019H1)', 0, [0]],
      ['a group 2/2 (2019H2)', 0, [1]],
      ['dfm (all 3 groups, warm-started)', 1, [0, 1, 2]],
      ['b group 1/2 (2019H1)', 2, [0]],
      ['b group 2/2 (2019H2)', 2, [1]],
    ]);
    // 5 jobs over 2 shards: 0, 2, 4 and 1, 3; over 7 shards the last two have none
    expect(jobsOfShard(jobs, 0, 2).map((j) => j.name)).toEqual([
      'a group 1/2 (2019H1)',
      'dfm (all 3 groups, warm-started)',
      'b group 2/2 (2019H2)',
    ]);
    expect(jobsOfShard(jobs, 1, 2).map((j) => j.name)).toEqual(['a group 2/2 (2019H2)', 'b group 1/2 (2019H1)']);
    expect(jobsOfShard(jobs, 6, 7)).toEqual([]);
  });

  it('each part ran its share of the jobs and carries the run key', () => {
    const g = parts2[0].manifest.jobs.map((j) => j.name.replace(/^\w+ (group \d\/3).*$/, '$1'));
    expect(g).toEqual(['group 1/3', 'group 2/3', 'group 3/3', 'group 1/3', 'group 2/3', 'group 3/3']);
    const names = parts2[0].manifest.jobs.map((j) => j.name);
    expect(parts2.map(jobNames)).toEqual([
      [names[0], names[2], names[4]],
      [names[1], names[3], names[5]],
    ]);
    expect(parts3.map(jobNames)).toEqual([
      [names[0], names[3]],
      [names[1], names[4]],
      [names[2], names[5]],
    ]);
    // the part holds exactly its groups: shard 1/2 has dmfm groups 0 and 2 and ridge group 1
    expect([...parts2[0].checkpoints].map(([k, cps]) => [k, cps.map((c) => c.groupIndex)])).toEqual([
      [0, [0, 2]],
      [1, [1]],
    ]);
    for (const p of [...parts2, ...parts3]) expect(p.manifest.runKey).toBe(whole.manifest.runKey);
  });
});

describe('npm run merge', () => {
  for (const [name, get] of [
    ['2 shards (processes, merged by the CLI)', () => merged2],
    ['3 shards (merged in-process)', () => merged3],
  ] as const)
    it(`${name}: the merged bundle equals the unsharded one exactly`, () => {
      const merged = get();
      expect(merged.manifest.shard).toBeUndefined();
      expect(merged.manifest.runKey).toBe(whole.manifest.runKey);
      expect(merged.manifest.dataset).toEqual(whole.manifest.dataset);
      expect(merged.manifest.grids).toEqual(whole.manifest.grids);
      const noTime = (m: { timings: unknown }) => ({ ...m, timings: 0 });
      expect(merged.manifest.methods.map(noTime)).toEqual(whole.manifest.methods.map(noTime));
      expect(noClock(merged.metrics)).toEqual(noClock(whole.metrics));
      expect(Object.keys(merged.metrics.models as object)).toEqual(['dmfm', 'ridge']);
      merged.methods.forEach((m, i) => {
        const w = whole.methods[i].output;
        expect(m.label).toBe(whole.methods[i].label);
        expect(m.output.groups.length).toBe(3);
        expect(Buffer.from(m.output.scoresByHorizon.buffer).equals(Buffer.from(w.scoresByHorizon.buffer)), m.label).toBe(true);
        m.output.channels?.forEach((c, k) =>
          expect(Buffer.from(c.values.buffer).equals(Buffer.from(w.channels![k].values.buffer))).toBe(true),
        );
        expect(m.output.eval.metrics).toEqual(w.eval.metrics);
        expect(m.output.horizonMetrics).toEqual(w.horizonMetrics);
        expect(m.output.groups.map((g) => g.history.stepLosses)).toEqual(w.groups.map((g) => g.history.stepLosses));
      });
      expect(whole.methods[0].output.channels?.length).toBeGreaterThan(0);
      expect(whole.files['relevance.parquet']).toBeDefined();
      for (const t of ['scores', 'portfolio', 'splits', 'grids', 'relevance'])
        expect(Buffer.from(merged.files[`${t}.parquet`]).equals(Buffer.from(whole.files[`${t}.parquet`])), t).toBe(true);
      // the training curves too, but for the epochs' wall-clock ms
      const curves = (b: OpenedBundle) => {
        const t = parquetToTable(b.files['curves.parquet']);
        return ['model', 'group', 'epoch', 'train_loss', 'val_metric'].map((c) =>
          Array.from(t.getChild(c)!.toArray() as ArrayLike<unknown>),
        );
      };
      expect(curves(merged)).toEqual(curves(whole));
      expect(curves(whole)[2].length).toBeGreaterThan(3);
    });

  it('refuses a missing job, naming the jobs and the part (shard) that holds them', () => {
    expect(() => joinParts([parts3[0], parts3[2]])).toThrow(
      /Run bundle, merge: job\(s\) "dmfm group 2\/3 \([^)]*\)", "ridge group 2\/3 \([^)]*\)" in no part: the part of shard\(s\) 2\/3 is missing/,
    );
  });

  it('refuses a duplicate job, naming the job and both parts', () => {
    const f = parts3[1].file;
    expect(() => joinParts([...parts3, parts3[1]])).toThrow(
      new RegExp(`job "dmfm group 2/3 \\([^)]*\\)", "ridge group 2/3 \\([^)]*\\)" appears twice: in ${f} and in ${f}`),
    );
  });

  it('refuses a part of another run, naming the part and its jobs', () => {
    expect(() => joinParts([parts2[0], other])).toThrow(
      new RegExp(
        `part ${other.file} \\(shard 2/2, jobs "?dmfm group 2/3.*\\) belongs to another run \\(key ${other.manifest.runKey}, not ${parts2[0].manifest.runKey}`,
      ),
    );
    // and the parts of a 3-shard cut with those of a 2-shard cut of the same run
    expect(() => joinParts([parts2[0], parts3[1]])).toThrow(
      /part .*part-1-of-3\.flrun\.zip \(shard 2\/3, .*\) was cut into another set of jobs or shards/,
    );
  });

  it("refuses a part that lacks a group of its job or holds another run's group, naming the part and the job", () => {
    const entries = unzipSync(new Uint8Array(readFileSync(parts3[0].file)));
    expect(Object.keys(entries)).toContain('checkpoints/1/g0.json');
    const { 'checkpoints/1/g0.json': _gone, ...rest } = entries;
    expect(() => readPart(zipSync(rest), 'cut.flrun.zip')).toThrow(
      /Run bundle, cut\.flrun\.zip: job "ridge group 1\/3 \([^)]*\)": checkpoints\/1\/g0\.json is missing/,
    );
    const cp = JSON.parse(strFromU8(entries['checkpoints/1/g0.json']));
    const forged = { ...entries, 'checkpoints/1/g0.json': strToU8(JSON.stringify({ ...cp, runKey: 'ridge-0000000000000000' })) };
    expect(() => readPart(zipSync(forged), 'forged.flrun.zip')).toThrow(
      /forged\.flrun\.zip: job "ridge group 1\/3 \([^)]*\)": checkpoints\/1\/g0\.json belongs to another run \(key ridge-0000000000000000/,
    );
    // a full run bundle is not a part
    expect(() => readPart(new Uint8Array(readFileSync(file('whole', 'run.flrun.zip'))), 'run.flrun.zip')).toThrow(
      /run\.flrun\.zip: manifest\.json: a full run bundle, not a part of a sharded run/,
    );
  });
});
