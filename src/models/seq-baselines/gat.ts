/**
 * GAT (FactorVAE Table 1 baseline, "a graph attention network which treats stocks as the nodes ... without knowing the
 * graph structure upfront"; Qlib's GATs): a GRU encodes each stock's window, then every stock attends to all stocks of
 * its date (itself included).
 *   h = GRU(x_1..x_L)_L                          [B, N, E]   (seq-baselines/gru.ts stack, layers/gru.ts cell)
 *   g = h W;  e_ij = LeakyReLU(g_i a_1 + g_j a_2, 0.01)   Qlib's cal_attention (transformation, then a over [g_i, g_j])
 *   alpha_ij = softmax_j(e_ij) over the date's valid stocks (padding stocks attend only to themselves, influence none)
 *   u_i = sum_j alpha_ij h_j + h_i               [B, N, E]   Qlib aggregates the untransformed GRU states, plus a residual
 *   score = LeakyReLU(u W_fc + b_fc, 0.01) W_out + b_out      Qlib's fc, leaky_relu, fc_out
 * The attention kernels are DMFM's (layers/gat.ts: the dense [B, N, N] one, or the exact O(N log N) sorted kernel on
 * cpu / wasm) over the universe graph of the date. Choices: one GRU layer (the paper's GRU baseline; Qlib stacks 2);
 * Qlib's LeakyReLU slope 0.01 (PyTorch's default) rather than GAT's 0.2; no dropout (Qlib's GATs uses 0.7 on the GRU).
 */
import * as tf from '@tensorflow/tfjs';
import { glorotUniform, type ParamStore } from '../common';
import { gatAttendDense, gatAttendSorted, gatFields, kernelOf, segmentsOf, universeMask } from '../layers/gat';
import { leakyRelu, linear3 } from '../layers/ops';
import { gruStack } from './gru';
import { seqFields, seqSpec, type SeqEncoder } from './seq-common';
import type { ModelConfig } from '../types';

/** Qlib's nn.LeakyReLU() (PyTorch default slope) in the attention logits and after fc */
export const QLIB_SLOPE = 0.01;

const schema = seqFields(
  gatFields.filter((f) => f.key === 'gatKernel'),
  'GRU state width and attention width (Qlib: 64).',
  'Stacked GRU layers before the attention (the paper: one GRU layer; Qlib: 2).',
  1,
);

function encoder(p: ParamStore, F: number, cfg: ModelConfig): SeqEncoder {
  const E = Number(cfg.hidden);
  const stack = gruStack(p, F, E, Number(cfg.layers));
  const w = p.add('attention/transformation', [E, E], glorotUniform(p.rng, E, E), true); // Qlib's transformation (no bias)
  const a = p.add('attention/a', [E, 2], glorotUniform(p.rng, E, 2), true); // [a_1 | a_2]
  const fc = p.dense('fc', E, E);
  const kernel = kernelOf(cfg);
  return {
    width: E,
    activationsPerStock: Number(cfg.lookback) * F + stack.activations(Number(cfg.lookback)) + 5 * E,
    encode(seq, B, N, ctx) {
      return tf.tidy(() => {
        const h = stack.run(seq).reshape([B, N, E]) as tf.Tensor3D; // [B, N, E] GRU states
        const st = linear3(linear3(h, w as tf.Tensor2D), a as tf.Tensor2D); // [B, N, 2]  (h W) [a_1 | a_2]
        const s = st.slice([0, 0, 0], [B, N, 1]).reshape([B, N]) as tf.Tensor2D; // [B, N]  g_i a_1 (row i)
        const t = st.slice([0, 0, 1], [B, N, 1]).reshape([B, N]) as tf.Tensor2D; // [B, N]  g_j a_2 (column j)
        const g = { kind: 'universe' as const, mask: ctx.mask };
        const att =
          kernel === 'sorted'
            ? gatAttendSorted(s, t, h, segmentsOf(g), QLIB_SLOPE)
            : gatAttendDense(s, t, h, universeMask(ctx.mask), QLIB_SLOPE).out; // [B, N, E]
        const u = att.add(h) as tf.Tensor3D; // [B, N, E]  attention + residual
        return leakyRelu(linear3(u, fc.w as tf.Tensor2D, fc.b as tf.Tensor1D), QLIB_SLOPE); // [B, N, E]
      });
    },
  };
}

export const gatSpec = seqSpec({
  id: 'gat',
  name: 'GAT',
  family: 'graph',
  schema,
  encoder,
  description:
    "GAT (FactorVAE Table 1 baseline; Qlib's GATs): a GRU layer encodes each stock's last 20 days; each stock then attends to " +
    'every stock of its date (no predefined graph; additive GAT attention on the transformed states, LeakyReLU 0.01 as Qlib), ' +
    "the attended GRU states plus a residual pass a LeakyReLU layer and a linear layer per horizon. One GRU layer (the paper's GRU " +
    'baseline; Qlib stacks 2), width 64, no dropout. Loss: masked MSE to the per-date standardised return.',
});
