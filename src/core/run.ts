/**
 * A run is plain JSON. It passes unchanged through the store, the worker, the URL and the headless runner.
 * Every field has a default (see defaultRun) so a partial URL or file still makes a full run.
 */
export interface RunConfig {
  /** 'bundled' (public/data default), 'synthetic', or a file name / URL the user loaded */
  dataset: DatasetSpec;
  /** universe name from Panel.universes ('all', 'top100', 'next150', 'rest') */
  universe: string;
  /** factor groups or names to use; empty = all */
  factors: string[];
  preprocessing: PreprocessConfig;
  split: SplitConfig;
  /** model id from the registry ('linear', 'ew', 'mlp', ...) */
  model: string;
  /** model hyper-parameters (model-specific; defaults from the model's config schema) */
  config: Record<string, number | string | boolean>;
  seed: number;
  strategy: StrategyConfig;
  /** tfjs backend: 'auto' (default: real-GPU webgpu, else the fastest of wasm/webgl on a probe, cpu last) or forced */
  backend?: 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
  /**
   * explain the predictions (LRP where the model allows it, else gradient x input) at the test period's month ends;
   * the headless runner writes relevance.parquet. Deep Factor Model runs are explained unless this is false.
   */
  explain?: boolean | { rule?: 'epsilon' | 'z'; epsilon?: number };
  /**
   * robustness experiment (FactorVAE Table 2): m stocks, chosen by a seeded RNG, left out of training and validation;
   * the evaluation uses only them (src/train/holdout.ts)
   */
  holdout?: HoldoutConfig;
}

export interface HoldoutConfig {
  /** m: the number of stocks held out (paper: 50, 100, 200 of CSI300) */
  count?: number;
  /** m as a fraction of the stocks in the test cross-section, for smaller universes (default 1/6 = 50 of 300) */
  fraction?: number;
  /** RNG seed of the choice (default: the run's seed) */
  seed?: number;
}

export interface DatasetSpec {
  kind: 'bundled' | 'synthetic' | 'file' | 'url';
  /** file name, URL or bundled id */
  name: string;
  /** synthetic market settings (kind === 'synthetic') */
  synthetic?: Record<string, number>;
  /** restrict to dates >= start / <= end (ISO) */
  start?: string;
  end?: string;
}

export interface PreprocessConfig {
  /** MAD winsorising: clip at median +- k * 1.4826 * MAD; 0 = off */
  madK: number;
  /** per-date normalisation */
  normalize: 'zscore' | 'rank' | 'none';
  /** missing factor values: fill with the cross-sectional mean (0 after normalising) or mask the stock out */
  missing: 'fill' | 'mask';
  /** regress out industry dummies per date */
  industryNeutral: boolean;
  /** trading days of price history a stock needs before it enters */
  minHistory: number;
  /**
   * industry of a stock when prices come with a sectors file: 'sector' (default; 11 GICS sectors, always set) or
   * 'sub_industry' (GICS sub-industry, the sector where it is missing; ~120 groups, many with a single stock).
   * The sector is the default because the industry graph and industry neutralisation need peers: the DMFM paper's
   * industries are ~30 CITIC level-1 groups, and the sector is the closest level here. A factor-panel file's own
   * industry column is used as it is.
   */
  industryLevel?: 'sector' | 'sub_industry';
  /**
   * doubtful one-day returns (an unadjusted split, a bad price; src/data/doubtful-returns.ts) before factors and labels:
   * 'keep' (default; the load warns with the tickers and dates), 'clip' to +-50%, or 'drop' the day
   */
  extremeReturns?: 'keep' | 'clip' | 'drop';
  /**
   * a factor panel's columns that look like labels (LABEL0, target_5d, fwd_return_20, or |IC| > 0.5 with the forward
   * return): excluded with a warning unless the user confirms this (then kept, with a warning)
   */
  includeLabelLike?: boolean;
}

export interface SplitConfig {
  /** 'walkforward' (DMFM/E2EAI), 'rolling' (Deep Factor Model, monthly), 'fixed' (FactorVAE) */
  kind: 'walkforward' | 'rolling' | 'fixed';
  /** first test date (ISO) for walk-forward / rolling; train start for fixed */
  start?: string;
  /** number of walk-forward groups (half-years); 0 = as many as the data allows */
  groups?: number;
  /** gap in trading days between validation end and test start (>= longest label horizon) */
  gap?: number;
  /** fixed split boundaries (ISO, inclusive ends) */
  trainEnd?: string;
  validEnd?: string;
  testEnd?: string;
  /** rolling window in months (Deep Factor Model: 60) */
  windowMonths?: number;
  /**
   * walk-forward only: train on at most the last `trainYears` years (whole half-years) before the validation
   * half-year; 0 / absent = expanding window from the first date (the DMFM paper's protocol)
   */
  trainYears?: number;
}

export interface StrategyConfig {
  kind: 'topquantile' | 'longshort' | 'topkdrop' | 'modelweight';
  /** number of quantile groups (10 = deciles) */
  groups?: number;
  /** rebalance every n trading days (21 ~ monthly), 1 = daily */
  rebalance?: number;
  /** one-way cost as a fraction of traded value (0.004 = 0.4%) */
  cost?: number;
  /** TopK-Drop */
  k?: number;
  n?: number;
  openCost?: number;
  closeCost?: number;
  /** TDrisk: rank by mu - eta * sigma */
  eta?: number;
  /** model-weighted: per-stock cap */
  cap?: number;
  /** horizon (trading days) of the label the score is judged against */
  horizon?: number;
  /**
   * execution lag in trading days (default 1): the scores of date t are traded at close t + lag. 1 = the next day's
   * close (Qlib's backtest with the previous day's prediction); 0 = the close that formed the score (optimistic)
   */
  lag?: number;
}

export const defaultPreprocessing: PreprocessConfig = {
  madK: 5,
  normalize: 'zscore',
  missing: 'fill',
  industryNeutral: false,
  minHistory: 60,
};

export const defaultRun: RunConfig = {
  dataset: { kind: 'bundled', name: 'us-large-cap-2012-2019' },
  universe: 'all',
  factors: [],
  preprocessing: defaultPreprocessing,
  split: { kind: 'walkforward', groups: 2, gap: 21 },
  model: 'mlp',
  config: {},
  seed: 42,
  strategy: { kind: 'topquantile', groups: 10, rebalance: 21, cost: 0.004, horizon: 20, lag: 1 },
};

/**
 * A run preset: one click sets the split, the strategy, the selected model with its hyper-parameters, and the methods
 * ticked for "Compare methods" with theirs, so a paper's table can be reproduced. Plain data; each model folder may
 * export `presets` from its presets.ts.
 */
export interface RunPreset {
  id: string;
  label: string;
  /** one-line summary for the button's title */
  summary: string;
  /** what the preset runs, why, and how long it takes (help text) */
  help: string;
  /** the run fields the preset sets (dataset, universe, factors and preprocessing stay as loaded) */
  run: Pick<RunConfig, 'model' | 'split' | 'strategy' | 'seed'>;
  /** hyper-parameters per model id: the selected model's and those of the other compared methods */
  configs: Record<string, Record<string, number | string | boolean>>;
  /** models ticked for "Compare methods", in training order */
  compare: string[];
  /**
   * optional (teaching presets): a synthetic market (src/data/synthetic.ts SyntheticOptions) the preset loads first, and
   * whether it then trains the comparison at once; other presets leave the data as loaded
   */
  market?: Record<string, number>;
  trainNow?: boolean;
}

/** the methods ticked for "Compare methods" in a new session: the baselines every paper shares */
export const defaultCompare: string[] = ['linear', 'ew', 'mlp'];
