/**
 * Transformer ("Trans" in FactorVAE Table 1; Ding et al. 2020; as Qlib's TransformerModel): self-attention over each
 * stock's last L days.
 *   u = x W_feat + b_feat + PE                     [M, L, d]   feature layer + sinusoidal positional encoding
 *   u = EncoderLayer^layers(u)                      [M, L, d]   post-norm: LN(u + MHSA(u)), LN(u + FFN(u))
 *   score = u_L W_out + b_out                       [M, H]      Qlib's decoder_layer on the last step
 * (layers/seq-attention.ts). Qlib's defaults: d_model 64, 2 heads, 2 layers, dropout 0; PyTorch's feed-forward width
 * 2048. Choices: feed-forward width `ffn` default 128 (2 d_model: 16x cheaper in the browser than 2048, and Qlib's
 * dropout-free small-data setting does not need the width); no dropout; the lab's loss (seq-common.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { linear3 } from '../layers/ops';
import { encoderLayerParams, positionalEncoding, transformerEncoderLayer } from '../layers/seq-attention';
import { seqFields, seqSpec, type SeqEncoder } from './seq-common';
import type { ModelConfig } from '../types';
import type { ParamStore } from '../common';

const schema = seqFields(
  [
    {
      key: 'heads',
      label: 'Attention heads',
      default: 2,
      min: 1,
      max: 16,
      step: 1,
      help: 'Heads of the self-attention (Qlib: 2); must divide the model width.',
    },
    {
      key: 'ffn',
      label: 'Feed-forward width',
      default: 128,
      min: 1,
      max: 2048,
      step: 1,
      help: "Inner width of each encoder layer's feed-forward network (PyTorch default 2048; here 2 x the model width).",
    },
  ],
  'Model width d_model (Qlib: 64); a multiple of the number of heads.',
  'Encoder layers (Qlib: 2).',
);

function encoder(p: ParamStore, F: number, cfg: ModelConfig): SeqEncoder {
  const d = Number(cfg.hidden);
  const L = Number(cfg.lookback);
  let heads = Math.max(1, Number(cfg.heads));
  while (d % heads !== 0) heads--; // a width the heads do not divide: the largest head count that does (d % 1 = 0)
  const feat = p.dense('feature', F, d);
  const layers = Array.from({ length: Number(cfg.layers) }, (_, l) => encoderLayerParams(p, `encoder${l}`, d, Number(cfg.ffn)));
  return {
    width: d,
    activationsPerStock: L * (F + Number(cfg.layers) * (8 * d + Number(cfg.ffn) + heads * L)),
    encode(seq, B, N) {
      return tf.tidy(() => {
        const pe = positionalEncoding(L, d); // [L, d]
        let u = linear3(seq, feat.w as tf.Tensor2D, feat.b as tf.Tensor1D).add(pe) as tf.Tensor3D; // [M, L, d]
        for (const lp of layers) u = transformerEncoderLayer(u, lp, heads).out; // [M, L, d]
        const M = B * N;
        return u.slice([0, L - 1, 0], [M, 1, d]).reshape([B, N, d]) as tf.Tensor3D; // [B, N, d] the last step
      });
    },
  };
}

export const transformerSpec = seqSpec({
  id: 'transformer',
  name: 'Transformer',
  family: 'attention',
  schema,
  encoder,
  description:
    'Transformer ("Trans" in FactorVAE Table 1; Ding et al. 2020 as in Qlib): each stock\'s last 20 days of factors pass a linear ' +
    'feature layer plus sinusoidal positional encoding and post-norm encoder layers (multi-head self-attention over the days, ' +
    "ReLU feed-forward); the last day's output feeds a linear layer per horizon. Qlib defaults (width 64, 2 heads, 2 layers, " +
    "no dropout); feed-forward width 128 instead of PyTorch's 2048 (browser cost). Loss: masked MSE to the per-date standardised return.",
});
