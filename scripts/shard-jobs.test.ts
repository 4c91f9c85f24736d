/**
 * The jobs of a real experiment (experimentJobs on a loaded panel): a rolling Deep Factor Model that warm-starts each
 * month from the previous one is one job of all its months; a model without warm start is one job per month. And the
 * runner refuses to train a warm-started month whose previous month a shard neither trains nor resumes (it would
 * start cold and differ from the unsharded run).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandConfig, experimentJobs, mergeRun, type ExperimentConfig } from './experiment';
import { loadPanel } from '../src/train/dataset';
import { nodeDataIO } from '../src/train/node-io';
import { trainGroups } from '../src/train/runner';
import { jobsOfShard } from '../src/bundle/part';
import type { Panel } from '../src/core/panel';

const config: ExperimentConfig = {
  name: 'rolling-jobs',
  run: {
    dataset: { kind: 'synthetic' as const, name: 'synthetic', synthetic: { seed: 4, nStocks: 30, nDays: 430, nFactors: 7, alpha: 0.01 } },
    preprocessing: { madK: 5, normalize: 'zscore' as const, missing: 'fill' as const, industryNeutral: false, minHistory: 20 },
    split: { kind: 'rolling' as const, windowMonths: 12, groups: 3, gap: 20 },
    strategy: { kind: 'longshort' as const, groups: 5, cost: 0, horizon: 20 },
  },
  models: [
    { model: 'dfm', label: 'dfm', config: { arch: 'model1', epochs: 2, warmStart: true, warmEpochs: 1, batchDates: 6 } },
    { model: 'ridge', label: 'ols' },
  ],
};

const io = nodeDataIO();
let panel: Panel;
beforeAll(async () => {
  const run = mergeRun(config.run!);
  panel = (await loadPanel(io, run.dataset, run.preprocessing)).panel;
}, 120_000);
afterAll(() => io.close());

describe('experimentJobs', () => {
  it('a warm-started rolling model is one job of all its months; the others one job per month', () => {
    const jobs = experimentJobs(panel, expandConfig(config).runs);
    expect(jobs.map((j) => [j.label, j.entry, j.groups])).toEqual([
      ['dfm', 0, [0, 1, 2]],
      ['ols', 1, [0]],
      ['ols', 1, [1]],
      ['ols', 1, [2]],
    ]);
    expect(jobs[0].name).toBe('dfm (all 3 groups, warm-started)');
    expect(jobs[1].name).toMatch(/^ols group 1\/3 \(\d{4}-\d{2}\)$/);
    // 2 shards: jobs 0 and 2 (dfm, ols month 2), jobs 1 and 3 (ols months 1 and 3)
    expect(jobsOfShard(jobs, 0, 2).map((j) => j.groups)).toEqual([[0, 1, 2], [1]]);
    expect(jobsOfShard(jobs, 1, 2).map((j) => j.groups)).toEqual([[0], [2]]);
  });

  it('the runner refuses a warm-started month without its previous month', async () => {
    const dfm = expandConfig(config).runs[0].run;
    await expect(trainGroups(panel, dfm, [1])).rejects.toThrow(
      /group 2 \(.*\) warm-starts from group 1, which this shard neither trains nor resumes/,
    );
  });
});
