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
];
