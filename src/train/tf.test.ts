import { describe, expect, it } from 'vitest';
import { tf } from './tf';
import { useBackend } from './backend';

describe('wasm Identity shares the buffer (tf.ts)', () => {
  it('a clone survives the original, gradients through saved clones are unchanged, no leak', async () => {
    await useBackend('wasm');
    const before = tf.memory().numTensors;
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a); // Identity
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    b.dispose();
    // y = sum(x^2 * x): d/dx = 3 x^2 = [3, 12, 27]; mul saves both inputs (engine.clone -> Identity)
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((v: tf.Tensor) => v.square().mul(v).sum())(x);
    expect(Array.from(g.dataSync())).toEqual([3, 12, 27]);
    tf.dispose([x, g]);
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.getKernel('Identity', 'wasm') as { shared?: boolean }).shared).toBe(true);
  });

  it('the Sum gradient broadcasts dy over the summed axes (any axis list, keepDims)', async () => {
    for (const b of ['cpu', 'wasm'] as const) {
      await useBackend(b);
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
      // L = sum_j w_j * sum_i x_ij with w = [1, 2, 3]: dL/dx_ij = w_j
      const g0 = tf.grad((v: tf.Tensor) =>
        v
          .sum(0)
          .mul(tf.tensor1d([1, 2, 3]))
          .sum(),
      )(x);
      expect(Array.from(g0.dataSync())).toEqual([1, 2, 3, 1, 2, 3]);
      // L = sum_i u_i * sum_j x_ij (keepDims) with u = [10, 20]: dL/dx_ij = u_i
      const g1 = tf.grad((v: tf.Tensor) =>
        v
          .sum(1, true)
          .mul(tf.tensor2d([10, 20], [2, 1]))
          .sum(),
      )(x);
      expect(Array.from(g1.dataSync())).toEqual([10, 10, 10, 20, 20, 20]);
      // all axes: dL/dx = 1
      const g2 = tf.grad((v: tf.Tensor) => v.sum())(x);
      expect(Array.from(g2.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
      tf.dispose([x, g0, g1, g2]);
    }
  });
});
