/**
 * Random forest baseline of the Deep Factor Model paper (section 4.2, Table 2: scikit-learn RandomForestRegressor),
 * here with mljs `ml-random-forest` 2.1 (CART regression trees, bootstrap rows, a random feature subset per tree).
 * Cost: ml-cart tries every threshold of every feature with a full pass over the node's rows (O(rows^2) per feature
 * and node; measured here: 20 trees on 3000 x 44 rows took 85 s), so the defaults are small: a seeded sample of
 * `maxRows` (400) training rows per fit, 10 trees, depth 4, at least 10 rows per split, a third of the features per
 * tree (about 1 s per monthly fit on 44 factors). scikit-learn's defaults (100 unpruned trees on all rows) are out of
 * reach here; the settings are in the config. Out-of-bag scoring is off (ml-random-forest 2.1 throws when a row
 * is in every bootstrap sample). Target and horizon as the Deep Factor Model (raw forward return, 20 days).
 */
import { RandomForestRegression } from 'ml-random-forest';
import { resolveConfig } from '../common';
import { TabularModel, horizonIndex } from './tabular';
import type { BuildContext, ConfigField, ModelSpec } from '../types';

const schema: ConfigField[] = [
  {
    key: 'trees',
    label: 'Trees',
    default: 10,
    min: 1,
    max: 500,
    step: 1,
    help: 'Number of regression trees (scikit-learn default 100; 10 keeps a monthly refit near 1 s).',
  },
  { key: 'maxDepth', label: 'Max depth', default: 4, min: 1, max: 30, step: 1, help: 'Depth limit of each tree.' },
  {
    key: 'minSamples',
    label: 'Min rows per split',
    default: 10,
    min: 2,
    max: 1000,
    step: 1,
    help: 'A node with fewer rows becomes a leaf.',
  },
  {
    key: 'maxFeatures',
    label: 'Features per tree',
    default: 0.33,
    min: 0.05,
    max: 1,
    step: 0.01,
    help: 'Share of the factors each tree sees (drawn per tree without replacement).',
  },
  {
    key: 'maxRows',
    label: 'Training rows',
    default: 400,
    min: 50,
    max: 100000,
    step: 50,
    help: 'Seeded sample of (date, stock) rows per fit; fit time grows with the rows squared.',
  },
  {
    key: 'horizon',
    label: 'Label horizon',
    default: 20,
    min: 1,
    max: 260,
    step: 1,
    help: 'Trading days of the forward return it predicts; must be a panel horizon.',
  },
  {
    key: 'target',
    label: 'Target',
    default: 'raw',
    options: ['raw', 'zscore'],
    help: "'raw': the forward return (winsorised per date); 'zscore': the per-date standardised return.",
  },
];

class RfModel extends TabularModel {
  private forest: RandomForestRegression | null = null;
  private readonly cfg: Record<string, number | string | boolean>;
  constructor(ctx: BuildContext) {
    const cfg = resolveConfig(schema, ctx.config, 'rf');
    super(ctx, horizonIndex(ctx, Number(cfg.horizon), 'Random forest'), 'Random forest');
    this.cfg = cfg;
  }
  protected maxRows() {
    return Number(this.cfg.maxRows);
  }
  protected fitRows(X: number[][], y: number[]) {
    const F = X[0].length;
    const mf = Number(this.cfg.maxFeatures);
    this.forest = new RandomForestRegression({
      nEstimators: Number(this.cfg.trees),
      // a float in (0, 1) is a share; 1 must be passed as the integer count
      maxFeatures: mf >= 1 ? F : mf,
      replacement: false,
      useSampleBagging: true,
      noOOB: true,
      seed: (this.ctx.seed * 7919 + 1) | 0,
      isClassifier: false,
      treeOptions: { maxDepth: Number(this.cfg.maxDepth), minNumSamples: Number(this.cfg.minSamples) },
    });
    this.forest.train(X, y);
  }
  protected predictRows(X: number[][]) {
    return this.forest!.predict(X);
  }
  override dispose() {
    super.dispose();
    this.forest = null;
  }
  async extras() {
    return { trees: Number(this.cfg.trees), rowsUsed: this.rowsUsed, rowsAvailable: this.rowsTotal };
  }
}

export const rfSpec: ModelSpec = {
  id: 'rf',
  // predicts outside tfjs: neither LRP nor gradients reach it
  explain: 'none',
  name: 'Random forest',
  family: 'composite',
  description:
    'Random forest regression (Deep Factor Model baseline; mljs ml-random-forest). Defaults chosen for speed, not the ' +
    "paper's scikit-learn defaults: 10 trees, depth 4, >= 10 rows per split, a third of the factors per tree, fitted on a seeded " +
    "sample of 400 (date, stock) rows per refit (the library's split search is quadratic in rows). Predicts the raw 20-day " +
    'forward return; no gradient training.',
  configSchema: schema,
  trainable: false,
  build: (ctx) => new RfModel(ctx),
};
