/**
 * GRU (FactorVAE Table 1 baseline: "a neural network with a GRU layer and a linear prediction layer"; Qlib's GRUModel):
 *   h_1..h_L = GRU(x_1..x_L)      each stock's last L days of factors, oldest first   (layers/gru.ts, PyTorch's cell)
 *   score = h_L W_out + b_out     [M, H]   one linear unit per horizon head
 * Choices: one GRU layer by default, as the paper describes the baseline (Qlib's default is 2; `layers` 2-4 stacks
 * more: each further layer reads the previous layer's states through `sequenceSteps`, which costs a copy of the whole
 * sequence per layer on wasm / cpu); hidden 64 (Qlib); no dropout; the lab's loss and optimiser (seq-common.ts).
 */
import { gru, gruActivations, gruParams, sequenceSteps } from '../layers/gru';
import { seqFields, seqSpec, type SeqEncoder } from './seq-common';
import type { ModelConfig } from '../types';
import type { ParamStore } from '../common';

const schema = seqFields([], 'GRU state width (Qlib: 64).', 'Stacked GRU layers (the paper: one GRU layer; Qlib: 2).', 1);

/** the GRU stack of the GRU and GAT baselines: raw windows [M, L, F] -> last state [M, hidden] */
export function gruStack(p: ParamStore, F: number, hidden: number, layers: number) {
  const ps = Array.from({ length: layers }, (_, l) => gruParams(p, `gru${l}`, l === 0 ? F : hidden, hidden));
  return {
    run(seq: Parameters<typeof sequenceSteps>[0]) {
      let out = gru(sequenceSteps(seq), ps[0], { inputIsData: true, returnSequences: layers > 1 }); // raw factors: data
      for (let l = 1; l < layers; l++) out = gru(out.seq!, ps[l], { returnSequences: l < layers - 1 }); // [M, L, hidden]
      return out.last; // [M, hidden]
    },
    activations: (L: number) => layers * gruActivations(L, hidden),
  };
}

function encoder(p: ParamStore, F: number, cfg: ModelConfig): SeqEncoder {
  const hidden = Number(cfg.hidden);
  const stack = gruStack(p, F, hidden, Number(cfg.layers));
  return {
    width: hidden,
    activationsPerStock: Number(cfg.lookback) * F + stack.activations(Number(cfg.lookback)),
    encode: (seq, B, N) => stack.run(seq).reshape([B, N, hidden]), // [B, N, hidden]
  };
}

export const gruSpec = seqSpec({
  id: 'gru',
  name: 'GRU',
  family: 'neural',
  schema,
  encoder,
  description:
    "GRU (FactorVAE Table 1 baseline; Qlib's GRU): each stock's last 20 days of factors through one GRU layer (the paper's " +
    "description; Qlib stacks 2) of width 64, the last state through a linear layer per horizon. The GRU cell is PyTorch's, " +
    "shared with FactorVAE's feature extractor. No dropout. Loss: masked MSE to the per-date standardised return; a stock is " +
    'scored only with 20 valid days.',
});
