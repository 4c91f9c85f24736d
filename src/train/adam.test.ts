/**
 * The loop's Adam (train/adam.ts): on tfjs-wasm its fused update gives the same weights and moments as tfjs'
 * AdamOptimizer to the bit, step after step, for variables of every size (whole SIMD vectors and a scalar tail), with a
 * variable without a gradient and one whose data is shared with another tensor (left untouched); on cpu it is tfjs'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeRng } from '../core/rng';
import { fusedAdamUpdates, labAdam, setFusedAdam } from './adam';
import { kernelsReady } from '../models/kernels/tfjs-wasm';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('wasm');
});
afterAll(async () => {
  setFusedAdam(true);
  await tf.setBackend('cpu');
});

const shapes: number[][] = [[7, 5], [16], [3], [2, 2, 3], [1]];

/** `steps` Adam steps of a quadratic-plus-sine loss over variables of `shapes`; returns weights and moments */
async function run(fused: boolean, backend: string, steps: number) {
  await tf.setBackend(backend);
  setFusedAdam(fused);
  const r = makeRng(11);
  const vars = shapes.map((s, i) =>
    tf.variable(
      tf.tensor(
        Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => r.normal()),
        s,
      ),
      true,
      `adam_t_${fused}_${backend}_${i}`,
    ),
  );
  const frozen = tf.variable(tf.ones([4]), true, `adam_t_frozen_${fused}_${backend}`); // no gradient: not in the loss
  const shared = vars[1].clone(); // shares vars[1]'s data until the first assign
  const opt = labAdam(0.01, 0.9, 0.999, 1e-7);
  for (let s = 0; s < steps; s++) {
    opt.minimize(
      () =>
        tf.addN(
          vars.map((v, i) =>
            v
              .square()
              .mul(i + 1)
              .add(v.mul(3).sin())
              .sum(),
          ),
        ) as tf.Scalar,
      false,
      [...vars],
    );
    // frozen gets no gradient: passed alone it would be an error, so it is only checked untouched below
  }
  const out = [...vars.map((v) => v.dataSync().slice()), ...(await opt.getWeights()).slice(1).map((w) => w.tensor.dataSync().slice())];
  const sharedVals = shared.dataSync().slice();
  const frozenVals = frozen.dataSync().slice();
  opt.dispose();
  tf.dispose([...vars, frozen, shared]);
  return { out, sharedVals, frozenVals };
}

describe('labAdam', () => {
  it('fused on wasm: the same weights and moments as tfjs AdamOptimizer, to the bit, over 5 steps', async () => {
    await tf.setBackend('wasm');
    expect(kernelsReady()).toBe(true);
    const n0 = fusedAdamUpdates();
    const ref = await run(false, 'wasm', 5);
    expect(fusedAdamUpdates()).toBe(n0);
    const mine = await run(true, 'wasm', 5);
    expect(fusedAdamUpdates() - n0).toBe(5 * shapes.length); // every variable with a gradient, every step
    expect(mine.out.length).toBe(3 * shapes.length);
    for (let i = 0; i < ref.out.length; i++) expect(Array.from(mine.out[i])).toEqual(Array.from(ref.out[i]));
    // the weights moved (a test that could not fail otherwise): Adam's first step moves each weight by ~lr
    const r0 = makeRng(11).normal();
    expect(Math.abs(mine.out[0][0] - r0)).toBeGreaterThan(0.02);
    // a tensor that shared a variable's data before the first step keeps its values
    expect(Array.from(mine.sharedVals)).toEqual(Array.from(ref.sharedVals));
    expect(Array.from(mine.frozenVals)).toEqual([1, 1, 1, 1]);
  });

  it('on cpu it is tfjs Adam (no wasm heap)', async () => {
    const a = await run(true, 'cpu', 3),
      b = await run(false, 'cpu', 3);
    for (let i = 0; i < a.out.length; i++) expect(Array.from(a.out[i])).toEqual(Array.from(b.out[i]));
  });

  it('leaks no tensor across steps', async () => {
    await tf.setBackend('wasm');
    setFusedAdam(true);
    const v = tf.variable(tf.ones([10]), true, 'adam_leak');
    const opt = labAdam(0.01, 0.9, 0.999, 1e-7);
    const step = () => tf.dispose(opt.minimize(() => v.square().sum() as tf.Scalar, true, [v]) as tf.Scalar);
    step();
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    v.dispose();
  });
});
