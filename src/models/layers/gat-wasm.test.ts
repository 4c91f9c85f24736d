import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeRng } from '../../core/rng';
import { kernelsReady, setWasmKernels } from '../kernels/tfjs-wasm';
import { buildSegments, gatAttendDense, gatAttendSortedST, industryMask, universeMask, type GraphKind } from './gat';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('wasm');
});
afterAll(async () => {
  setWasmKernels(true);
  await tf.setBackend('cpu');
});

/**
 * A batch with every kind of neighbourhood: B dates of N stocks, 5 industries, some padding (mask 0) and some unknown
 * industries (-1): singleton segments, small industries, and one universe segment per date.
 */
function batch(seed: number, B: number, N: number, h: number, scale: number) {
  const r = makeRng(seed);
  const mask = Array.from({ length: B * N }, () => (r.uniform() < 0.9 ? 1 : 0));
  const ind = Array.from({ length: B * N }, () => (r.uniform() < 0.05 ? -1 : Math.floor(r.uniform() * 5)));
  const st = tf.tensor3d(
    Array.from({ length: B * N * 2 }, () => scale * r.normal()),
    [B, N, 2],
  );
  const z = tf.tensor3d(
    Array.from({ length: B * N * h }, () => r.normal()),
    [B, N, h],
  );
  const wOut = tf.tensor3d(
    Array.from({ length: B * N * h }, () => r.normal()),
    [B, N, h],
  ); // a random linear read-out: L = sum(out * wOut)
  return { mask, ind, st, z, wOut };
}

/** out and d/dst, d/dz of L = sum(out * wOut) with the sorted kernel (the wasm kernels on or off) */
function sorted(kind: GraphKind, b: ReturnType<typeof batch>, on: boolean) {
  setWasmKernels(on);
  const [B, N] = b.z.shape;
  const seg = buildSegments(kind, B, N, b.mask, b.ind);
  const f = (st: tf.Tensor, z: tf.Tensor) =>
    gatAttendSortedST(st as tf.Tensor3D, z as tf.Tensor3D, seg)
      .mul(b.wOut)
      .sum();
  const out = gatAttendSortedST(b.st, b.z, seg);
  const g = tf.grads(f)([b.st, b.z]);
  const r = [out, ...g].map((x) => x.dataSync().slice());
  tf.dispose([out, ...g]);
  setWasmKernels(true);
  return r;
}

/** the same through the dense reference kernel */
function dense(kind: GraphKind, b: ReturnType<typeof batch>) {
  const [B, N] = b.z.shape;
  const mask = tf.tensor2d(b.mask, [B, N]),
    ind = tf.tensor2d(b.ind, [B, N]);
  const m = kind === 'industry' ? industryMask(ind, mask) : universeMask(mask);
  const split = (st: tf.Tensor) => [0, 1].map((c) => st.slice([0, 0, c], [B, N, 1]).reshape([B, N]) as tf.Tensor2D);
  const f = (st: tf.Tensor, z: tf.Tensor) => {
    const [s, t] = split(st);
    return gatAttendDense(s, t, z as tf.Tensor3D, m)
      .out.mul(b.wOut)
      .sum();
  };
  const [s, t] = split(b.st);
  const out = gatAttendDense(s, t, b.z, m).out;
  const g = tf.grads(f)([b.st, b.z]);
  const r = [out, ...g].map((x) => x.dataSync().slice());
  tf.dispose([mask, ind, m, s, t, out, ...g]);
  return r;
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('sorted GAT with wasm SIMD loops = the JS kernel = the dense kernel (tfjs-wasm)', () => {
  it('the kernels are in use on this backend', () => {
    expect(kernelsReady()).toBe(true);
  });

  for (const kind of ['industry', 'universe'] as const)
    for (const [B, N, h, scale] of [
      [2, 9, 4, 1.5],
      [3, 120, 64, 2],
      [2, 40, 6, 8], // large logits: all-positive and all-negative rows
    ])
      it(`${kind} graph, B=${B} N=${N} h=${h}: out, d/dst, d/dz`, () => {
        const b = batch(B * N + h, B, N, h, scale);
        const wasm = sorted(kind, b, true),
          js = sorted(kind, b, false),
          ref = dense(kind, b);
        for (let q = 0; q < 3; q++) {
          // the same float64 algorithm: equal to float32 rounding of the outputs
          expect(maxDiff(wasm[q], js[q])).toBeLessThan(1e-6 * Math.max(1, maxAbs(js[q])));
          // and the dense float32 reference to ~1e-5
          expect(maxDiff(wasm[q], ref[q])).toBeLessThan(1e-5 * Math.max(1, maxAbs(ref[q])));
          expect(maxAbs(wasm[q])).toBeGreaterThan(0.05); // not trivially zero
        }
        tf.dispose([b.st, b.z, b.wOut]);
      });

  it('no tensors and no heap scratch leak across calls', () => {
    const b = batch(5, 4, 100, 16, 1);
    sorted('industry', b, true); // warm-up: the heap grows once to its working size
    const n0 = tf.memory().numTensors,
      bytes0 = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    for (let i = 0; i < 5; i++) sorted('industry', b, true);
    expect(tf.memory().numTensors).toBe(n0);
    expect((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length).toBe(bytes0);
    tf.dispose([b.st, b.z, b.wOut]);
  });

  it('odd h: the JS kernel (the wasm loops take two columns at a time)', () => {
    const b = batch(11, 2, 30, 5, 1);
    const wasm = sorted('universe', b, true),
      js = sorted('universe', b, false);
    for (let q = 0; q < 3; q++) expect(maxDiff(wasm[q], js[q])).toBe(0);
    tf.dispose([b.st, b.z, b.wOut]);
  });
});
