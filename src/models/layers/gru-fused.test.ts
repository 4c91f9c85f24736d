/**
 * The fused GRU (gru-fused.ts, tfjs-wasm with the lab's kernels) against the op-based GRU of gru.ts (tfjs ops and
 * autodiff, the reference): forward values and every gradient (W_x, W_h, b_x, b_h, x) on random data with a ragged
 * mask, with and without returnSequences and inputIsData; a finite-difference check of the fused op itself; no tensor
 * leak in training and in inference; a sequence with every step masked ends at h = 0; and fastExp's accuracy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeRng } from '../../core/rng';
import { ParamStore } from '../common';
import { directionalCheck } from '../gradcheck-util';
import { gruKernelsFor } from '../kernels/gru-kernels';
import { heapKernels, setWasmKernels } from '../kernels/tfjs-wasm';
import { gru, gruParams, sequenceSteps, type GruOptions, type GruParams } from './gru';
import { fastExp, gruFusedReady, setGruFused, setGruSimdGates } from './gru-fused';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('wasm');
});
afterAll(async () => {
  setWasmKernels(true);
  setGruFused(true);
  setGruSimdGates(true);
  await tf.setBackend('cpu');
});

const M = 9,
  L = 7,
  I = 5;
/** hidden width of the current block: 6 runs the JS gates loop, 8 (a multiple of 4) the wasm SIMD gates kernel */
let H = 6;

/** ragged step mask [M, L]: full rows, leading gaps (shorter histories), holes, a trailing gap, one row all masked */
function raggedMask(): tf.Tensor2D {
  const rows = [
    [1, 1, 1, 1, 1, 1, 1],
    [0, 0, 0, 1, 1, 1, 1],
    [1, 0, 1, 1, 0, 1, 1],
    [1, 1, 1, 1, 1, 1, 0],
    [0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 1],
    [1, 1, 0, 0, 1, 1, 1],
    [0, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 0, 1, 1, 1],
  ];
  return tf.tensor2d(rows);
}

/** random weights of unit scale (larger than the init, so the gates saturate somewhere) */
function params(seed: number): { ps: ParamStore; p: GruParams } {
  const ps = new ParamStore(seed);
  const p = gruParams(ps, 'g', I, H);
  const r = makeRng(seed + 1);
  for (const v of [p.wx, p.wh, p.bx, p.bh])
    v.assign(
      tf.tensor(
        Array.from({ length: v.size }, () => r.normal()),
        v.shape,
      ),
    );
  return { ps, p };
}

/** values and gradients of a scalar that reads the outputs with random weights, on the current path */
function run(p: GruParams, x: tf.Variable, opts: GruOptions, seed: number) {
  const r = makeRng(seed);
  const gLast = tf.tensor2d(
    Array.from({ length: M * H }, () => r.normal()),
    [M, H],
  );
  const gSeq = tf.tensor3d(
    Array.from({ length: M * L * H }, () => r.normal()),
    [M, L, H],
  );
  const vars = opts.inputIsData ? [p.wx, p.wh, p.bx, p.bh] : [p.wx, p.wh, p.bx, p.bh, x];
  let last: Float32Array | null = null,
    seq: Float32Array | null = null;
  const { value, grads } = tf.variableGrads(
    () =>
      tf.tidy(() => {
        const o = gru(x as tf.Tensor3D, p, opts);
        last = o.last.dataSync() as Float32Array;
        const s = o.last.mul(gLast).sum();
        if (!o.seq) return s as tf.Scalar;
        seq = o.seq.dataSync() as Float32Array;
        return s.add(o.seq.mul(gSeq).sum().mul(0.5)) as tf.Scalar;
      }),
    vars,
  );
  const out = {
    loss: value.dataSync()[0],
    last: last!,
    seq: seq as Float32Array | null,
    grads: vars.map((v) => grads[v.name].dataSync() as Float32Array),
  };
  tf.dispose([value, ...Object.values(grads), gLast, gSeq]);
  return out;
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};
const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe.each([6, 8])('fused GRU (wasm) vs the op-based GRU, H = %i', (hidden) => {
  beforeAll(() => {
    H = hidden;
  });
  it('runs on this wasm backend (the lab kernels are available), and is off with the kernels or its own switch off', () => {
    expect(gruFusedReady()).toBe(true);
    // the SIMD gates module builds over tfjs-wasm's memory (else the JS loop would run silently)
    expect(gruKernelsFor(heapKernels().k.memory)).not.toBeNull();
    setWasmKernels(false);
    expect(gruFusedReady()).toBe(false);
    setWasmKernels(true);
    setGruFused(false);
    expect(gruFusedReady()).toBe(false);
    setGruFused(true);
    expect(gruFusedReady()).toBe(true);
  });

  it.each([
    { returnSequences: false, inputIsData: false },
    { returnSequences: true, inputIsData: false },
    { returnSequences: false, inputIsData: true },
    { returnSequences: true, inputIsData: true },
  ])('same outputs and gradients (W_x, W_h, b_x, b_h, x) with a ragged mask: %o', (flags) => {
    const { ps, p } = params(5);
    const r = makeRng(17);
    const x = tf.variable(
      tf.tensor3d(
        Array.from({ length: M * L * I }, () => r.normal()),
        [M, L, I],
      ),
    );
    const mask = raggedMask();
    const opts = { ...flags, mask };
    setGruFused(false);
    const ref = run(p, x, opts, 3);
    setGruFused(true);
    // the fused forward with the JS gates loop and (H a multiple of 4) with the wasm SIMD gates kernel
    for (const simd of [false, true]) {
      setGruSimdGates(simd);
      const fused = run(p, x, opts, 3);
      expect(Math.abs(fused.loss - ref.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.loss)));
      expect(maxAbsDiff(fused.last, ref.last)).toBeLessThan(1e-5);
      if (flags.returnSequences) expect(maxAbsDiff(fused.seq!, ref.seq!)).toBeLessThan(1e-5);
      expect(fused.grads).toHaveLength(flags.inputIsData ? 4 : 5);
      fused.grads.forEach((g, i) => {
        // every gradient is non-trivial (not all zeros) and equal to the reference to float32 rounding
        expect(maxAbs(ref.grads[i])).toBeGreaterThan(1e-3);
        expect(maxAbsDiff(g, ref.grads[i])).toBeLessThan(1e-5 * Math.max(1, maxAbs(ref.grads[i])));
      });
    }
    tf.dispose([x, mask]);
    ps.dispose();
  });

  it('a list of steps (sequenceSteps or any per-step tensors) gives the same result as the [M, L, I] tensor', () => {
    const { ps, p } = params(8);
    const r = makeRng(2);
    const x = tf.tensor3d(
      Array.from({ length: M * L * I }, () => r.normal()),
      [M, L, I],
    );
    const mask = raggedMask();
    const a = gru(x, p, { mask, returnSequences: true });
    const steps = sequenceSteps(x);
    const b = gru(steps, p, { mask, returnSequences: true });
    // per-step tensors that do not come from sequenceSteps (stacked again inside gru)
    const own = steps.map((s) => s.add(0) as tf.Tensor2D);
    const c = gru(own, p, { mask });
    expect(maxAbsDiff(b.seq!.dataSync() as Float32Array, a.seq!.dataSync() as Float32Array)).toBe(0);
    expect(maxAbsDiff(c.last.dataSync() as Float32Array, a.last.dataSync() as Float32Array)).toBe(0);
    tf.dispose([x, mask, a.last, a.seq!, b.last, b.seq!, c.last, ...steps, ...own]);
    ps.dispose();
  });

  it('a sequence with every step masked ends at h = 0 exactly and its state sequence is all 0', () => {
    const { ps, p } = params(11);
    const r = makeRng(4);
    const x = tf.tensor3d(
      Array.from({ length: M * L * I }, () => r.normal()),
      [M, L, I],
    );
    const mask = raggedMask(); // row 4 is all 0
    const o = gru(x, p, { mask, returnSequences: true });
    expect(Array.from(o.last.arraySync()[4])).toEqual(new Array(H).fill(0));
    for (const row of o.seq!.arraySync()[4]) expect(row).toEqual(new Array(H).fill(0));
    // and a row whose only valid step is the last one moved off h_0 (row 5)
    expect(maxAbs(Float32Array.from(o.last.arraySync()[5]))).toBeGreaterThan(1e-3);
    tf.dispose([x, mask, o.last, o.seq!]);
    ps.dispose();
  });

  it('gradient check of the fused op: parameters and input vs central finite differences (ragged mask, both outputs)', () => {
    expect(gruFusedReady()).toBe(true);
    const ps = new ParamStore(21);
    const p = gruParams(ps, 'g', I, H); // PyTorch's init scale: smooth enough for float32 differences
    const r = makeRng(8);
    const xv = tf.variable(
      tf.tensor3d(
        Array.from({ length: M * L * I }, () => r.normal()),
        [M, L, I],
      ),
    );
    const mask = raggedMask();
    const gLast = tf.tensor2d(
      Array.from({ length: M * H }, () => r.normal()),
      [M, H],
    );
    const gSeq = tf.tensor3d(
      Array.from({ length: M * L * H }, () => r.normal()),
      [M, L, H],
    );
    const loss = () =>
      tf.tidy(() => {
        const o = gru(xv as tf.Tensor3D, p, { mask, returnSequences: true });
        return o.last.mul(gLast).sum().add(o.seq!.mul(gSeq).sum().mul(0.3)) as tf.Scalar;
      });
    const errs = directionalCheck([p.wx, p.wh, p.bx, p.bh, xv], loss, 99, 4);
    for (const e of errs) expect(e).toBeLessThan(5e-3);
    tf.dispose([xv, mask, gLast, gSeq]);
    ps.dispose();
  });

  it('leaks no tensor: a training step (forward + gradients) and inference (no tape: the activations are not kept)', () => {
    const { ps, p } = params(2);
    const r = makeRng(1);
    const x = tf.tensor3d(
      Array.from({ length: M * L * I }, () => r.normal()),
      [M, L, I],
    );
    const mask = raggedMask();
    const step = () => {
      const { value, grads } = tf.variableGrads(
        () => tf.tidy(() => gru(x, p, { mask, returnSequences: true }).seq!.sum() as tf.Scalar),
        ps.variables(),
      );
      tf.dispose([value, ...Object.values(grads)]);
    };
    step();
    const before = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    step();
    const o = gru(x, p, { mask });
    const inferLast = o.last.dataSync().slice() as Float32Array;
    o.last.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytes);
    // inference (two state buffers, no kept gates) gives the same state as the taped forward
    let taped: Float32Array | null = null;
    const g = tf.variableGrads(
      () =>
        tf.tidy(() => {
          const l = gru(x, p, { mask }).last;
          taped = l.dataSync() as Float32Array;
          return l.sum() as tf.Scalar;
        }),
      [p.wh],
    );
    tf.dispose([g.value, ...Object.values(g.grads)]);
    expect(maxAbsDiff(inferLast, taped!)).toBe(0);
    tf.dispose([x, mask]);
    ps.dispose();
  });
});

describe('fastExp', () => {
  it('equals Math.exp to 1e-8 relative over float32 range, clamps outside it', () => {
    const r = makeRng(3);
    let worst = 0;
    for (let i = 0; i < 20000; i++) {
      const v = (r.uniform() - 0.5) * 170; // [-85, 85]
      worst = Math.max(worst, Math.abs(fastExp(v) / Math.exp(v) - 1));
    }
    expect(worst).toBeLessThan(1e-8);
    expect(fastExp(0)).toBe(1);
    // outside float32's range: clamped to exp(88) and exp(-87), finite and positive
    expect(fastExp(1000) / Math.exp(88)).toBeCloseTo(1, 7);
    expect(fastExp(-1000) / Math.exp(-87)).toBeCloseTo(1, 7);
  });
});
