/**
 * ALSTM (FactorVAE Table 1 baseline; Qin et al. 2017 "dual-stage attention-based RNN", as Qlib's ALSTMModel): an LSTM
 * over each stock's last L days with additive temporal attention, and a linear prediction layer.
 *   u_t = tanh(x_t W_in + b_in)                          [M, L, hidden]   Qlib's `net` (Linear + Tanh)
 *   h_1..h_L = LSTM(u_1..u_L)                             [M, L, hidden]   `layers` stacked layers (layers/lstm.ts)
 *   alpha = softmax_t(tanh(h_t W1 + b1) w2),  a = sum_t alpha_t h_t      [M, hidden]  att_net (layers/seq-attention.ts)
 *   score = [h_L, a] W_out + b_out                        [M, H]           fc_out on the last state and the attention pool
 * Qlib's defaults: hidden 64, 2 layers, attention width hidden / 2, dropout 0. Qlib's ALSTMModel defaults its cell to a
 * GRU (rnn_type "GRU"); the paper's ALSTM (Qin et al.) is an LSTM, so the cell here is layers/lstm.ts. Choices: no dropout (determinism), the
 * lab's masked MSE to the per-date z-scored return (seq-common.ts). Extras: the mean attention weight per lag over the
 * summarised dates (which days of the window the model reads).
 */
import * as tf from '@tensorflow/tfjs';
import { fastTanh, lstm, lstmParams, toSteps } from '../layers/lstm';
import { temporalAttention, temporalAttentionParams } from '../layers/seq-attention';
import { linearOnData } from '../layers/ops';
import { seqFields, seqSpec, sequencesOf, type SeqEncoder } from './seq-common';
import type { ExtrasInput, ModelConfig } from '../types';
import type { ParamStore } from '../common';

const schema = seqFields(
  [],
  'Width of the input projection, the LSTM state and the prediction layer input (Qlib: 64).',
  'Stacked LSTM layers (Qlib: 2).',
);

function encoder(p: ParamStore, F: number, cfg: ModelConfig): SeqEncoder {
  const hidden = Number(cfg.hidden);
  const L = Number(cfg.lookback);
  const inp = p.dense('input', F, hidden);
  const rnn = lstmParams(p, 'lstm', hidden, hidden, Number(cfg.layers));
  const att = temporalAttentionParams(p, 'attention', hidden, Math.max(1, Math.floor(hidden / 2)));
  const run = (seq: tf.Tensor3D) => {
    const u = toSteps(seq).map((xt) => fastTanh(linearOnData(xt, inp.w as tf.Tensor2D, inp.b as tf.Tensor1D))); // L x [M, hidden]
    const h = lstm(u, rnn); // steps L x [M, hidden], last [M, hidden]
    const a = temporalAttention(h.steps, att); // pooled [M, hidden], alpha [M, L]
    return { last: h.last, pooled: a.pooled, alpha: a.alpha };
  };
  return {
    width: 2 * hidden,
    activationsPerStock: L * (F + 8 * hidden * Number(cfg.layers) + hidden) + 2 * hidden,
    encode(seq, B, N) {
      return tf.tidy(() => {
        const r = run(seq);
        return tf.concat([r.last, r.pooled], 1).reshape([B, N, 2 * hidden]) as tf.Tensor3D; // [B, N, 2 hidden]
      });
    },
    async extras(input?: ExtrasInput) {
      if (!input) return {};
      const sum = new Float64Array(L);
      let count = 0;
      await input.forEachBatch(async (_x, ctx) => {
        const w = tf.tidy(() => {
          const alpha = run(sequencesOf(ctx, 'alstm')).alpha; // [M, L]
          const m = ctx.mask.reshape([-1, 1]); // [M, 1]
          return tf.concat([alpha.mul(m).sum(0), m.sum(0)]); // [L + 1]
        });
        const v = await w.data();
        w.dispose();
        for (let t = 0; t < L; t++) sum[t] += v[t];
        count += v[L];
      });
      // lag 0 = the batch date itself, lag L-1 = the oldest day of the window
      return { temporalAttention: Array.from({ length: L }, (_, k) => ({ lag: k, weight: count ? sum[L - 1 - k] / count : 0 })) };
    },
  };
}

export const alstmSpec = seqSpec({
  id: 'alstm',
  name: 'ALSTM',
  family: 'attention',
  schema,
  encoder,
  description:
    "ALSTM (FactorVAE Table 1 baseline; Qin et al. 2017 as in Qlib, with an LSTM cell where Qlib defaults to a GRU): each stock's last 20 days of factors pass a Linear+Tanh " +
    'projection and a stacked LSTM; additive temporal attention pools the hidden states; the last state and the pooled state ' +
    'feed a linear layer per horizon. Qlib defaults (hidden 64, 2 layers, attention width 32); no dropout. Trained with the ' +
    "lab's masked MSE to the per-date standardised return; a stock is scored only with 20 valid days. Extras: mean attention per lag.",
});
