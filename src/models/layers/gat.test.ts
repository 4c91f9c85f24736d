import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeRng } from '../../core/rng';
import { ParamStore } from '../common';
import {
  buildSegments,
  gatAttendDense,
  gatAttendSorted,
  gatLayer,
  gatParams,
  industryMask,
  maskedSoftmax,
  universeMask,
  type BatchGraph,
} from './gat';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

/** 2 dates x 6 stocks. Date 0: industries [0, 0, 1, 2, 2, 2], stock 5 padding -> stock 2 alone in industry 1.
 *  Date 1: industries [0, 0, 0, -1, 1, 1], all valid -> stock 3 of unknown industry. */
const B = 2,
  N = 6;
const IND = [0, 0, 1, 2, 2, 2, 0, 0, 0, -1, 1, 1];
const MASK = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1];

function randomInputs(seed: number, h: number, scale = 1.5) {
  const r = makeRng(seed);
  const s = tf.tensor2d(
    Array.from({ length: B * N }, () => scale * r.normal()),
    [B, N],
  );
  const t = tf.tensor2d(
    Array.from({ length: B * N }, () => scale * r.normal()),
    [B, N],
  );
  const z = tf.tensor3d(
    Array.from({ length: B * N * h }, () => r.normal()),
    [B, N, h],
  );
  return { s, t, z };
}

describe('GAT masks and masked softmax', () => {
  it('industry and universe adjacency follow eq. 2 with self loops', () => {
    const ind = tf.tensor2d(IND, [B, N]),
      mask = tf.tensor2d(MASK, [B, N]);
    const mi = industryMask(ind, mask).arraySync();
    // date 0: {0,1} linked, 2 alone, {3,4} linked, 5 (padding) only itself even though its industry is 2
    expect(mi[0]).toEqual([
      [1, 1, 0, 0, 0, 0],
      [1, 1, 0, 0, 0, 0],
      [0, 0, 1, 0, 0, 0],
      [0, 0, 0, 1, 1, 0],
      [0, 0, 0, 1, 1, 0],
      [0, 0, 0, 0, 0, 1],
    ]);
    // date 1: unknown industry (-1) of stock 3 links to nobody but itself
    expect(mi[1][3]).toEqual([0, 0, 0, 1, 0, 0]);
    expect(mi[1][0]).toEqual([1, 1, 1, 0, 0, 0]);
    const mu = universeMask(mask).arraySync();
    expect(mu[0][0]).toEqual([1, 1, 1, 1, 1, 0]);
    expect(mu[0][5]).toEqual([0, 0, 0, 0, 0, 1]);
    tf.dispose([ind, mask]);
  });

  it('rows sum to 1 and masked entries are exactly 0, even with extreme logits', () => {
    const r = makeRng(1);
    const logits = tf.tensor3d(
      Array.from({ length: B * N * N }, () => 30 * r.normal()),
      [B, N, N],
    );
    const m = industryMask(tf.tensor2d(IND, [B, N]), tf.tensor2d(MASK, [B, N]));
    const a = maskedSoftmax(logits, m).arraySync() as number[][][];
    const mv = m.arraySync();
    for (let b = 0; b < B; b++)
      for (let i = 0; i < N; i++) {
        const row = a[b][i];
        expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
        for (let j = 0; j < N; j++) if (mv[b][i][j] === 0) expect(row[j]).toBe(0);
      }
  });

  it('a stock alone in its industry (and one of unknown industry) attends only to itself', () => {
    const { s, t, z } = randomInputs(2, 3);
    const m = industryMask(tf.tensor2d(IND, [B, N]), tf.tensor2d(MASK, [B, N]));
    const { out, alpha } = gatAttendDense(s, t, z, m);
    const al = alpha.arraySync();
    expect(al[0][2]).toEqual([0, 0, 1, 0, 0, 0]);
    expect(al[1][3]).toEqual([0, 0, 0, 1, 0, 0]);
    const o = out.arraySync(),
      zv = z.arraySync();
    for (let c = 0; c < 3; c++) {
      expect(o[0][2][c]).toBeCloseTo(zv[0][2][c], 6);
      expect(o[1][3][c]).toBeCloseTo(zv[1][3][c], 6);
    }
  });
});

describe('neutralised contexts (DMFM eq. 4, 6) on a worked fixture', () => {
  it('W = I, a = 0: uniform attention, C_I = C - industry mean, C_U = C_I - universe mean of C_I', () => {
    // one date, 5 stocks, h = 1, industries [0, 0, 1, 1, 1], all valid, C = [1, 3, 2, 4, 9]
    // industry means: {1, 3} -> 2, {2, 4, 9} -> 5;  C_I = [-1, 1, -3, -1, 4]
    // universe mean of C_I = 0 -> C_U = C_I
    // with C = [1, 3, 2, 4, 10]: industry means 2 and 16/3; C_I = [-1, 1, -10/3, -4/3, 14/3]; universe mean 0 again
    // (demeaning within groups leaves a zero overall mean), so use a padding stock to break it:
    // C = [1, 3, 2, 4, 9, 100] with stock 5 padding: same numbers, and the padding value never leaks in.
    for (const kernel of ['dense', 'sorted'] as const) {
      const c = tf.tensor3d([1, 3, 2, 4, 9, 100], [1, 6, 1]);
      const mask = tf.tensor2d([1, 1, 1, 1, 1, 0], [1, 6]);
      const industry = tf.tensor2d([0, 0, 1, 1, 1, 1], [1, 6]);
      const p = { w: tf.variable(tf.tensor2d([[1]])), a: tf.variable(tf.zeros([1, 2])) };
      const gi: BatchGraph = { kind: 'industry', mask, industry };
      const hI = gatLayer(c, p, gi, kernel).h;
      const cI = c.sub(hI);
      expect(
        Array.from(cI.dataSync())
          .slice(0, 5)
          .map((v) => +v.toFixed(5)),
      ).toEqual([-1, 1, -3, -1, 4]);
      const hU = gatLayer(cI as tf.Tensor3D, p, { kind: 'universe', mask }, kernel).h;
      const cU = cI.sub(hU);
      expect(
        Array.from(cU.dataSync())
          .slice(0, 5)
          .map((v) => +v.toFixed(5)),
      ).toEqual([-1, 1, -3, -1, 4]);
      // a universe shift: C_I + 2 on the members -> the universe mean 2 is removed again
      const hU2 = gatLayer(cI.add(2) as tf.Tensor3D, p, { kind: 'universe', mask }, kernel).h;
      expect(hU2.dataSync()[0]).toBeCloseTo(2, 5);
      p.w.dispose();
      p.a.dispose();
    }
  });

  it("gatInit 'identity' (gatParams): W = I, a random; with a = 0 the layer is plain demeaning, x - H = x - industry mean", () => {
    // the fixture's 2 dates x 6 stocks, h = 4 random contexts; neighbourhood of a valid stock of known industry = the
    // valid stocks of that industry (itself included); anyone else (padding, unknown industry, alone) only itself -> 0
    const h = 4,
      r = makeRng(5);
    const xv = Array.from({ length: B * N * h }, () => 3 * r.normal());
    const expected: number[] = [];
    for (let b = 0; b < B; b++)
      for (let i = 0; i < N; i++) {
        const k = b * N + i;
        const nb =
          MASK[k] && IND[k] >= 0 ? Array.from({ length: N }, (_, j) => b * N + j).filter((q) => MASK[q] && IND[q] === IND[k]) : [k];
        for (let c = 0; c < h; c++) expected.push(xv[k * h + c] - nb.reduce((s, q) => s + xv[q * h + c], 0) / nb.length);
      }
    const ps = new ParamStore(3);
    const p = gatParams(ps, 'gat_industry', h, 'identity');
    expect(Array.from(p.w.dataSync())).toEqual(Array.from({ length: h * h }, (_, q) => (q % (h + 1) === 0 ? 1 : 0)));
    expect(Array.from(p.a.dataSync()).some((v) => v !== 0)).toBe(true); // the help text says so: not plain demeaning at init
    const x = tf.tensor3d(xv, [B, N, h]);
    const g: BatchGraph = { kind: 'industry', mask: tf.tensor2d(MASK, [B, N]), industry: tf.tensor2d(IND, [B, N]) };
    p.a.assign(tf.zeros([h, 2]));
    for (const kernel of ['dense', 'sorted'] as const) {
      const got = x.sub(gatLayer(x, p, g, kernel).h).dataSync();
      for (let q = 0; q < expected.length; q++) expect(Math.abs(got[q] - expected[q])).toBeLessThan(1e-6);
    }
    tf.dispose([x, g.mask, g.industry!]);
    ps.dispose();
  });

  it('a non-uniform case: one industry of 2 with hand-computed attention', () => {
    // stocks 0, 1 in one industry, h = 1, W = [[1]], a_src = 0, a_dst = 1 -> s = 0, t_j = z_j = C_j
    // C = [0, 1]: e_i0 = LeakyReLU(0) = 0, e_i1 = LeakyReLU(1) = 1
    // alpha_i. = [1, e] / (1 + e) = [0.268941, 0.731059];  H_i = 0.731059;  C_I = [-0.731059, 0.268941]
    for (const kernel of ['dense', 'sorted'] as const) {
      const c = tf.tensor3d([0, 1], [1, 2, 1]);
      const p = { w: tf.variable(tf.tensor2d([[1]])), a: tf.variable(tf.tensor2d([[0, 1]])) };
      const g: BatchGraph = { kind: 'industry', mask: tf.ones([1, 2]) as tf.Tensor2D, industry: tf.zeros([1, 2]) as tf.Tensor2D };
      const cI = c.sub(gatLayer(c, p, g, kernel).h).dataSync();
      expect(cI[0]).toBeCloseTo(-0.731059, 5);
      expect(cI[1]).toBeCloseTo(0.268941, 5);
      p.w.dispose();
      p.a.dispose();
    }
  });
});

describe('sorted kernel = dense kernel (values and gradients)', () => {
  const h = 4;
  for (const kind of ['industry', 'universe'] as const) {
    it(`${kind} graph: outputs and d/ds, d/dt, d/dz agree to 1e-5`, () => {
      const { s, t, z } = randomInputs(kind === 'industry' ? 3 : 4, h);
      const ind = tf.tensor2d(IND, [B, N]),
        mask = tf.tensor2d(MASK, [B, N]);
      const m = kind === 'industry' ? industryMask(ind, mask) : universeMask(mask);
      const seg = buildSegments(kind, B, N, MASK, IND);
      const r = makeRng(9);
      const wOut = tf.tensor3d(
        Array.from({ length: B * N * h }, () => r.normal()),
        [B, N, h],
      ); // random linear read-out
      const fDense = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        gatAttendDense(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor3D, m)
          .out.mul(wOut)
          .sum();
      const fSorted = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        gatAttendSorted(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor3D, seg)
          .mul(wOut)
          .sum();
      const od = gatAttendDense(s, t, z, m).out.dataSync(),
        os = gatAttendSorted(s, t, z, seg).dataSync();
      for (let k = 0; k < od.length; k++) expect(Math.abs(od[k] - os[k])).toBeLessThan(1e-5);
      const gd = tf
        .grads(fDense)([s, t, z])
        .map((x) => x.dataSync());
      const gs = tf
        .grads(fSorted)([s, t, z])
        .map((x) => x.dataSync());
      let maxAbs = 0;
      for (let q = 0; q < 3; q++)
        for (let k = 0; k < gd[q].length; k++) {
          expect(Math.abs(gd[q][k] - gs[q][k])).toBeLessThan(1e-5);
          maxAbs = Math.max(maxAbs, Math.abs(gd[q][k]));
        }
      expect(maxAbs).toBeGreaterThan(0.05); // the gradients are not trivially zero
    });
  }

  it('gatLayer: the sorted path (scores st = z a passed whole) gives the dense values and d/dC, d/dW, d/da', () => {
    const h = 4;
    const r = makeRng(21);
    const rnd = (n: number) => Array.from({ length: n }, () => r.normal());
    const c = tf.tensor3d(rnd(B * N * h), [B, N, h]);
    const p = { w: tf.variable(tf.tensor2d(rnd(h * h), [h, h])), a: tf.variable(tf.tensor2d(rnd(h * 2), [h, 2])) };
    const wOut = tf.tensor3d(rnd(B * N * h), [B, N, h]);
    const g: BatchGraph = { kind: 'industry', mask: tf.tensor2d(MASK, [B, N]), industry: tf.tensor2d(IND, [B, N]) };
    const run = (kernel: 'dense' | 'sorted') => {
      const f = () => gatLayer(c, p, g, kernel).h.mul(wOut).sum() as tf.Scalar;
      const { value, grads } = tf.variableGrads(f, [p.w, p.a]);
      const dc = tf.grad((x: tf.Tensor) =>
        gatLayer(x as tf.Tensor3D, p, g, kernel)
          .h.mul(wOut)
          .sum(),
      )(c);
      return [value, grads[p.w.name], grads[p.a.name], dc].map((x) => Array.from(x.dataSync()));
    };
    const d = run('dense'),
      so = run('sorted');
    let maxAbs = 0;
    for (let q = 0; q < d.length; q++)
      for (let k = 0; k < d[q].length; k++) {
        expect(Math.abs(d[q][k] - so[q][k])).toBeLessThan(1e-4);
        if (q > 0) maxAbs = Math.max(maxAbs, Math.abs(d[q][k]));
      }
    expect(maxAbs).toBeGreaterThan(0.05);
    tf.dispose([c, wOut, g.mask, g.industry!, p.w, p.a]);
  });

  it('ties, large logits and all-negative rows: still equal to dense, finite', () => {
    // t has ties; s large negative for some rows (no positive pair) and large positive for others
    const s = tf.tensor2d([-40, 35, 0, 2, -2, 1, 0.5, -0.5, 60, -60, 0, 0], [B, N]);
    const t = tf.tensor2d([1, 1, -3, 0, 0, 2, -1, -1, 5, 5, 0, -70], [B, N]);
    const { z } = randomInputs(5, 3);
    const mask = tf.tensor2d(MASK, [B, N]);
    const seg = buildSegments('universe', B, N, MASK);
    const od = gatAttendDense(s, t, z, universeMask(mask)).out.dataSync(),
      os = gatAttendSorted(s, t, z, seg).dataSync();
    for (let k = 0; k < od.length; k++) {
      expect(Number.isFinite(os[k])).toBe(true);
      expect(Math.abs(od[k] - os[k])).toBeLessThan(1e-5);
    }
  });
});
