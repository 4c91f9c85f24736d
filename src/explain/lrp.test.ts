import { describe, expect, it } from 'vitest';
import { makeRng, type Rng } from '../core/rng';
import { forwardDense, lrpDense, outputDense, type Activation, type DenseLayer, type DenseNet, type LrpOptions } from './lrp';

/** a random Dense network: depth 1..4, widths 1..12, random activations and biases */
function randomNet(rng: Rng, F: number): DenseNet {
  const depth = 1 + rng.int(4);
  const acts: Activation[] = ['relu', 'leakyRelu', 'linear'];
  const layers: DenseLayer[] = [];
  let inDim = F;
  for (let l = 0; l < depth; l++) {
    const outDim = l === depth - 1 ? 1 + rng.int(3) : 1 + rng.int(12);
    const w = Float64Array.from({ length: inDim * outDim }, () => rng.normal() / Math.sqrt(inDim));
    const b = Float64Array.from({ length: outDim }, () => 0.3 * rng.normal());
    layers.push({ w, b, inDim, outDim, act: l === depth - 1 ? 'linear' : acts[rng.int(3)], alpha: 0.1 });
    inDim = outDim;
  }
  return { layers };
}

const near = (a: number, b: number, tol = 1e-9) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(a), Math.abs(b)));

describe('LRP conservation (property test over 200 random networks and inputs)', () => {
  const rules: LrpOptions[] = [
    { rule: 'z' },
    { rule: 'epsilon', epsilon: 0 },
    { rule: 'epsilon', epsilon: 1e-3 },
    { rule: 'epsilon', epsilon: 0.25 },
  ];
  it('sum of input relevances = f(x) - bias - eps - dropped for every rule; the z-rule keeps every layer sum = f(x)', () => {
    let biasSeen = 0,
      epsSeen = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rng = makeRng(seed);
      const F = 1 + rng.int(10);
      const net = randomNet(rng, F);
      const x = Float64Array.from({ length: F }, () => rng.normal());
      const out = rng.int(net.layers[net.layers.length - 1].outDim);
      const fx = outputDense(net, x, out);
      for (const o of rules) {
        const r = lrpDense(net, x, { ...o, output: out });
        near(r.output, fx);
        const sum = r.relevance.reduce((s, v) => s + v, 0);
        near(sum + r.bias + r.eps + r.dropped, fx);
        if (o.rule === 'z') {
          expect(r.bias).toBe(0);
          expect(r.eps).toBe(0);
          if (r.dropped === 0) for (const s of r.layerSums) near(s, fx); // eq. 4 at every layer
        } else {
          if (o.epsilon === 0) expect(r.eps).toBe(0);
          if (Math.abs(r.bias) > 1e-6) biasSeen++;
          if (Math.abs(r.eps) > 1e-6) epsSeen++;
        }
      }
    }
    // the bias / epsilon terms are real (not trivially 0): without them the identity above fails on most networks
    expect(biasSeen).toBeGreaterThan(300);
    expect(epsSeen).toBeGreaterThan(150);
  });
});

describe('LRP on known networks', () => {
  it('a linear model: relevance = w * x exactly; the bias is the bias term (epsilon rule, eps 0); z-rule with b = 0 too', () => {
    // f(x) = 0.5 x0 - 2 x1 + 0.25 x2 + 0.1, x = [2, 1, -4]: w*x = [1, -2, -1], f = -1.9
    const L: DenseLayer = { w: [0.5, -2, 0.25], b: [0.1], inDim: 3, outDim: 1, act: 'linear' };
    const x = [2, 1, -4];
    const r = lrpDense({ layers: [L] }, x, { rule: 'epsilon', epsilon: 0 });
    expect(Array.from(r.relevance)).toEqual([1, -2, -1]);
    near(r.output, -1.9, 1e-15);
    near(r.bias, 0.1, 1e-15);
    const z = lrpDense({ layers: [{ ...L, b: [0] }] }, x, { rule: 'z' });
    expect(Array.from(z.relevance)).toEqual([1, -2, -1]);
    // with a bias the z-rule spreads it over the inputs in proportion: R = w x * f / sum(w x) = [1, -2, -1] * (-1.9 / -2)
    const zb = lrpDense({ layers: [L] }, x, { rule: 'z' });
    [0.95, -1.9, -0.95].forEach((v, i) => near(zb.relevance[i], v, 1e-15));
  });

  it('a network whose output depends on one factor only gives that factor all the relevance', () => {
    const rng = makeRng(7);
    const F = 6,
      k = 3,
      Hd = 8;
    // first layer reads only factor k (every other row of W is 0), then a random ReLU stack
    const w1 = new Float64Array(F * Hd);
    for (let j = 0; j < Hd; j++) w1[k * Hd + j] = rng.normal();
    const net: DenseNet = {
      layers: [
        { w: w1, b: Float64Array.from({ length: Hd }, () => 0.2 * rng.normal()), inDim: F, outDim: Hd, act: 'relu' },
        {
          w: Float64Array.from({ length: Hd * 5 }, () => rng.normal()),
          b: new Float64Array(5).fill(0.05),
          inDim: Hd,
          outDim: 5,
          act: 'relu',
        },
        { w: Float64Array.from({ length: 5 }, () => rng.normal()), b: [0.01], inDim: 5, outDim: 1, act: 'linear' },
      ],
    };
    for (let trial = 0; trial < 20; trial++) {
      const x = Float64Array.from({ length: F }, () => 2 * rng.normal());
      const fx = outputDense(net, x);
      const z = lrpDense(net, x, { rule: 'z' });
      const e = lrpDense(net, x, { rule: 'epsilon', epsilon: 1e-4 });
      for (let f = 0; f < F; f++)
        if (f !== k) {
          expect(z.relevance[f]).toBe(0);
          expect(e.relevance[f]).toBe(0);
        }
      if (z.dropped === 0) near(z.relevance[k], fx);
      near(e.relevance[k], fx - e.bias - e.eps - e.dropped);
    }
  });

  // The toy network of the paper's Figure 1: inputs 1, 2, 3 -> hidden 4, 5 (ReLU) -> output 6 (linear).
  //   x = (1, 2, 1);  w14 = 1, w24 = 0.5, w34 = -1;  w15 = -0.5, w25 = 1, w35 = 2;  w46 = 2, w56 = 1;  no biases
  //   z4 = 1 + 1 - 1 = 1;  z5 = -0.5 + 2 + 2 = 3.5;  f(x) = 2 * 1 + 1 * 3.5 = 5.5 = R6
  const toy = (b4 = 0): DenseNet => ({
    layers: [
      { w: [1, -0.5, 0.5, 1, -1, 2], b: [b4, 0], inDim: 3, outDim: 2, act: 'relu' }, // w[i * 2 + j]: j = 0 is neuron 4, 1 is 5
      { w: [2, 1], b: [0], inDim: 2, outDim: 1, act: 'linear' },
    ],
  });
  const x = [1, 2, 1];

  it('Figure 1 toy network, z-rule (eq. 6), by hand', () => {
    // layer 2: R4 = z46 / (z46 + z56) * R6 = 2 / 5.5 * 5.5 = 2;  R5 = 3.5 / 5.5 * 5.5 = 3.5   (eq. 5: 2 + 3.5 = 5.5)
    // neuron 4: messages z14 = 1, z24 = 1, z34 = -1 (sum 1)      -> R1 += 2, R2 += 2, R3 += -2
    // neuron 5: messages z15 = -0.5, z25 = 2, z35 = 2 (sum 3.5)  -> R1 += -0.5, R2 += 2, R3 += 2
    // R = (1.5, 4, 0), sum 5.5
    const r = lrpDense(toy(), x, { rule: 'z' });
    near(r.output, 5.5, 1e-15);
    [1.5, 4, 0].forEach((v, i) => near(r.relevance[i], v, 1e-14));
    expect(r.layerSums.map((s) => +s.toFixed(12))).toEqual([5.5, 5.5, 5.5]);
    const hidden = forwardDense(toy(), x).a[1];
    expect(Array.from(hidden)).toEqual([1, 3.5]);
  });

  it('Figure 1 toy network, epsilon rule with epsilon 0.5, by hand (fractions)', () => {
    // output: den = 5.5 + 0.5 = 6 -> R4 = 2 * 5.5 / 6 = 11/6, R5 = 3.5 * 5.5 / 6 = 77/24, eps share 0.5 * 5.5 / 6 = 11/24
    // neuron 4: den = 1 + 0.5 = 1.5 -> each message * (11/6) / 1.5 = message * 11/9; eps share 0.5 / 1.5 * 11/6 = 11/18
    // neuron 5: den = 3.5 + 0.5 = 4 -> each message * (77/24) / 4 = message * 77/96;  eps share 0.5 / 4 * 77/24 = 77/192
    // R1 = 11/9 - 0.5 * 77/96 = 473/576;  R2 = 11/9 + 2 * 77/96 = 407/144;  R3 = -11/9 + 77/48 = 55/144
    // eps = 11/24 + 11/18 + 77/192 = 847/576;  check: (473 + 1628 + 220 + 847) / 576 = 3168 / 576 = 5.5
    const r = lrpDense(toy(), x, { rule: 'epsilon', epsilon: 0.5 });
    [473 / 576, 407 / 144, 55 / 144].forEach((v, i) => near(r.relevance[i], v, 1e-14));
    near(r.eps, 847 / 576, 1e-14);
    expect(r.bias).toBe(0);
  });

  it('Figure 1 with a bias b4 = 1: epsilon rule (eps 0) keeps the bias share, the z-rule spreads it', () => {
    // z4 = 1 + 1 = 2, a4 = 2; f = 2 * 2 + 3.5 = 7.5; output layer: R4 = 4 / 7.5 * 7.5 = 4, R5 = 3.5
    // epsilon rule, eps 0: neuron 4 den = z4 = 2 -> messages * 4 / 2 = (2, 2, -2); bias share 1 / 2 * 4 = 2
    //   neuron 5 as before (-0.5, 2, 2)  ->  R = (1.5, 4, 0), bias 2, 5.5 + 2 = 7.5
    const e = lrpDense(toy(1), x, { rule: 'epsilon', epsilon: 0 });
    near(e.output, 7.5, 1e-15);
    [1.5, 4, 0].forEach((v, i) => near(e.relevance[i], v, 1e-14));
    near(e.bias, 2, 1e-14);
    // z-rule: neuron 4 den = sum of messages = 1 -> (4, 4, -4); R = (3.5, 6, -2), sum 7.5
    const z = lrpDense(toy(1), x, { rule: 'z' });
    [3.5, 6, -2].forEach((v, i) => near(z.relevance[i], v, 1e-14));
  });

  it('rejects mis-shaped networks and outputs naming the layer', () => {
    const bad: DenseNet = { layers: [{ w: [1, 2], b: [0], inDim: 2, outDim: 1, act: 'linear', name: 'hidden0' }] };
    expect(() => lrpDense(bad, [1, 2, 3], { rule: 'z' })).toThrow(/hidden0 expects 2 inputs, the previous layer gives 3/);
    expect(() => lrpDense(bad, [1, 2], { rule: 'z', output: 1 })).toThrow(/output 1 is outside the 1 output units/);
  });
});
