/**
 * Every FactorVAE Table 1 baseline learns a planted market through the shared loop (fit and / or train, early stopping),
 * out of sample: the 1-day label is a linear function of the last day's factors plus noise (train/fixtures.ts, noise
 * 0.5: the best possible IC is about 0.78), windows of 5 days. Each must reach an out-of-sample rank IC above 0.6
 * (measured on wasm: IPCA 0.741, CA 0.735, GRU 0.738, ALSTM 0.734, GAT 0.730, Transformer 0.731); with the labels
 * shuffled across stocks (no signal) the same training stays below 0.15 in absolute value. Seeded, small.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { plantedPanel } from '../../train/fixtures';
import { prepareData } from '../../train/data';
import { predict, trainModel, trainOptionsFrom, validationMetric } from '../../train/loop';
import { resolveConfig } from '../common';
import type { ModelConfig, ModelSpec } from '../types';
import { caSpec } from './ca';
import { gatSpec } from './gat';
import { gruSpec } from './gru';
import { ipcaSpec } from './ipca';
import { alstmSpec } from './alstm';
import { transformerSpec } from './transformer';

beforeAll(async () => {
  await tf.setBackend('wasm'); // the recurrent models are ~15x faster there than on the cpu backend (measured)
  await tf.ready();
});

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const TRAIN = range(5, 100),
  VALID = range(100, 115),
  TEST = range(115, 140);

async function oosRankIc(spec: ModelSpec, config: ModelConfig, shuffle: boolean): Promise<number> {
  const panel = plantedPanel({ T: 140, N: 40, F: 4, horizons: [1], seed: 3, noise: 0.5, missing: 0, shuffleLabels: shuffle });
  const cfg = resolveConfig(spec.configSchema, { lookback: 5, epochs: 8, lr: 0.01, batchDates: 8, patience: 3, ...config }, spec.id);
  const d = prepareData(panel, { lookback: Number(cfg.lookback) });
  const m = spec.build({ F: d.F, horizons: d.horizons, seed: 5, config: cfg });
  await trainModel(m, d, { train: TRAIN, valid: VALID }, trainOptionsFrom(cfg, 5, 0));
  const s = await predict(m, d, TEST, 8);
  m.dispose();
  return validationMetric(s, d, TEST, 0, true);
}

const CASES: [ModelSpec, ModelConfig][] = [
  [ipcaSpec, { factors: 2 }],
  [caSpec, { factors: 3, hidden: 8 }],
  [gruSpec, { hidden: 8 }],
  [alstmSpec, { hidden: 8, layers: 1 }],
  [gatSpec, { hidden: 8 }],
  [transformerSpec, { hidden: 8, layers: 1, heads: 2, ffn: 16 }],
];

describe('the Table 1 baselines learn a planted market (out of sample)', () => {
  for (const [spec, config] of CASES) {
    it(`${spec.id}: rank IC > 0.6 on the test dates; < 0.15 with shuffled labels`, async () => {
      const ic = await oosRankIc(spec, config, false);
      const control = await oosRankIc(spec, config, true);
      if (process.env.SEQ_VERBOSE) console.log(spec.id, ic.toFixed(3), control.toFixed(3));
      expect(ic).toBeGreaterThan(0.6);
      expect(Math.abs(control)).toBeLessThan(0.15);
    }, 120_000);
  }
});
