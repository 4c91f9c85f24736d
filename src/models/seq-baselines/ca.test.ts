/**
 * CA (conditional autoencoder, Gu, Kelly & Xiu 2021): the managed portfolios and the training-window mean portfolio on
 * worked fixtures (arithmetic in comments), prediction = beta x (mean portfolio x W) and the reconstruction loss against
 * plain-JS recomputations, no return outside the training dates reaches a prediction, the loss's gradient against
 * central finite differences.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../../core/rng';
import { directionalCheck } from '../gradcheck-util';
import type { FitData, ForwardAux, LossTarget, NamedWeight } from '../types';
import { caSpec, managedPortfolios } from './ca';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

const weight = (ws: NamedWeight[], name: string) => ws.find((w) => w.name === name)!.values;

/**
 * 3 dates x 3 stocks x F 2, one horizon. Training dates {0, 1}; date 2 is outside the training window.
 *   date 0: z = [[1, 0], [0, 1], [1, 1]], y = [0.5, -1, 2], all labelled -> Z'y = [0.5 + 2, -1 + 2] = [2.5, 1], / 3
 *           = [0.83333, 0.33333]
 *   date 1: z = [[2, 0], [0, 0], [1, -1]], y = [1, 3, -1], stock 1 padded -> Z'y = [2 - 1, 0 + 1] = [1, 1], / 2 = [0.5, 0.5]
 *   xbar = mean of the two = [0.66667, 0.41667]
 */
function fixture(date2Returns = [4, -4, 9]): FitData {
  const x = Float32Array.from([1, 0, 0, 1, 1, 1, 2, 0, 0, 0, 1, -1, 3, 1, -2, 0, 1, 1]);
  const mask = Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1, 1]);
  const target = Float32Array.from([0.5, -1, 2, 1, 0, -1, ...date2Returns]);
  return {
    T: 3,
    N: 3,
    F: 2,
    H: 1,
    horizons: [1],
    x,
    mask,
    target,
    targetMask: mask.slice(),
    fwd: target.slice(),
    dates: Int32Array.from([0, 1]),
  };
}

describe('CA: managed portfolios, factor mean, prediction and loss', () => {
  it("managed portfolios Z'(m y)/n on a worked case", async () => {
    // z = [[1, 0], [0, 1], [1, 1]], y = [0.5, -1, 2], m = [1, 1, 0]: Z'(m y) = [0.5, -1], n = 2 -> [0.25, -0.5]
    const p = managedPortfolios(
      tf.tensor3d([
        [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
      ]),
      tf.tensor3d([[[0.5], [-1], [2]]]),
      tf.tensor3d([[[1], [1], [0]]]),
    );
    expect(p.shape).toEqual([1, 1, 2]);
    const v = await p.data();
    expect(v[0]).toBeCloseTo(0.25, 6);
    expect(v[1]).toBeCloseTo(-0.5, 6);
  });

  it('fit: the mean training portfolio is [0.66667, 0.41667]; date 2 (outside the window) changes nothing', async () => {
    const m = caSpec.build({ F: 2, horizons: [1], seed: 1, config: { factors: 2, hidden: 3 } });
    m.fit!(fixture());
    const xbar = weight(await m.getWeights(), 'factor/mean_portfolio');
    expect(xbar[0]).toBeCloseTo(2 / 3, 5);
    expect(xbar[1]).toBeCloseTo(5 / 12, 5);
    const m2 = caSpec.build({ F: 2, horizons: [1], seed: 1, config: { factors: 2, hidden: 3 } });
    m2.fit!(fixture([-100, 50, 7]));
    expect(Array.from(weight(await m2.getWeights(), 'factor/mean_portfolio'))).toEqual(Array.from(xbar));
    m.dispose();
    m2.dispose();
  });

  it('prediction = beta . (xbar W) per stock; the loss = masked MSE of beta . (x_t W) against the target (JS recomputation)', async () => {
    const K = 2,
      F = 3,
      B = 2,
      N = 4;
    const m = caSpec.build({ F, horizons: [1, 5], seed: 2, config: { factors: K, hidden: 4 } });
    const r = makeRng(3);
    const d: FitData = {
      T: 2,
      N,
      F,
      H: 2,
      horizons: [1, 5],
      x: Float32Array.from({ length: 2 * N * F }, () => r.normal()),
      mask: Uint8Array.from([1, 1, 1, 1, 1, 0, 1, 1]),
      target: Float32Array.from({ length: 2 * N * 2 }, () => r.normal()),
      targetMask: Uint8Array.from([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0]),
      fwd: new Float32Array(2 * N * 2),
      dates: Int32Array.from([0, 1]),
    };
    m.fit!(d);
    const x = tf.tensor3d(d.x, [B, N, F]);
    const mask = tf.tensor2d(d.mask, [B, N]);
    const { scores, aux } = m.forwardAux!(x, { mask });
    const beta = (await aux.beta.array()) as number[][][][]; // [B, N, H, K]
    const ws = await m.getWeights();
    const W = weight(ws, 'factor/kernel'); // [H, F, K]
    const xbar = weight(ws, 'factor/mean_portfolio'); // [H, F]
    const sv = await scores.data();
    for (let b = 0; b < B; b++)
      for (let n = 0; n < N; n++)
        for (let h = 0; h < 2; h++) {
          let s = 0;
          for (let k = 0; k < K; k++) {
            let lam = 0;
            for (let f = 0; f < F; f++) lam += xbar[h * F + f] * W[(h * F + f) * K + k];
            s += beta[b][n][h][k] * lam;
          }
          expect(sv[(b * N + n) * 2 + h]).toBeCloseTo(d.mask[b * N + n] ? s : 0, 5);
        }
    // loss: x_t = Z'(m y)/n_t per date and horizon, f = x_t W_h, r_hat = beta f, MSE over labelled cells per horizon
    const target: LossTarget = { y: tf.tensor3d(d.target, [B, N, 2]), mask: tf.tensor3d(d.targetMask, [B, N, 2]) };
    const loss = m.loss(scores, target, aux);
    let total = 0;
    for (let h = 0; h < 2; h++) {
      let sse = 0,
        cnt = 0;
      for (let b = 0; b < B; b++) {
        const port = new Array(F).fill(0);
        let nb = 0;
        for (let n = 0; n < N; n++) {
          const k = (b * N + n) * 2 + h;
          if (!d.targetMask[k]) continue;
          nb++;
          for (let f = 0; f < F; f++) port[f] += d.x[(b * N + n) * F + f] * d.target[k];
        }
        const fac = Array.from({ length: K }, (_, k) => port.reduce((s, v, f) => s + (v / nb) * W[(h * F + f) * K + k], 0));
        for (let n = 0; n < N; n++) {
          const k = (b * N + n) * 2 + h;
          if (!d.targetMask[k]) continue;
          const rhat = fac.reduce((s, v, kk) => s + v * beta[b][n][h][kk], 0);
          sse += (rhat - d.target[k]) ** 2;
          cnt++;
        }
      }
      expect((await loss.terms[`mse_h${[1, 5][h]}`].data())[0]).toBeCloseTo(sse / cnt, 5);
      total += sse / cnt / 2;
    }
    expect((await loss.total.data())[0]).toBeCloseTo(total, 5);
    m.dispose();
  });

  it('no future data: a prediction does not depend on any return outside the training dates (the forward has no target)', async () => {
    const a = caSpec.build({ F: 2, horizons: [1], seed: 4, config: { factors: 2, hidden: 3 } });
    const b = caSpec.build({ F: 2, horizons: [1], seed: 4, config: { factors: 2, hidden: 3 } });
    a.fit!(fixture());
    b.fit!(fixture([10, 20, -30])); // date 2's realised returns differ
    const x = tf.tensor3d([
      [
        [3, 1],
        [-2, 0],
        [1, 1],
      ],
    ]);
    const mask = tf.tensor2d([[1, 1, 1]]);
    expect(Array.from(await b.forward(x, { mask }).data())).toEqual(Array.from(await a.forward(x, { mask }).data()));
    a.dispose();
    b.dispose();
  });

  it('the reconstruction loss gradient matches finite differences (beta network, factor network)', () => {
    const B = 2,
      N = 6,
      F = 3;
    // seed 9: no LeakyReLU pre-activation of the fixture lies within ~1e-3 of the kink (seed 11 puts one at 2e-5, and a
    // central difference across a kink is no derivative: a steady 3% disagreement at every step size, measured)
    const m = caSpec.build({ F, horizons: [1, 5], seed: 9, config: { factors: 3, hidden: 5, layers: 2 } });
    const r = makeRng(6);
    const x = tf.tensor3d(
      Array.from({ length: B * N * F }, () => r.normal()),
      [B, N, F],
    );
    const maskArr = [1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1];
    const mask = tf.tensor2d(maskArr, [B, N]);
    const ym = Array.from({ length: B * N * 2 }, (_, i) => maskArr[Math.floor(i / 2)]);
    const target: LossTarget = {
      y: tf.tensor3d(
        Array.from({ length: B * N * 2 }, () => r.normal()),
        [B, N, 2],
      ),
      mask: tf.tensor3d(ym, [B, N, 2]),
    };
    const lossFn = () => {
      const { scores, aux } = m.forwardAux!(x, { mask, training: true });
      return m.loss(scores, target, aux as ForwardAux).total;
    };
    // step 1e-4 (not 1e-3): 2 x 12 x 5 LeakyReLU units; a 1e-3 step moves pre-activations enough to cross a kink often
    for (const e of directionalCheck(m.variables(), lossFn, 7, 3, 1e-4)) expect(e).toBeLessThan(5e-3);
    m.dispose();
  });
});
