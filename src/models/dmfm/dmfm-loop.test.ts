/**
 * DMFM through the shared training loop (src/train/loop.ts): forwardAux + the DMFM loss, tensor leaks over epochs,
 * the extras over a set of dates, and cpu vs wasm parity of one seeded step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../train/tf';
import { dmfmSpec } from './dmfm';
import { plantedPanel } from '../../train/fixtures';
import { extrasInput, predictAll, trainModel, trainOptionsFrom } from '../../train/loop';
import { disposeBatch, makeBatch, prepareData } from '../../train/data';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('training through the shared loop', () => {
  const panel = plantedPanel({ T: 40, N: 24, F: 5, horizons: [1, 5], seed: 7, noise: 1, missing: 0.1, nIndustries: 4 });
  panel.industry[3] = -1; // an unknown industry somewhere
  const d = prepareData(panel); // plain typed arrays: no tensors at collection time
  const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

  it('no tensor leak over two epochs (forwardAux, sorted GAT kernel, validation, extras)', async () => {
    const cfg = { hidden: 6, layers: 1, epochs: 2, batchDates: 8, lr: 0.01, patience: 5 };
    const m = dmfmSpec.build({
      F: d.F,
      horizons: d.horizons,
      seed: 2,
      config: cfg,
      factorNames: d.factorNames,
      factorGroups: d.factorGroups,
    });
    const counts: number[] = [];
    const h = await trainModel(m, d, { train: range(0, 30), valid: range(32, 40) }, trainOptionsFrom(cfg, 2, 1), {
      onEpochEnd: () => counts.push(tf.memory().numTensors),
    });
    expect(h.epochs).toHaveLength(2);
    expect(h.stepLosses.every(Number.isFinite)).toBe(true);
    expect(counts[1]).toBe(counts[0]);
    const before = tf.memory().numTensors;
    await m.extras!(extrasInput(d, range(32, 40), 4));
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('extras: a-bar per head sums to 1, group weights add up, faithfulness is corr(f_k, f-hat_k) per date', async () => {
    const cfg = { hidden: 6, layers: 1, epochs: 1, batchDates: 8 };
    const m = dmfmSpec.build({
      F: d.F,
      horizons: d.horizons,
      seed: 3,
      config: cfg,
      factorNames: d.factorNames,
      factorGroups: d.factorGroups,
    });
    await trainModel(m, d, { train: range(0, 30), valid: [] }, trainOptionsFrom(cfg, 3, 1));
    const dates = range(30, 40);
    const ex = (await m.extras!(extrasInput(d, dates, 4))) as any;
    expect(ex.horizons).toEqual([5]); // 'paper' heads: 5 of [1, 5]; 1 is scored by the 5-day head
    expect(ex.headOfHorizon).toEqual({ 1: 5, 5: 5 });
    expect(ex.attention.dates).toBe(10);
    expect(ex.attention.weights[0].reduce((s: number, v: number) => s + v, 0)).toBeCloseTo(1, 5);
    expect(ex.attention.groups).toEqual(['signal', 'noise']);
    expect(ex.attention.groupWeights[0][0]).toBeCloseTo(
      ex.attention.weights[0][0] + ex.attention.weights[0][1] + ex.attention.weights[0][2],
      6,
    );
    expect(ex.attention.groupMeanWeights[0][1]).toBeCloseTo((ex.attention.weights[0][3] + ex.attention.weights[0][4]) / 2, 6);
    // recompute the faithfulness of date 3 from the forward scores and the 'fhat' output channel (forwardChannels)
    const b = makeBatch(d, [dates[3]], false);
    const sc = tf.tidy(() => m.forward(b.x, { mask: b.mask, industry: b.industry })).dataSync(); // [1, N, H]
    const ch = m.forwardChannels!(b.x, { mask: b.mask, industry: b.industry });
    const scCh = ch.scores.dataSync(),
      est = ch.channels.fhat.dataSync(); // [1, N, H]: f-hat of each horizon's head
    tf.dispose([ch.scores, ch.channels.fhat]);
    disposeBatch(b);
    expect(Array.from(scCh)).toEqual(Array.from(sc)); // the channel path's scores are forward's
    const N0 = d.N;
    const a: number[] = [],
      c: number[] = [];
    for (let n = 0; n < N0; n++) {
      if (d.mask[dates[3] * N0 + n]) {
        a.push(sc[n * 2 + 1]);
        c.push(est[n * 2 + 1]);
        expect(est[n * 2]).toBe(est[n * 2 + 1]);
      } // both horizons: head 5
      else expect(est[n * 2 + 1]).toBe(0); // masked stocks are 0 in the batch (predictAll turns them into NaN)
    }
    const ma = a.reduce((s, v) => s + v, 0) / a.length,
      mc = c.reduce((s, v) => s + v, 0) / c.length;
    const cov = a.reduce((s, v, i) => s + (v - ma) * (c[i] - mc), 0),
      va = a.reduce((s, v) => s + (v - ma) ** 2, 0),
      vc = c.reduce((s, v) => s + (v - mc) ** 2, 0);
    expect(ex.faithfulness[0].perDate[3]).toBeCloseTo(cov / Math.sqrt(va * vc), 4);
    expect(Math.abs(ex.faithfulness[0].corr)).toBeLessThanOrEqual(1);
    m.dispose();
  });
});

describe('backend parity: one seeded DMFM step, cpu vs wasm', () => {
  // Gradients and one SGD step are compared. (After one Adam step, weights whose exact gradient is 0 -- e.g. the GAT
  // query vector where a row's logits shift uniformly -- move by +-lr in the direction of float noise, which differs
  // between backends; that says nothing about the backends' arithmetic.)
  async function step(backend: string) {
    await tf.setBackend(backend);
    const panel = plantedPanel({ T: 8, N: 24, F: 5, horizons: [1, 5], seed: 7, noise: 0.5, missing: 0.1, nIndustries: 3 });
    const d = prepareData(panel);
    const m = dmfmSpec.build({
      F: d.F,
      horizons: d.horizons,
      seed: 7,
      config: { hidden: 8, layers: 2, horizonSet: 'panel', gatInit: 'glorot' },
    });
    const b = makeBatch(d, [0, 2, 3, 5]);
    const fn = () => {
      const o = m.forwardAux!(b.x, { mask: b.mask, industry: b.industry, training: true });
      return m.loss(o.scores, { y: b.y, mask: b.ymask, scale: b.yscale }, o.aux).total;
    };
    const { value, grads } = tf.variableGrads(fn, m.variables());
    const loss = value.dataSync()[0];
    const g = m.variables().map((v) => grads[v.name].dataSync().slice());
    tf.dispose([value, ...Object.values(grads)]);
    const opt = tf.train.sgd(0.05);
    const cost = opt.minimize(fn, true, m.variables()) as tf.Scalar;
    cost.dispose();
    const after = tf.tidy(fn).dataSync()[0];
    const w = await m.getWeights();
    disposeBatch(b);
    opt.dispose();
    m.dispose();
    return { loss, after, g, w };
  }
  it('loss, gradients, loss after an SGD step and every weight agree to ~1e-5', async () => {
    const c = await step('cpu'),
      w = await step('wasm');
    await tf.setBackend('cpu');
    expect(Number.isFinite(c.loss)).toBe(true);
    expect(Math.abs(c.loss - w.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(c.loss)));
    let gMax = 0,
      gDiff = 0;
    c.g.forEach((x, i) =>
      x.forEach((v, k) => {
        gMax = Math.max(gMax, Math.abs(v));
        gDiff = Math.max(gDiff, Math.abs(v - w.g[i][k]));
      }),
    );
    expect(gMax).toBeGreaterThan(1e-2);
    expect(gDiff).toBeLessThan(1e-5 * Math.max(1, gMax));
    expect(Math.abs(c.after - w.after)).toBeLessThan(1e-5 * Math.max(1, Math.abs(c.after)));
    expect(c.after).toBeLessThan(c.loss); // the step went downhill
    let maxDiff = 0;
    c.w.forEach((x, i) =>
      x.values.forEach((v, k) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - w.w[i].values[k]));
      }),
    );
    expect(maxDiff).toBeLessThan(1e-5);
  });
});

describe('prediction channels when the heads are the panel horizons', () => {
  it('predictAll returns scores = f and the f-hat channel (no tensor of the output disposed, no leak)', async () => {
    const panel = plantedPanel({ T: 30, N: 12, F: 4, horizons: [3, 5], seed: 4, noise: 0.5, missing: 0.1, nIndustries: 3 });
    const d = prepareData(panel);
    const m = dmfmSpec.build({ F: d.F, horizons: d.horizons, seed: 1, config: { hidden: 6, layers: 1 } }); // paper heads 3, 5: the identity map
    const before = tf.memory().numTensors;
    const p = await predictAll(m, d, [20, 21, 22], 2);
    expect(tf.memory().numTensors).toBe(before);
    expect(p.scores.length).toBe(2 * 3 * 12);
    expect(p.channels.fhat.length).toBe(2 * 3 * 12);
    for (let k = 0; k < p.scores.length; k++) expect(Number.isNaN(p.scores[k])).toBe(Number.isNaN(p.channels.fhat[k]));
    expect(p.scores.some(Number.isFinite)).toBe(true);
    m.dispose();
  });
});
