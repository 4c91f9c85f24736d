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
});
