/**
 * E2EAI unit tests: the factor gate (hard forward, straight-through backward, >= 1 kept, threshold x 1/m), the
 * directional buffers (reset per epoch, only the trained batches, never validation / test dates), the capped-simplex
 * projection (worked cases), the portfolio weights (sum 1, 0 outside the mask and below gamma_p), a gradient check of
 * the full loss (eq. 11) and no tensor leak over epochs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { pearson } from '../../eval/metrics';
import { directionalCheck } from '../gradcheck-util';
import { batchContext, disposeBatch, makeBatch, prepareData } from '../../train/data';
import { plantedPanel } from '../../train/fixtures';
import { trainModel } from '../../train/loop';
import { BUFFER_INIT, E2eaiModel, e2eaiSpec, hardGate } from './e2eai';
import { projectCappedSimplex } from './projection';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const panel = plantedPanel({ T: 60, N: 24, F: 6, horizons: [1, 5, 20], seed: 3, noise: 0.5, missing: 0.15, nIndustries: 3 });
const small = { hidden: 8, layers: 1, gatKernel: 'dense' };
const build = (config: Record<string, number | string> = {}) =>
  e2eaiSpec.build({ F: 6, horizons: [1, 5, 20], seed: 11, config: { ...small, ...config } }) as E2eaiModel;

describe('E2EAI factor gate (eq. 1)', () => {
  it('hardGate: exact 0/1 forward, identity gradient backward, at least one kept', () => {
    const a = tf.tensor2d([
      [0.5, 0.3, 0.15, 0.05],
      [0.26, 0.25, 0.25, 0.24],
    ]);
    // threshold 0.5 / m = 0.125: row 0 keeps 0.5, 0.3, 0.15; row 1 keeps all four
    expect(Array.from(hardGate(a, 0.125).dataSync())).toEqual([1, 1, 1, 0, 1, 1, 1, 1]);
    // threshold 0.9 above every attention: only the largest survives
    expect(Array.from(hardGate(a, 0.9).dataSync())).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
    // d/da sum(c o gate(a)) = c (straight-through), although the hard gate is piecewise constant
    const c = tf.tensor2d([
      [1, -2, 3, 4],
      [0.5, 0, -1, 2],
    ]);
    const g = tf.grad((v: tf.Tensor) => hardGate(v, 0.125).mul(c).sum())(a);
    expect(Array.from(g.dataSync())).toEqual(Array.from(c.dataSync()));
    tf.dispose([a, c, g]);
  });

  it('the model keeps exactly the factors with selection attention >= gamma_f / m, at least one per date; gradient reaches the selection MLP', async () => {
    const d = prepareData(panel);
    for (const gammaF of [0.5, 1, 10]) {
      const m = build({ gammaF });
      // the selection output layer starts at 0 (uniform attention, every factor kept): give it random logits
      const sv = m.variables()[2]; // factor_selection/dense1/kernel
      sv.assign(tf.randomNormal(sv.shape, 0, 1, 'float32', 3));
      const b = makeBatch(d, [30, 31, 32, 33]);
      const r = m.run(b.x, batchContext(b, false));
      const sel = r.sel.arraySync() as number[][],
        gate = r.gate.arraySync() as number[][];
      for (let t = 0; t < 4; t++) {
        const kept = gate[t].reduce((s, v) => s + v, 0);
        expect(kept).toBeGreaterThanOrEqual(1);
        expect(sel[t].reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
        const thr = Math.min(gammaF / 6, Math.max(...sel[t]));
        sel[t].forEach((v, i) => expect(gate[t][i]).toBe(v >= thr ? 1 : 0));
        if (gammaF === 10) expect(kept).toBe(1); // threshold 10/6 > 1: only the argmax
      }
      tf.dispose(Object.values(r));
      // the straight-through gradient: the selection MLP (only reachable through the gate) gets a non-zero gradient
      const vars = m.variables().filter((_, i) => i < 4); // factor_selection/dense0, dense1 kernels and biases
      const target = { y: b.y, mask: b.ymask, scale: b.yscale, raw: b.raw };
      const { value, grads } = tf.variableGrads(() => {
        const o = m.forwardAux!(b.x, batchContext(b, true));
        return m.loss(o.scores, target, o.aux).total;
      }, vars);
      const norm = Object.values(grads).reduce((s, g) => s + g.square().sum().dataSync()[0], 0);
      expect(norm).toBeGreaterThan(0);
      tf.dispose([value, ...Object.values(grads)]);
      disposeBatch(b);
      m.dispose();
    }
  });
});

describe('capped-simplex projection (worked cases)', () => {
  it('already feasible: unchanged', () => {
    const { w, message } = projectCappedSimplex([0.3, 0.3, 0.4], 0.5);
    expect(message).toBeUndefined();
    expect(Array.from(w)).toEqual([0.3, 0.3, 0.4].map((v) => expect.closeTo(v, 12)));
  });
  it('one weight over the cap: w = clip(v - tau, 0, cap)', () => {
    // v = [0.7, 0.2, 0.1], cap 0.5: w0 = 0.5; the other two share 0.5: 0.2 - tau + 0.1 - tau = 0.5 -> tau = -0.1
    // -> w = [0.5, 0.3, 0.2]
    const { w } = projectCappedSimplex([0.7, 0.2, 0.1], 0.5);
    [0.5, 0.3, 0.2].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 12));
  });
  it('a sum below 1 is lifted, weights that would go negative are 0, the support is respected', () => {
    // v = [0.4, 0.3, -0.5, 9 (outside the support)], cap 0.6: tau = (0.4 + 0.3 - 1) / 2 = -0.15 -> [0.55, 0.45, 0, 0]
    const { w } = projectCappedSimplex([0.4, 0.3, -0.5, 9], 0.6, [1, 1, 1, 0]);
    [0.55, 0.45, 0, 0].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 12));
  });
  it('several capped: v = [0.5, 0.3, 0.1, 0.06, 0.04], cap 0.25', () => {
    // w0 = w1 = 0.25; the rest share 0.5: 0.1 + 0.06 + 0.04 - 3 tau = 0.5 -> tau = -0.1 -> [0.2, 0.16, 0.14]
    const { w } = projectCappedSimplex([0.5, 0.3, 0.1, 0.06, 0.04], 0.25);
    [0.25, 0.25, 0.2, 0.16, 0.14].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 12));
    expect(w.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });
  it('random vectors: sum 1, none above the cap, none negative, and the KKT form w = clip(v - tau, 0, cap)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    for (let trial = 0; trial < 20; trial++) {
      const v = Array.from({ length: 30 }, rnd);
      const { w } = projectCappedSimplex(v, 0.1);
      expect(w.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 10);
      w.forEach((x) => expect(x).toBeGreaterThanOrEqual(0));
      w.forEach((x) => expect(x).toBeLessThanOrEqual(0.1 + 1e-12));
      const free = v.map((x, i) => [x, w[i]]).filter(([, wi]) => wi > 1e-12 && wi < 0.1 - 1e-12);
      if (free.length) {
        const tau = free[0][0] - free[0][1];
        v.forEach((x, i) => expect(w[i]).toBeCloseTo(Math.min(0.1, Math.max(0, x - tau)), 9));
      } else {
        // only 0 and the cap: every capped v is above every zero v
        const capped = v.filter((_, i) => w[i] > 0),
          zero = v.filter((_, i) => w[i] === 0);
        expect(Math.min(...capped)).toBeGreaterThan(Math.max(...zero));
      }
    }
  });
  it('infeasible cap: equal weights with a message', () => {
    const { w, message } = projectCappedSimplex([0.9, 0.1, 0], 0.2);
    expect(Array.from(w)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(message).toMatch(/infeasible for 3 stocks/);
  });
});

describe('E2EAI portfolio layer (eq. 9-10)', () => {
  it('weights sum to 1 per date and head, are 0 outside the mask and below gamma_p; the projected channel respects the cap', async () => {
    const d = prepareData(panel);
    const N = d.N;
    for (const gammaP of [0.5, 1, 1.5]) {
      const m = build({ gammaP, theta: 0.2 });
      const dates = [40, 41, 42, 43];
      const b = makeBatch(d, dates, false);
      const r = m.run(b.x, batchContext(b, false));
      const w = r.w.arraySync() as number[][][],
        ap = r.ap.arraySync() as number[][][];
      const K = w[0][0].length;
      for (let t = 0; t < dates.length; t++) {
        const valid = Array.from({ length: N }, (_, n) => d.mask[dates[t] * N + n] === 1);
        const nv = valid.filter(Boolean).length;
        for (let k = 0; k < K; k++) {
          let s = 0;
          let apSum = 0;
          const thr = Math.min(gammaP / nv, Math.max(...ap[t].map((row, n) => (valid[n] ? row[k] : 0))));
          for (let n = 0; n < N; n++) {
            s += w[t][n][k];
            apSum += ap[t][n][k];
            if (!valid[n]) expect(w[t][n][k]).toBe(0);
            else if (ap[t][n][k] < thr) expect(w[t][n][k]).toBe(0);
            else expect(w[t][n][k]).toBeGreaterThan(0);
          }
          expect(s).toBeCloseTo(1, 5);
          expect(apSum).toBeCloseTo(1, 5);
        }
      }
      const ch = tf.tidy(() => m.forwardChannels(b.x, batchContext(b, false)).channels.weight);
      const cw = ch.arraySync() as number[][][];
      for (let t = 0; t < dates.length; t++)
        for (let h = 0; h < 3; h++) {
          let s = 0;
          for (let n = 0; n < N; n++) {
            expect(cw[t][n][h]).toBeLessThanOrEqual(0.2 + 1e-6);
            expect(cw[t][n][h]).toBeGreaterThanOrEqual(0);
            s += cw[t][n][h];
          }
          expect(s).toBeCloseTo(1, 5);
        }
      tf.dispose([ch, ...Object.values(r)]);
      disposeBatch(b);
      m.dispose();
    }
  });
});

describe('E2EAI loss (eq. 11)', () => {
  it('gradient check of the full loss against central differences (all parameters past the factor gate)', () => {
    tf.enableProdMode();
    const d = prepareData(panel);
    const m = build({ theta: 0.08 }); // a binding cap, so L_up contributes
    const b = makeBatch(d, [20, 21, 22, 23, 24]);
    // directions: some negative, so d_f and d_i are not all +1
    m.bufF.assign(tf.tensor1d([0.3, -0.2]));
    m.bufI.assign(tf.tensor2d([0.1, -0.4, 0.2, -0.1, 0.3, 0.05, -0.2, 0.1, 0.1, 0.2, -0.3, 0.4], [2, 6]));
    const target = { y: b.y, mask: b.ymask, scale: b.yscale, raw: b.raw };
    const lossFn = () =>
      tf.tidy(() => {
        const o = m.forwardAux!(b.x, batchContext(b, true));
        const l = m.loss(o.scores, target, o.aux);
        return l.total;
      });
    const terms = tf.tidy(() => {
      const o = m.forwardAux!(b.x, batchContext(b, true));
      const l = m.loss(o.scores, target, o.aux);
      return Object.fromEntries(Object.entries(l.terms).map(([k, v]) => [k, v.dataSync()[0]]));
    });
    expect(terms.up).toBeGreaterThan(0); // the cap penalty is active
    expect(Number.isFinite(terms.ret)).toBe(true);
    // the selection MLP only has the straight-through gradient (the true derivative of a hard gate is 0): exclude it
    const vars = m.variables().slice(4);
    // eps 1e-4: the stock gate (eq. 10) is piecewise constant, and at eps 1e-3 one of these directions moves a stock
    // across gamma_p / n (the loss jumps; relative error 100). Measured agreement at 1e-4: 1e-4 to 3e-4.
    const errs = directionalCheck(vars, lossFn, 5, 3, 1e-4);
    for (const e of errs) expect(e).toBeLessThan(0.01);
    disposeBatch(b);
    m.dispose();
  });

  it('L_ret is minus the mean portfolio return in percent: worked on the weights of the forward pass', () => {
    const d = prepareData(panel);
    const m = build({ lambdaS: 0, lambdaF: 0, lambdaE: 0, theta: 1 });
    const b = makeBatch(d, [10, 11, 12, 13]);
    const o = m.forwardAux!(b.x, batchContext(b, true));
    const l = m.loss(o.scores, { y: b.y, mask: b.ymask, scale: b.yscale, raw: b.raw }, o.aux);
    const w = (o.aux.w as tf.Tensor3D).arraySync(),
      raw = b.raw!.arraySync(),
      ym = b.ymask.arraySync();
    // heads: 5 and 20 (panel horizon index 1, 2); L_ret = -100 mean_k mean_t sum_n w r
    let tot = 0;
    [1, 2].forEach((h, k) => {
      let s = 0;
      for (let t = 0; t < 4; t++) for (let n = 0; n < d.N; n++) s += w[t][n][k] * raw[t][n][h] * ym[t][n][h];
      tot += s / 4;
    });
    expect(l.terms.ret.dataSync()[0]).toBeCloseTo((-100 * tot) / 2, 4);
    expect(l.terms.up.dataSync()[0]).toBe(0); // theta = 1 never binds
    expect(l.total.dataSync()[0]).toBeCloseTo((-100 * tot) / 2, 4); // lambdas 0: total = L_ret + L_up
    tf.dispose([o.scores, ...Object.values(o.aux), l.total, ...Object.values(l.terms)]);
    disposeBatch(b);
    m.dispose();
  });
});

/** independent: sum over `dates` of the per-date Pearson IC of factor f with the label of panel horizon h */
function icSumJs(d: ReturnType<typeof prepareData>, dates: number[], f: number, h: number): number {
  const { N, F, H } = d;
  let s = 0;
  for (const t of dates) {
    const a: number[] = [],
      y: number[] = [];
    for (let n = 0; n < N; n++)
      if (d.mask[t * N + n] && d.targetMask[(t * N + n) * H + h]) {
        a.push(d.x[(t * N + n) * F + f]);
        y.push(d.target[(t * N + n) * H + h]);
      }
    if (a.length >= 2) s += pearson(a, y);
  }
  return s;
}

describe('E2EAI directional buffers (Algorithm 1)', () => {
  it('reset to 1e-6 each epoch; after each step they hold exactly the IC sums of the batches trained so far', () => {
    const d = prepareData(panel);
    const m = build();
    m.onEpochStart();
    expect(Array.from(m.bufI.dataSync()).every((v) => Math.abs(v - BUFFER_INIT) < 1e-12)).toBe(true);
    const batches = [
      [5, 6, 7, 8],
      [9, 10, 11, 12],
    ];
    const seen: number[] = [];
    for (const dates of batches) {
      const b = makeBatch(d, dates);
      const target = { y: b.y, mask: b.ymask, scale: b.yscale, raw: b.raw };
      const fIc = tf.tidy(() => {
        const o = m.forwardAux!(b.x, batchContext(b, true));
        m.loss(o.scores, target, o.aux);
        // independent IC sum of the deep factor of this forward pass, head 0 (horizon 5, panel index 1)
        const f = (o.aux.f as tf.Tensor3D).arraySync();
        let s = 0;
        dates.forEach((t, j) => {
          const a: number[] = [],
            y: number[] = [];
          for (let n = 0; n < d.N; n++)
            if (d.mask[t * d.N + n] && d.targetMask[(t * d.N + n) * 3 + 1]) {
              a.push(f[j][n][0]);
              y.push(d.target[(t * d.N + n) * 3 + 1]);
            }
          s += pearson(a, y);
        });
        return s;
      });
      const before = m.bufF.dataSync()[0];
      m.afterStep({ x: b.x, ctx: batchContext(b, false), target });
      expect(m.bufF.dataSync()[0] - before).toBeCloseTo(fIc, 4);
      seen.push(...dates);
      const bi = m.bufI.dataSync();
      for (let f = 0; f < 6; f++) {
        expect(bi[f]).toBeCloseTo(BUFFER_INIT + icSumJs(d, seen, f, 1), 4); // head 0 = horizon 5
        expect(bi[6 + f]).toBeCloseTo(BUFFER_INIT + icSumJs(d, seen, f, 2), 4); // head 1 = horizon 20
      }
      disposeBatch(b);
    }
    m.onEpochStart(); // next epoch: reset
    expect(Array.from(m.bufF.dataSync()).every((v) => Math.abs(v - BUFFER_INIT) < 1e-12)).toBe(true);
    expect(Array.from(m.bufI.dataSync()).every((v) => Math.abs(v - BUFFER_INIT) < 1e-12)).toBe(true);
    m.dispose();
  });

  it('a huge planted return on validation and test dates changes neither the buffers nor the trained weights; no tensor leak', async () => {
    const train = Array.from({ length: 30 }, (_, i) => 2 + i);
    const valid = [40, 41, 42, 43, 44];
    const runWith = async (plant: boolean) => {
      const p = plantedPanel({ T: 60, N: 24, F: 6, horizons: [1, 5, 20], seed: 3, noise: 0.5, missing: 0.15, nIndustries: 3 });
      const T = p.dates.length,
        N = p.tickers.length;
      // the future: from date 40 on (validation and later), returns are 50 x factor 2
      if (plant)
        for (let h = 0; h < p.horizons.length; h++)
          for (let t = 40; t < T; t++) for (let n = 0; n < N; n++) p.fwd[(h * T + t) * N + n] = 50 * p.x[(t * N + n) * 6 + 2];
      const d = prepareData(p);
      const before = tf.memory().numTensors;
      const m = build();
      const counts: number[] = [];
      // at each epoch's end (after its last step, before any checkpoint restore): the buffers and every variable
      const states: number[][][] = [];
      await trainModel(
        m,
        d,
        { train, valid },
        { epochs: 2, lr: 0.01, batchDates: 8, patience: 5, weightDecay: 0, valMetric: 'rank_ic', evalHorizonIndex: 2, seed: 1 },
        {
          onEpochEnd: () => {
            counts.push(tf.memory().numTensors);
            states.push([m.bufF, m.bufI, ...m.variables()].map((v) => Array.from(v.dataSync())));
          },
        },
      );
      expect(counts[1]).toBe(counts[0]); // no leak from one epoch to the next
      m.dispose();
      expect(tf.memory().numTensors).toBe(before);
      return states;
    };
    const a = await runWith(false),
      b = await runWith(true);
    expect(b).toEqual(a);
    // the buffers did read the training dates (not at their initial value)
    expect(a[1][1].some((v) => Math.abs(v - BUFFER_INIT) > 1e-3)).toBe(true);
  });
});
