/**
 * FactorVAE's run presets (the lab's preset buttons; src/state/presets.ts collects every model folder's presets.ts):
 * a small run on the bundled data ("Quick") and the paper's fixed-split protocol on the full shared data ("Paper"),
 * each with the baselines ticked for "Compare methods". examples/factorvae-quick.json and examples/factorvae-paper.json
 * carry the same runs for the headless runner (presets.test.ts keeps them in step).
 */
import type { RunConfig, RunPreset } from '../../core/run';

/**
 * The paper's Experiment 3 (Qlib's TopK-Drop): hold k = 50 stocks, swap at most n = 5 a day, 0.05% to open and 0.15%
 * to close a position, judged on the 1-day label and traded at the next close. eta 0 ranks by mu (TopK-Drop); a
 * positive eta ranks by mu - eta sigma (TDrisk).
 */
export const FVAE_STRATEGY: RunConfig['strategy'] = {
  kind: 'topkdrop',
  k: 50,
  n: 5,
  rebalance: 1,
  openCost: 0.0005,
  closeCost: 0.0015,
  eta: 0,
  horizon: 1,
  lag: 1,
};

export const presets: RunPreset[] = [
  {
    id: 'factorvae-quick',
    label: 'FactorVAE Quick',
    summary: 'FactorVAE (H 32, K 16, M 64, 2 epochs) on the bundled data: train 2016-2017, validate 2018, test 2019',
    help:
      "A small FactorVAE on the bundled 400 US large caps, with the paper's baselines (Linear, IPCA, CA, GRU, ALSTM, GAT, " +
      "Transformer; small settings, 2 epochs) and the lab's MLP ticked for Compare methods: a fixed split as " +
      'in the paper (train 2016-2017, validation 2018, test 2019), the last 20 days of every factor per stock, one date ' +
      'per step, 2 epochs. TopK-Drop (k 50, n 5, daily, 0.05% / 0.15% costs) on the next-day return; set eta above 0 in ' +
      'the strategy for TDrisk (rank by mu - eta sigma). The risk view compares the predicted sigma with realised |return|.',
    run: {
      model: 'factorvae',
      split: { kind: 'fixed', start: '2016-01-01', trainEnd: '2017-12-31', validEnd: '2018-12-31', testEnd: '2019-12-31', gap: 1 },
      strategy: FVAE_STRATEGY,
      seed: 42,
    },
    configs: {
      factorvae: { hidden: 32, factors: 16, portfolios: 64, lookback: 20, epochs: 2, batchDates: 1, lr: 0.001, patience: 2 },
      linear: { lambda: 0.001 },
      mlp: { hidden: 32, layers: 2, epochs: 4, batchDates: 16, lr: 0.001, patience: 2 },
      ipca: { lookback: 20, factors: 3, iterations: 50, target: 'zscore' },
      ca: { lookback: 20, epochs: 4, batchDates: 16, lr: 0.001, patience: 2 },
      gru: { hidden: 32, lookback: 20, epochs: 2, batchDates: 4, lr: 0.001, patience: 2 },
      alstm: { hidden: 32, lookback: 20, epochs: 2, batchDates: 4, lr: 0.001, patience: 2 },
      gat: { hidden: 32, lookback: 20, epochs: 2, batchDates: 4, lr: 0.001, patience: 2 },
      transformer: { hidden: 32, lookback: 20, epochs: 2, batchDates: 4, lr: 0.001, patience: 2 },
    },
    compare: ['linear', 'mlp', 'ipca', 'ca', 'gru', 'alstm', 'gat', 'transformer', 'factorvae'],
  },
  {
    id: 'factorvae-paper',
    label: 'FactorVAE Paper',
    summary: "the paper's protocol on the full shared data: train 2010-2016, validate 2017, test 2018-2019; H 64, K 32, M 128",
    help:
      "The paper's fixed split moved to the data the lab has (the paper: train 2010-2017, validation 2018, test " +
      '2019-2020; the shared US file ends in 2019-12, so train 2010-2016, validation 2017, test 2018-2019: two test years ' +
      'as in the paper). T = 20 days, H 64, K 32, M 128, gamma 1, one date per step, up to 20 epochs with early stopping on ' +
      "the validation rank IC; the paper's baselines (IPCA, CA, GRU, ALSTM, GAT, Transformer: H 64, up to 12 epochs, 4 " +
      'dates per step) and the MLP are ticked for Compare methods. Load the full shared file in step 1 first. Hours on a CPU.',
    run: {
      model: 'factorvae',
      split: { kind: 'fixed', start: '2010-01-01', trainEnd: '2016-12-31', validEnd: '2017-12-31', testEnd: '2019-12-31', gap: 1 },
      strategy: FVAE_STRATEGY,
      seed: 42,
    },
    configs: {
      factorvae: { hidden: 64, factors: 32, portfolios: 128, lookback: 20, epochs: 20, batchDates: 1, lr: 0.001, patience: 5 },
      linear: { lambda: 0.001 },
      mlp: { hidden: 64, layers: 2, epochs: 30, batchDates: 16, lr: 0.001, patience: 5 },
      ipca: { lookback: 20, factors: 3, iterations: 50, target: 'zscore' },
      ca: { lookback: 20, epochs: 20, batchDates: 16, lr: 0.001, patience: 5 },
      gru: { hidden: 64, lookback: 20, epochs: 12, batchDates: 4, lr: 0.001, patience: 3 },
      alstm: { hidden: 64, lookback: 20, epochs: 12, batchDates: 4, lr: 0.001, patience: 3 },
      gat: { hidden: 64, lookback: 20, epochs: 12, batchDates: 4, lr: 0.001, patience: 3 },
      transformer: { hidden: 64, lookback: 20, epochs: 12, batchDates: 4, lr: 0.001, patience: 3 },
    },
    compare: ['linear', 'mlp', 'ipca', 'ca', 'gru', 'alstm', 'gat', 'transformer', 'factorvae'],
  },
];
