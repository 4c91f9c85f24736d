/**
 * Conformance: every registered model (src/models/registry.ts) goes through build, fit (if it has one), forward, loss,
 * gradient (finite; non-zero somewhere for trainable models), predict (with its declared channels), extras and dispose
 * on a synthetic fixture whose number of stocks varies by date, with no tensor leak and identical results for the same
 * seed. Adding a model to the registry adds it here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { models } from './registry';
import { resolveConfig } from './common';
import type { Model, ModelConfig, ModelSpec } from './types';
import { batchContext, disposeBatch, fitData, makeBatch, prepareData, type Prepared } from '../train/data';
import { plantedPanel } from '../train/fixtures';
import { extrasInput, predictAll } from '../train/loop';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// 30 dates x 16 stocks, 20% of cells missing: the cross-section size varies by date (checked below)
const panel = plantedPanel({ T: 30, N: 16, F: 5, horizons: [1, 5, 20], seed: 13, noise: 0.5, missing: 0.2, nIndustries: 3 });
const TRAIN = Array.from({ length: 20 }, (_, i) => i);
const BATCH = [22, 23, 24, 25];

/**
 * a small configuration of the model: hidden sizes 8, one layer / few trees where the schema has such keys, and a
 * lookback of 3 days for sequence models (with 20% of cells missing at random, 20 valid days in a row are rare: 0.8^20)
 */
function small(spec: ModelSpec): ModelConfig {
  const keys = new Set(spec.configSchema.map((f) => f.key));
  const c: ModelConfig = {};
  for (const [k, v] of Object.entries({ hidden: 8, layers: 1, trees: 5, nEstimators: 5, maxDepth: 3, lookback: 3 }))
    if (keys.has(k)) c[k] = v;
  return resolveConfig(spec.configSchema, c, spec.id);
}

function build(spec: ModelSpec, d: Prepared, config: ModelConfig): Model {
  const m = spec.build({ F: d.F, horizons: d.horizons, seed: 7, config, factorNames: d.factorNames, factorGroups: d.factorGroups });
  if (m.fit) m.fit(fitData(d, TRAIN));
  return m;
}

async function forwardValues(m: Model, d: Prepared): Promise<Float32Array> {
  const b = makeBatch(d, BATCH, false);
  const s = tf.tidy(() => m.forward(b.x, batchContext(b, false)));
  const v = (await s.data()) as Float32Array;
  s.dispose();
  disposeBatch(b);
  return v;
}

describe('conformance of every registered model', () => {
  it('the fixture has a varying number of stocks per date', () => {
    const counts = BATCH.map((t) => panel.valid.subarray(t * 16, (t + 1) * 16).reduce((a, b) => a + b, 0));
    expect(new Set(counts).size).toBeGreaterThan(1);
  });

  for (const spec of models) {
    it(`${spec.id}: build, forward, loss, gradient, predict, extras, dispose; no leak; same seed, same result`, async () => {
      const config = small(spec);
      const L = Math.max(1, spec.lookback?.(config) ?? 1);
      const d = prepareData(panel, { lookback: L, target: config.target === 'raw' ? 'raw' : 'zscore' });
      const { N, H } = d;
      const before = tf.memory().numTensors;
      const m = build(spec, d, config);

      // forward: [B, N, H], finite, 0 outside the cross-section
      const v = await forwardValues(m, d);
      expect(v.length).toBe(BATCH.length * N * H);
      expect(v.every(Number.isFinite)).toBe(true);
      for (let b = 0; b < BATCH.length; b++)
        for (let n = 0; n < N; n++) if (!d.mask[BATCH[b] * N + n]) for (let h = 0; h < H; h++) expect(v[(b * N + n) * H + h]).toBe(0);

      // loss and its gradient (the training path: forwardAux when the model has it)
      const batch = makeBatch(d, BATCH);
      const target = { y: batch.y, mask: batch.ymask, scale: batch.yscale, raw: batch.raw };
      const lossOf = () => {
        const ctx = batchContext(batch, true);
        const out = m.forwardAux ? m.forwardAux(batch.x, ctx) : { scores: m.forward(batch.x, ctx), aux: undefined };
        return m.loss(out.scores, target, out.aux);
      };
      const l = tf.tidy(() => lossOf().total);
      expect(Number.isFinite((await l.data())[0])).toBe(true);
      l.dispose();
      const vars = m.variables();
      if (m.trainable) {
        expect(vars.length).toBeGreaterThan(0);
        const g = tf.variableGrads(() => tf.tidy(() => lossOf().total), vars);
        let norm = 0;
        for (const t of Object.values(g.grads)) {
          const gv = (await t.data()) as Float32Array;
          expect(gv.every(Number.isFinite)).toBe(true);
          for (const x of gv) norm += x * x;
        }
        expect(norm).toBeGreaterThan(0);
        tf.dispose([g.value, ...Object.values(g.grads)]);
      }
      disposeBatch(batch);

      // predict: scores [H, D, N] NaN outside the cross-section; every declared channel, of its declared size
      const p = await predictAll(m, d, BATCH, 2);
      const D = BATCH.length;
      for (let j = 0; j < D; j++) for (let n = 0; n < N; n++) expect(Number.isNaN(p.scores[j * N + n])).toBe(!d.mask[BATCH[j] * N + n]);
      for (const c of spec.channels?.(config) ?? []) {
        expect(p.channels[c.name], `channel ${c.name}`).toBeDefined();
        expect(p.channels[c.name].length).toBe((c.perHorizon ? H : 1) * D * N);
      }
      await m.extras?.(extrasInput(d, BATCH, 2));

      // weights round-trip and the same seed gives the same model
      const w = await m.getWeights();
      const m2 = build(spec, d, config);
      expect(Array.from(await forwardValues(m2, d))).toEqual(Array.from(v));
      m2.setWeights(w);
      expect(Array.from(await forwardValues(m2, d))).toEqual(Array.from(v));
      m2.dispose();
      m.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }, 60_000);
  }
});
