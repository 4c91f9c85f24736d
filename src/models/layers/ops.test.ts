import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeRng } from '../../core/rng';
import { leakyRelu, linear, linearOnData } from './ops';

beforeAll(() => {
  tf.enableProdMode();
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const rand = (r: ReturnType<typeof makeRng>, shape: number[]) =>
  tf.tensor(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()),
    shape,
  );
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);

/**
 * The hand-written ops against tfjs' own (tf.leakyRelu, tf.matMul + add and their autodiff gradients), on both CPU
 * backends. Shapes cover every branch of the wasm weight-gradient placement: J <= K and J > K, with and without a
 * bias, and the two-stage bias reduction (M a multiple of 64, J > 8).
 */
describe.each(['cpu', 'wasm'])('fused ops = tfjs ops (%s)', (backend) => {
  it('leakyRelu: value and gradient (x * step(x, slope))', async () => {
    await tf.setBackend(backend);
    const r = makeRng(1);
    const x = rand(r, [7, 5]),
      w = rand(r, [7, 5]);
    const mine = tf.grad((v: tf.Tensor) => leakyRelu(v, 0.2).mul(w).sum());
    const ref = tf.grad((v: tf.Tensor) => tf.leakyRelu(v, 0.2).mul(w).sum());
    expect(maxAbsDiff(leakyRelu(x, 0.2), tf.leakyRelu(x, 0.2))).toBeLessThan(1e-7);
    expect(maxAbsDiff(mine(x), ref(x))).toBeLessThan(1e-7);
    tf.dispose([x, w]);
  });
  for (const [M, K, J] of [
    [128, 6, 3],
    [128, 3, 12],
    [30, 4, 9],
    [64, 5, 16],
  ]) {
    it(`linear / linearOnData [${M}, ${K}] @ [${K}, ${J}]: value and every gradient`, async () => {
      await tf.setBackend(backend);
      const r = makeRng(M + K + J);
      const x = rand(r, [M, K]) as tf.Tensor2D,
        w = rand(r, [K, J]) as tf.Tensor2D,
        b = rand(r, [J]) as tf.Tensor1D,
        g = rand(r, [M, J]);
      const lossMine = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        linear(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D)
          .mul(g)
          .sum();
      const lossRef = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        tf
          .matMul(xi as tf.Tensor2D, wi as tf.Tensor2D)
          .add(bi)
          .mul(g)
          .sum();
      const gm = tf.grads(lossMine)([x, w, b]),
        gr = tf.grads(lossRef)([x, w, b]);
      gm.forEach((t, i) => expect(maxAbsDiff(t, gr[i])).toBeLessThan(1e-4));
      const gn = tf.grads((wi: tf.Tensor, xi: tf.Tensor) =>
        linear(xi as tf.Tensor2D, wi as tf.Tensor2D)
          .mul(g)
          .sum(),
      )([w, x]);
      const gnr = tf.grads((wi: tf.Tensor, xi: tf.Tensor) =>
        tf
          .matMul(xi as tf.Tensor2D, wi as tf.Tensor2D)
          .mul(g)
          .sum(),
      )([w, x]);
      gn.forEach((t, i) => expect(maxAbsDiff(t, gnr[i])).toBeLessThan(1e-4));
      const gd = tf.grads((wi: tf.Tensor, bi: tf.Tensor) =>
        linearOnData(x, wi as tf.Tensor2D, bi as tf.Tensor1D)
          .mul(g)
          .sum(),
      )([w, b]);
      expect(maxAbsDiff(gd[0], gr[1])).toBeLessThan(1e-4);
      expect(maxAbsDiff(gd[1], gr[2])).toBeLessThan(1e-4);
      expect(maxAbsDiff(linear(x, w, b), tf.matMul(x, w).add(b))).toBeLessThan(1e-5);
      tf.dispose([x, w, b, g, ...gm, ...gr, ...gn, ...gnr, ...gd]);
    });
  }
});
