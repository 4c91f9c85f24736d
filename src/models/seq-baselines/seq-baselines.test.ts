/**
 * The sequence baselines (ALSTM, Transformer, GRU, GAT) on hand-made batches: shapes and exact zeros with a different
 * number of stocks on each date; padded (masked) stocks never change a valid stock's score, whatever their windows
 * hold; the full loss's gradient against central finite differences; a missing ctx.seq is a named error.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { makeRng } from '../../core/rng';
import { directionalCheck } from '../gradcheck-util';
import type { LossTarget, ModelSpec } from '../types';
import { alstmSpec } from './alstm';
import { gatSpec } from './gat';
import { gruSpec } from './gru';
import { transformerSpec } from './transformer';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

const B = 3,
  N = 6,
  L = 4,
  F = 3,
  horizons = [1, 5];
const H = horizons.length;
// date 0: 6 stocks, date 1: 4 (stocks 1, 4 padded), date 2: 2 (stocks 0, 5 only)
const MASK = [1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1];

const SPECS: ModelSpec[] = [gruSpec, alstmSpec, gatSpec, transformerSpec];
// width 8: with 4 the Transformer's layer norms over 4 features (2 per head) are so curved that float32 central differences
// disagree by up to 30% (measured); at 8 they agree to ~1e-4
const small = { hidden: 8, layers: 2, lookback: L, heads: 2, ffn: 8 };

function windows(seed: number, change?: (b: number, n: number) => boolean): Float32Array {
  const r = makeRng(seed);
  const v = new Float32Array(B * N * L * F);
  for (let i = 0; i < v.length; i++) v[i] = r.normal();
  if (change)
    for (let b = 0; b < B; b++)
      for (let n = 0; n < N; n++) if (change(b, n)) for (let k = 0; k < L * F; k++) v[(b * N + n) * L * F + k] = 5 * Math.sin(k + 1);
  return v;
}

function inputs(seqVals: Float32Array) {
  const seq = tf.tensor4d(seqVals, [B, N, L, F]);
  const x = seq.slice([0, 0, L - 1, 0], [B, N, 1, F]).reshape([B, N, F]) as tf.Tensor3D; // seq[:, :, L-1] = x
  const mask = tf.tensor2d(MASK, [B, N]);
  return { x, seq, mask };
}

describe('sequence baselines on hand-made batches', () => {
  for (const spec of SPECS) {
    it(`${spec.id}: [B, N, H] scores, exact 0 on padded stocks, with 6 / 4 / 2 stocks on the three dates`, async () => {
      const m = spec.build({ F, horizons, seed: 1, config: small });
      const { x, seq, mask } = inputs(windows(2));
      const s = m.forward(x, { mask, seq });
      expect(s.shape).toEqual([B, N, H]);
      const v = await s.data();
      for (let k = 0; k < B * N; k++)
        for (let h = 0; h < H; h++) {
          if (MASK[k]) expect(Number.isFinite(v[k * H + h])).toBe(true);
          else expect(Object.is(v[k * H + h], 0)).toBe(true);
        }
      tf.dispose([x, seq, mask, s]);
      m.dispose();
    });

    it(`${spec.id}: what a padded stock's window holds never changes a valid stock's score`, async () => {
      const m = spec.build({ F, horizons, seed: 3, config: small });
      const a = inputs(windows(4));
      const b = inputs(windows(4, (bb, n) => MASK[bb * N + n] === 0));
      const sa = await m.forward(a.x, { mask: a.mask, seq: a.seq }).data();
      const sb = await m.forward(b.x, { mask: b.mask, seq: b.seq }).data();
      for (let k = 0; k < B * N; k++) for (let h = 0; h < H; h++) if (MASK[k]) expect(sb[k * H + h]).toBeCloseTo(sa[k * H + h], 6);
      // and a valid stock's own window does change its score (the test can fail)
      const c = inputs(windows(4, (bb, n) => bb === 0 && n === 2));
      const sc = await m.forward(c.x, { mask: c.mask, seq: c.seq }).data();
      expect(sc[2 * H]).not.toBeCloseTo(sa[2 * H], 6);
      m.dispose();
    });

    it(`${spec.id}: gradient of the masked MSE matches finite differences`, () => {
      const m = spec.build({ F, horizons, seed: 5, config: small });
      const { x, seq, mask } = inputs(windows(6));
      const r = makeRng(7);
      const ym = Array.from({ length: B * N * H }, (_, i) => MASK[Math.floor(i / H)]);
      const target: LossTarget = {
        y: tf.tensor3d(
          Array.from({ length: B * N * H }, (_, i) => ym[i] * r.normal()),
          [B, N, H],
        ),
        mask: tf.tensor3d(ym, [B, N, H]),
      };
      const lossFn = () => m.loss(m.forward(x, { mask, seq, training: true }), target).total;
      for (const e of directionalCheck(m.variables(), lossFn, 8, 3)) expect(e).toBeLessThan(5e-3);
      tf.dispose([x, seq, mask, target.y, target.mask]);
      m.dispose();
    });

    it(`${spec.id}: lookback 20 by default (FactorVAE's T); no windows is a named error`, () => {
      expect(spec.lookback?.(Object.fromEntries(spec.configSchema.map((f) => [f.key, f.default])))).toBe(20);
      const m = spec.build({ F, horizons, seed: 1, config: small });
      const { x, seq, mask } = inputs(windows(2));
      expect(() => m.forward(x, { mask })).toThrow(/no sequence windows/);
      tf.dispose([x, seq, mask]);
      m.dispose();
    });
  }

  it('gat: attention mixes the stocks of a date and only of that date; dense and sorted kernels agree', async () => {
    const cfg = { ...small, layers: 1 };
    const dense = gatSpec.build({ F, horizons, seed: 9, config: { ...cfg, gatKernel: 'dense' } });
    const sorted = gatSpec.build({ F, horizons, seed: 9, config: { ...cfg, gatKernel: 'sorted' } });
    const a = inputs(windows(10));
    const sd = await dense.forward(a.x, { mask: a.mask, seq: a.seq }).data();
    const ss = await sorted.forward(a.x, { mask: a.mask, seq: a.seq }).data();
    for (let k = 0; k < sd.length; k++) expect(ss[k]).toBeCloseTo(sd[k], 5);
    // change valid stock 0 of date 1: the other valid stocks of date 1 move, dates 0 and 2 do not
    const b = inputs(windows(10, (bb, n) => bb === 1 && n === 0));
    const sb = await dense.forward(b.x, { mask: b.mask, seq: b.seq }).data();
    for (const n of [2, 3, 5]) expect(Math.abs(sb[(N + n) * H] - sd[(N + n) * H])).toBeGreaterThan(1e-6);
    for (const k of [...Array(N).keys(), ...Array.from({ length: N }, (_, n) => 2 * N + n)])
      for (let h = 0; h < H; h++) expect(sb[k * H + h]).toBe(sd[k * H + h]);
    dense.dispose();
    sorted.dispose();
  });
});
