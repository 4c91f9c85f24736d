/**
 * GRU layer (layers/gru.ts): a worked scalar case by hand, an independent float64 re-implementation of the PyTorch cell
 * with a step mask, the mask semantics (masked steps keep the state; the last state equals the GRU run on the valid
 * steps only), gradient checks against central finite differences (parameters and the input), and no tensor leak.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeRng } from '../../core/rng';
import { ParamStore } from '../common';
import { directionalCheck } from '../gradcheck-util';
import { gru, gruParams, type GruParams } from './gru';

beforeAll(() => {
  tf.enableProdMode();
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** float64 reference: PyTorch's GRU cell with a step mask, on plain arrays (x [M][L][I], weights row-major) */
function refGru(
  x: number[][][],
  mask: number[][] | null,
  w: { wx: Float32Array; wh: Float32Array; bx: Float32Array; bh: Float32Array },
  I: number,
  H: number,
): { last: number[][]; seq: number[][][] } {
  const G = 3 * H;
  const last: number[][] = [];
  const seq: number[][][] = [];
  for (let m = 0; m < x.length; m++) {
    let h = new Array<number>(H).fill(0);
    const states: number[][] = [];
    for (let t = 0; t < x[m].length; t++) {
      const gx = new Array<number>(G).fill(0),
        gh = new Array<number>(G).fill(0);
      for (let g = 0; g < G; g++) {
        gx[g] = w.bx[g];
        for (let i = 0; i < I; i++) gx[g] += x[m][t][i] * w.wx[i * G + g];
        gh[g] = w.bh[g];
        for (let j = 0; j < H; j++) gh[g] += h[j] * w.wh[j * G + g];
      }
      const hNew = h.map((hj, j) => {
        const r = sig(gx[j] + gh[j]);
        const z = sig(gx[H + j] + gh[H + j]);
        const n = Math.tanh(gx[2 * H + j] + r * gh[2 * H + j]);
        return (1 - z) * n + z * hj;
      });
      if (!mask || mask[m][t]) h = hNew;
      states.push(h.slice());
    }
    last.push(h);
    seq.push(states);
  }
  return { last, seq };
}

function randomCase(seed: number, M: number, L: number, I: number) {
  const r = makeRng(seed);
  return Array.from({ length: M }, () => Array.from({ length: L }, () => Array.from({ length: I }, () => r.normal())));
}

async function weightsOf(p: GruParams) {
  const [wx, wh, bx, bh] = (await Promise.all([p.wx.data(), p.wh.data(), p.bx.data(), p.bh.data()])) as Float32Array[];
  return { wx, wh, bx, bh };
}

describe.each(['cpu', 'wasm'])('GRU layer (%s)', (backend) => {
  it('worked scalar case (I = H = 1, two steps) matches the arithmetic by hand', async () => {
    await tf.setBackend(backend);
    const ps = new ParamStore(1);
    const p = gruParams(ps, 'g', 1, 1);
    // gate order r, z, n: W_x = [0.5, -1, 2], W_h = [1, 0.5, -0.5], b_x = 0, b_h = [0, 0, 0.1]
    p.wx.assign(tf.tensor2d([[0.5, -1, 2]]));
    p.wh.assign(tf.tensor2d([[1, 0.5, -0.5]]));
    p.bx.assign(tf.tensor1d([0, 0, 0]));
    p.bh.assign(tf.tensor1d([0, 0, 0.1]));
    const x = tf.tensor3d([[[1], [-1]]]); // one sequence, x_1 = 1, x_2 = -1
    const out = gru(x, p, { returnSequences: true });
    // t = 1 (h_0 = 0): r = sig(0.5) = 0.6224593, z = sig(-1) = 0.2689414, h W_hn + b_hn = 0.1,
    //   n = tanh(2 + 0.6224593 * 0.1) = tanh(2.0622459) = 0.9681713, h_1 = (1 - z) n = 0.7310586 * 0.9681713 = 0.7077899
    // t = 2: r = sig(-0.5 + 0.7077899) = sig(0.2077899) = 0.5517614, z = sig(1 + 0.5 * 0.7077899) = sig(1.3538950) = 0.7947657,
    //   h W_hn + b_hn = -0.5 * 0.7077899 + 0.1 = -0.2538950, n = tanh(-2 + 0.5517614 * -0.2538950) = tanh(-2.1400895) = -0.9726975,
    //   h_2 = (1 - z) n + z h_1 = 0.2052343 * -0.9726975 + 0.7947657 * 0.7077899 = 0.3628962
    expect(Array.from(out.seq!.dataSync())).toEqual([expect.closeTo(0.7077899, 6), expect.closeTo(0.3628962, 6)]);
    expect(out.last.dataSync()[0]).toBeCloseTo(0.3628962, 6);
    tf.dispose([x, out.last, out.seq!]);
    ps.dispose();
  });

  it('equals an independent float64 implementation (with a step mask), last state and every step', async () => {
    await tf.setBackend(backend);
    const M = 5,
      L = 6,
      I = 3,
      H = 4;
    const ps = new ParamStore(7);
    const p = gruParams(ps, 'g', I, H);
    const xs = randomCase(11, M, L, I);
    // stock 0: all valid; 1: two leading missing days; 2: a gap in the middle; 3: last day missing; 4: nothing valid
    const mk = [
      [1, 1, 1, 1, 1, 1],
      [0, 0, 1, 1, 1, 1],
      [1, 1, 0, 1, 0, 1],
      [1, 1, 1, 1, 1, 0],
      [0, 0, 0, 0, 0, 0],
    ];
    const ref = refGru(xs, mk, await weightsOf(p), I, H);
    const x = tf.tensor3d(xs),
      mask = tf.tensor2d(mk);
    const out = gru(x, p, { mask, returnSequences: true });
    expect(out.last.shape).toEqual([M, H]);
    expect(out.seq!.shape).toEqual([M, L, H]);
    const last = out.last.arraySync(),
      seq = out.seq!.arraySync();
    for (let m = 0; m < M; m++)
      for (let j = 0; j < H; j++) {
        expect(last[m][j]).toBeCloseTo(ref.last[m][j], 5);
        for (let t = 0; t < L; t++) expect(seq[m][t][j]).toBeCloseTo(ref.seq[m][t][j], 5);
      }
    // a sequence with no valid step ends at h_0 = 0 exactly
    expect(last[4]).toEqual([0, 0, 0, 0]);
    tf.dispose([x, mask, out.last, out.seq!]);
    ps.dispose();
  });

  it('masked steps are skipped: the last state equals the GRU run on the valid steps only', async () => {
    await tf.setBackend(backend);
    const ps = new ParamStore(3);
    const p = gruParams(ps, 'g', 2, 3);
    const xs = randomCase(5, 1, 5, 2);
    const keep = [1, 0, 1, 1, 0]; // days 2 and 5 missing
    const x = tf.tensor3d(xs),
      mask = tf.tensor2d([keep]);
    const xv = tf.tensor3d([xs[0].filter((_, t) => keep[t])]); // [1, 3, 2]
    const a = gru(x, p, { mask }).last,
      b = gru(xv, p).last;
    const d = tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);
    expect(d).toBeLessThan(1e-6);
    // and without the mask the result differs (the mask is not a no-op)
    const c = gru(x, p).last;
    expect(tf.tidy(() => a.sub(c).abs().max().dataSync()[0])).toBeGreaterThan(1e-3);
    tf.dispose([x, mask, xv, a, b, c]);
    ps.dispose();
  });

  it('gradient check: parameters and input vs central finite differences (with a mask), inputIsData agrees', async () => {
    await tf.setBackend(backend);
    const M = 4,
      L = 5,
      I = 3,
      H = 4;
    const ps = new ParamStore(21);
    const p = gruParams(ps, 'g', I, H);
    const xv = tf.variable(tf.tensor3d(randomCase(8, M, L, I)));
    const mask = tf.tensor2d([
      [1, 1, 1, 1, 1],
      [0, 1, 1, 1, 1],
      [1, 1, 0, 1, 1],
      [0, 0, 0, 1, 1],
    ]);
    const r = makeRng(4);
    const gLast = tf.tensor2d(
      Array.from({ length: M * H }, () => r.normal()),
      [M, H],
    );
    const gSeq = tf.tensor3d(
      Array.from({ length: M * L * H }, () => r.normal()),
      [M, L, H],
    );
    // a scalar that touches both outputs: <g_last, h_L> + 0.3 <g_seq, h_1..L>
    const loss = () =>
      tf.tidy(() => {
        const o = gru(xv as tf.Tensor3D, p, { mask, returnSequences: true });
        return o.last.mul(gLast).sum().add(o.seq!.mul(gSeq).sum().mul(0.3)) as tf.Scalar;
      });
    const errs = directionalCheck([p.wx, p.wh, p.bx, p.bh, xv], loss, 99, 4);
    for (const e of errs) expect(e).toBeLessThan(5e-3);
    // parameter gradients are the same when x is declared data (no input gradient computed)
    const params = [p.wx, p.wh, p.bx, p.bh];
    const g1 = tf.variableGrads(loss, params);
    const g2 = tf.variableGrads(
      () =>
        tf.tidy(
          () =>
            gru(xv as tf.Tensor3D, p, { mask, inputIsData: true })
              .last.mul(gLast)
              .sum() as tf.Scalar,
        ),
      params,
    );
    const g3 = tf.variableGrads(
      () =>
        tf.tidy(
          () =>
            gru(xv as tf.Tensor3D, p, { mask })
              .last.mul(gLast)
              .sum() as tf.Scalar,
        ),
      params,
    );
    for (const w of params) expect(tf.tidy(() => g2.grads[w.name].sub(g3.grads[w.name]).abs().max().dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([g1.value, g2.value, g3.value, ...Object.values(g1.grads), ...Object.values(g2.grads), ...Object.values(g3.grads)]);
    tf.dispose([xv, mask, gLast, gSeq]);
    ps.dispose();
  });

  it('leaks no tensor (forward and gradient)', async () => {
    await tf.setBackend(backend);
    const ps = new ParamStore(2);
    const p = gruParams(ps, 'g', 2, 3);
    const x = tf.tensor3d(randomCase(1, 3, 4, 2)),
      mask = tf.ones([3, 4]) as tf.Tensor2D;
    const run = () => {
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => gru(x, p, { mask }).last.sum() as tf.Scalar), ps.variables());
      tf.dispose([value, ...Object.values(grads)]);
    };
    run();
    const before = tf.memory().numTensors;
    run();
    const o = gru(x, p, { returnSequences: true });
    tf.dispose([o.last, o.seq!]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, mask]);
    ps.dispose();
  });
});
