/** A tiny experiment (synthetic market, two walk-forward groups) for the bundle tests: linear, ew (a label with markup) and dmfm (an f-hat channel). */
export const tinyConfig = {
  name: 'tiny-bundle',
  run: {
    dataset: { kind: 'synthetic' as const, name: 'synthetic', synthetic: { seed: 5, nStocks: 30, nDays: 480, nFactors: 6, alpha: 0.01 } },
    preprocessing: { madK: 5, normalize: 'zscore' as const, missing: 'fill' as const, industryNeutral: false, minHistory: 20 },
    split: { kind: 'walkforward' as const, groups: 2, gap: 21 },
    strategy: { kind: 'topquantile' as const, groups: 5, rebalance: 5, cost: 0.004, horizon: 5 },
  },
  models: [
    { model: 'linear' },
    { model: 'ew', label: 'ew <b>"IC"</b>' },
    { model: 'dmfm', config: { hidden: 8, layers: 1, epochs: 1, batchDates: 16 } },
  ],
};
