/**
 * E2EAI's run presets (collected by src/state/presets.ts): a small version of the paper's comparison ("Quick") and the
 * DMFM Paper walk-forward protocol ("Paper"), each with Table 1's baselines ticked for "Compare methods": Linear, EW,
 * MLP, MGAT, DMFM and the stepwise pipelines S-Best, S-Avg, S-T20. The run's strategy is the ad-hoc one (monthly top
 * decile, 0.4% cost, 20-day label); E2EAI's views evaluate the automatic block (the learned weights and the stepwise
 * portfolios through the model-weighted strategy, cap theta) next to it. examples/e2eai-quick.json and
 * examples/e2eai-paper.json carry the same runs for the headless runner, examples/e2eai-*-auto.json the automatic block
 * (presets.test.ts keeps them in step).
 */
import type { RunConfig, RunPreset } from '../../core/run';

/** Table 1, ad-hoc block: monthly top decile, 0.4% one-way cost, 20-day label, traded at the next close */
export const ADHOC_STRATEGY: RunConfig['strategy'] = { kind: 'topquantile', groups: 10, rebalance: 21, cost: 0.004, horizon: 20, lag: 1 };
/** Table 1, automatic block: the model's own weights, capped at theta = 0.10, same rebalancing and costs */
export const AUTO_STRATEGY: RunConfig['strategy'] = { kind: 'modelweight', cap: 0.1, rebalance: 21, cost: 0.004, horizon: 20, lag: 1 };

const COMPARE = ['linear', 'ew', 'mlp', 'mgat', 'dmfm', 's-best', 's-avg', 's-t20', 'e2eai'];

const quickNet = { hidden: 32, layers: 2, epochs: 4, batchDates: 16, lr: 0.001, patience: 2 };
const paperNet = { hidden: 64, layers: 2, epochs: 30, batchDates: 16, lr: 0.001, patience: 5 };
const stepwise = { icMin: 0.02, icirMin: 0.2 };

export const presets: RunPreset[] = [
  {
    id: 'e2eai-quick',
    label: 'E2EAI Quick',
    summary: 'E2EAI (hidden 32, 4 epochs) vs DMFM, the baselines and the stepwise pipelines; test 2019H1 + 2019H2',
    help:
      'A small E2EAI that trains in about a minute on a 2-core laptop (wasm backend), next to Table 1 of the paper: Linear, EW, ' +
      'MLP, MGAT, DMFM and the stepwise pipelines S-Best, S-Avg and S-T20 (rule-of-thumb factor selection, then combination, ' +
      "then portfolio). DMFM Quick's split: two walk-forward groups test 2019H1 and 2019H2, each trained on the 2.5 years " +
      'before its validation half-year. Ranked portfolios: monthly top decile with 0.4% one-way cost on the 20-day label ' +
      "(E2E_d: the deep factor; E2E_l: its directional attention estimate). The E2EAI views add the automatic block: E2EAI's " +
      'learned weights (E2E_auto) and the stepwise portfolios through the model-weighted strategy, capped at 10% per stock.',
    run: { model: 'e2eai', split: { kind: 'walkforward', groups: 2, gap: 21, trainYears: 2.5 }, strategy: ADHOC_STRATEGY, seed: 42 },
    configs: {
      e2eai: { ...quickNet },
      linear: { lambda: 0.001 },
      ew: {},
      mlp: { ...quickNet },
      mgat: { ...quickNet },
      dmfm: { ...quickNet },
      's-best': { ...stepwise },
      's-avg': { ...stepwise },
      's-t20': { ...stepwise },
    },
    compare: COMPARE,
  },
  {
    id: 'e2eai-paper',
    label: 'E2EAI Paper',
    summary: "DMFM Paper's protocol (expanding walk-forward, 14 test half-years 2013H1..2019H2), hidden 64, up to 30 epochs",
    help:
      "The DMFM Paper preset's walk-forward protocol (test 2013H1 to 2019H2, 14 groups, expanding training window, " +
      'validation on the half-year before the test) for E2EAI and every Table 1 baseline, hidden 64, up to 30 epochs with ' +
      "early stopping on the learned portfolio's validation return. Load the full shared file (1999-2019) in step 1 for the " +
      'history. Hours on a CPU; a stopped run resumes from the next group.',
    run: { model: 'e2eai', split: { kind: 'walkforward', start: '2013-01-01', groups: 14, gap: 21 }, strategy: ADHOC_STRATEGY, seed: 42 },
    configs: {
      e2eai: { ...paperNet },
      linear: { lambda: 0.001 },
      ew: {},
      mlp: { ...paperNet },
      mgat: { ...paperNet },
      dmfm: { ...paperNet },
      's-best': { ...stepwise },
      's-avg': { ...stepwise },
      's-t20': { ...stepwise },
    },
    compare: COMPARE,
  },
];
