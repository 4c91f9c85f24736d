/**
 * The Deep Factor Model's run preset (the lab's preset buttons; src/state/presets.ts collects every model folder's
 * presets.ts): the paper's protocol, which before had to be set by hand. examples/dfm-rolling.json is the same run for
 * the headless runner (with both architectures as separate models).
 */
import type { RunPreset } from '../../core/run';

export const presets: RunPreset[] = [
  {
    id: 'dfm-paper',
    label: 'Deep Factor Model',
    summary: 'Nakagawa et al.: a 60-month rolling window retrained every month, long-short quintiles, explained by LRP',
    help:
      "The Deep Factor Model paper's protocol: every month-end the model is retrained on the previous 60 month-ends " +
      '(a rolling window, monthly test), predicts the next 20-day return (the raw return, as the paper), and a ' +
      'long-short portfolio buys the top and sells the bottom quintile, gross of costs (Table 4). Every prediction is ' +
      'explained by layer-wise relevance propagation (the Explain section: per stock and per factor group, Table 5). ' +
      "Compared with the paper's baselines: OLS, SVR and random forest, and the lab's linear model. On the bundled " +
      '2012-2019 data the test starts in 2017 (60 months of history first); each month retrains, so expect tens of ' +
      'minutes on a CPU for the deep model and longer for SVR and the forest.',
    run: {
      model: 'dfm',
      split: { kind: 'rolling', windowMonths: 60, groups: 0, gap: 20 },
      strategy: { kind: 'longshort', groups: 5, rebalance: 21, cost: 0, horizon: 20, lag: 1 },
      seed: 42,
    },
    configs: {
      dfm: { arch: 'model1', horizon: 20, target: 'raw', epochs: 20, warmStart: true, warmEpochs: 4, batchDates: 10, lr: 0.001 },
      ridge: { lambda: 0, horizon: 20, target: 'raw' },
      linear: { target: 'raw', lambda: 0.001 },
      svr: { horizon: 20, target: 'raw' },
      rf: { horizon: 20, target: 'raw' },
    },
    compare: ['ridge', 'linear', 'svr', 'rf', 'dfm'],
  },
];
