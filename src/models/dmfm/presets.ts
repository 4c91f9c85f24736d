/**
 * DMFM's run presets (the lab's preset buttons; src/state/presets.ts collects every model folder's presets.ts): the
 * paper's protocol ("Paper") and a small version of it ("Quick"), each with the paper's baselines ticked for "Compare
 * methods". examples/dmfm-quick.json and examples/dmfm-paper.json carry the same runs for the headless runner (a test
 * keeps them in step).
 */
import type { RunConfig, RunPreset } from '../../core/run';

/** The DMFM paper's strategy: monthly top decile (Table 1: "top 10% stocks"), 0.4% one-way cost, 20-day label, traded at the next close. */
const DMFM_STRATEGY: RunConfig['strategy'] = { kind: 'topquantile', groups: 10, rebalance: 21, cost: 0.004, horizon: 20, lag: 1 };

export const presets: RunPreset[] = [
  {
    id: 'dmfm-quick',
    label: 'DMFM Quick',
    summary: 'DMFM (hidden 32, 4 epochs) on the last 2.5 years before each test half-year; test 2019H1 + 2019H2',
    help:
      "A small DMFM that trains in about a minute on a 2-core laptop (wasm backend), next to the paper's baselines: " +
      'Linear, EW, MLP and MGAT. Two walk-forward groups test 2019H1 and 2019H2; each trains on the 2.5 years before ' +
      "its validation half-year (a sliding window, shorter than the paper's expanding one, to keep it quick). Monthly " +
      'top-decile portfolio with 0.4% one-way costs, judged on the 20-day label.',
    run: { model: 'dmfm', split: { kind: 'walkforward', groups: 2, gap: 21, trainYears: 2.5 }, strategy: DMFM_STRATEGY, seed: 42 },
    configs: {
      dmfm: { hidden: 32, layers: 2, epochs: 4, batchDates: 16, lr: 0.001, patience: 2 },
      linear: { lambda: 0.001 },
      ew: {},
      mlp: { hidden: 32, layers: 2, epochs: 4, batchDates: 16, lr: 0.001, patience: 2 },
      mgat: { hidden: 32, layers: 2, epochs: 4, batchDates: 16, lr: 0.001, patience: 2 },
    },
    compare: ['linear', 'ew', 'mlp', 'mgat', 'dmfm'],
  },
  {
    id: 'dmfm-paper',
    label: 'DMFM Paper',
    summary: "the paper's protocol: expanding walk-forward, 14 test half-years 2013H1..2019H2, hidden 64, up to 30 epochs",
    help:
      "The DMFM paper's protocol: walk-forward half-years with an expanding training window (test 2013H1 to 2019H2, " +
      '14 groups), validation on the half-year before the test minus its last month, hidden 64, up to 30 epochs with ' +
      'early stopping, and the baselines Linear, EW, MLP and MGAT. Load the full shared file (1999-2019) in step 1 ' +
      "for the paper's history; on the bundled 2012-2019 data the first groups train on a single year. It takes " +
      'hours on a CPU: progress and the time left are shown per group, and a cancelled or interrupted run resumes ' +
      'from the next group.',
    run: { model: 'dmfm', split: { kind: 'walkforward', start: '2013-01-01', groups: 14, gap: 21 }, strategy: DMFM_STRATEGY, seed: 42 },
    configs: {
      dmfm: { hidden: 64, layers: 2, epochs: 30, batchDates: 16, lr: 0.001, patience: 5 },
      linear: { lambda: 0.001 },
      ew: {},
      mlp: { hidden: 64, layers: 2, epochs: 30, batchDates: 16, lr: 0.001, patience: 5 },
      mgat: { hidden: 64, layers: 2, epochs: 30, batchDates: 16, lr: 0.001, patience: 5 },
    },
    compare: ['linear', 'ew', 'mlp', 'mgat', 'dmfm'],
  },
  {
    id: 'why-graph',
    label: 'Why graph models',
    summary: 'a synthetic market whose signal is industry-relative; trains Linear, MLP and DMFM on it',
    help:
      "For a class: loads a synthetic market whose planted signal is mostly industry-relative (a stock's factor " +
      "relative to its industry's mean, with industries that score high on average doing worse), which a model that " +
      'sees one stock at a time cannot use, plus a small linear part. Then it trains Linear, MLP and DMFM (small ' +
      'settings, a few minutes) on two walk-forward half-years with a weekly top-quintile portfolio. DMFM looks at each ' +
      "stock's industry peers through its graph attention, so it should win; the ground-truth table under the results " +
      'shows which planted part each model found.',
    market: {
      nStocks: 200,
      nDays: 750,
      nIndustries: 8,
      nFactors: 12,
      alpha: 0.004,
      seed: 42,
      linear: 0.3,
      interaction: 0,
      industryRelative: 1,
    },
    trainNow: true,
    run: {
      model: 'dmfm',
      split: { kind: 'walkforward', groups: 2, gap: 21 },
      strategy: { kind: 'topquantile', groups: 5, rebalance: 5, cost: 0, horizon: 5, lag: 1 },
      seed: 42,
    },
    configs: {
      dmfm: { hidden: 32, layers: 2, epochs: 6, batchDates: 16, lr: 0.002, patience: 3 },
      linear: {},
      mlp: { hidden: 32, layers: 2, epochs: 6, batchDates: 16, lr: 0.002, patience: 3 },
    },
    compare: ['linear', 'mlp', 'dmfm'],
  },
];
