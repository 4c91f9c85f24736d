/**
 * The run bundle end to end: the headless runner writes one, it opens with the same metrics.json, every method's
 * scores and channels come back bit for bit (scores.parquet rows vs the runner's stitched arrays), re-evaluating the
 * stored scores on the stored grids reproduces the stored evaluation exactly (an independent recomputation through
 * src/eval), and a re-written bundle reads back equal (what Save run after Open run and the merge do).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpointDir, readCheckpoints, runExperiment } from '../../scripts/experiment';
import { initParquetNode } from '../data/parquet-node';
import { evaluateScores, evaluateUniverses } from '../train/reevaluate';
import { readBundle, type OpenedBundle } from './read';
import { padPanel, reevalScores } from './grids';
import { writeBundle } from './write';
import { tinyConfig } from './test-fixture';

let out: string;
let opened: OpenedBundle;
let metricsFile: unknown;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'factor-lab-bundle-'));
  await runExperiment(tinyConfig, out, { backend: 'cpu', log: () => {} });
  await initParquetNode();
  opened = readBundle(new Uint8Array(readFileSync(join(out, 'run.flrun.zip'))));
  metricsFile = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
}, 240_000);

describe('run bundle (src/bundle)', () => {
  it('opens with the same metrics.json the runner wrote, and a manifest that describes the run', () => {
    expect(opened.metrics).toEqual(metricsFile);
    const m = opened.manifest;
    expect(m.format).toBe('factor-lab-run');
    expect(m.producer).toBe('node');
    expect(m.methods.map((x) => x.label)).toEqual(['linear', 'ew <b>"IC"</b>', 'dmfm']);
    expect(m.dataset.N).toBe(30);
    expect(m.dataset.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(m.methods[2].groups).toBe(2);
    expect(Object.keys(opened.files).sort()).toEqual(
      expect.arrayContaining(['curves.parquet', 'grids.parquet', 'splits.parquet', 'scores.parquet']),
    );
  });

  it('gives back each method scores and channels equal to those scores.parquet was written from', () => {
    const dm = opened.methods[2].output;
    expect(dm.channels.map((c) => c.spec.name)).toEqual(['fhat']);
    const D = dm.testIndex.length,
      N = 30,
      H = dm.horizons.length;
    expect(dm.scoresByHorizon.length).toBe(H * D * N);
    // the runner's own per-group checkpoints (scores [H, Dg, N], channels [C, Dg, N]) stitched in test order equal
    // what came back from scores.parquet, bit for bit
    for (const { label, output } of opened.methods) {
      const cps = readCheckpoints(checkpointDir(out, label));
      expect(cps.length, label).toBe(2);
      let d0 = 0;
      for (const cp of cps) {
        const [Hc, Dg, Nc] = cp.shape;
        const Dm = output.testIndex.length;
        for (let h = 0; h < Hc; h++) {
          const want = cp.scores.subarray(h * Dg * Nc, (h + 1) * Dg * Nc);
          const got = output.scoresByHorizon.subarray((h * Dm + d0) * Nc, (h * Dm + d0 + Dg) * Nc);
          expect(Array.from(got), `${label} h${h}`).toEqual(Array.from(want));
          for (const c of output.channels) {
            const cv = cp.channels![c.spec.name];
            expect(Array.from(c.values.subarray((h * Dm + d0) * Nc, (h * Dm + d0 + Dg) * Nc))).toEqual(
              Array.from(cv.subarray(h * Dg * Nc, (h + 1) * Dg * Nc)),
            );
          }
        }
        d0 += Dg;
      }
      expect(d0).toBe(output.testIndex.length);
    }
    const finite = dm.scoresByHorizon.filter(Number.isFinite).length;
    expect(finite).toBeGreaterThan(D * 10);
    // f-hat is finite exactly where the score is
    const f = dm.channels[0].values;
    for (let k = 0; k < f.length; k++) expect(Number.isFinite(f[k])).toBe(Number.isFinite(dm.scoresByHorizon[k]));
  });

  it('re-evaluates the stored scores on the stored grids to the stored evaluation, exactly', () => {
    for (const { label, output } of opened.methods) {
      const s = reevalScores(opened, output);
      const ev = evaluateScores(opened.grids, output.run, s);
      expect(ev.metrics, label).toEqual(output.eval.metrics);
      expect(Array.from(ev.series.portfolio), label).toEqual(Array.from(output.eval.series.portfolio));
      const us = evaluateUniverses(opened.grids, output.run, s);
      expect(
        us.map((u) => [u.universe, u.metrics.ir]),
        label,
      ).toEqual(output.universes!.map((u) => [u.universe, u.metrics.ir]));
      const mj = (metricsFile as { models: Record<string, { portfolio: Record<string, number | null> }> }).models[label].portfolio;
      expect(ev.metrics.ir).toBe(mj.ir);
    }
  });

  it('writes back (padded panel from the grids) to a bundle that reads equal', () => {
    const m = opened.manifest;
    const again = writeBundle({
      name: m.name,
      producer: 'browser',
      created: m.created,
      panel: padPanel(opened),
      dataset: m.dataset.spec,
      backend: { name: m.backend, reason: '' },
      methods: opened.methods,
      metrics: opened.metrics,
      runKey: m.runKey,
      datasetInfo: m.dataset,
      gridsFrom: m.grids.from,
    });
    const b = readBundle(again);
    expect(b.metrics).toEqual(opened.metrics);
    expect(b.manifest.runKey).toBe(m.runKey);
    expect(b.manifest.dataset).toEqual(m.dataset);
    expect(b.manifest.grids).toEqual(m.grids);
    b.methods.forEach((x, i) => {
      expect(x.label).toBe(opened.methods[i].label);
      expect(Array.from(x.output.scoresByHorizon)).toEqual(Array.from(opened.methods[i].output.scoresByHorizon));
      expect(x.output.eval.metrics).toEqual(opened.methods[i].output.eval.metrics);
      expect(x.output.groups).toEqual(opened.methods[i].output.groups);
    });
  });
});
