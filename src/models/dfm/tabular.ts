/**
 * Shared plumbing for the non-tfjs baselines (random forest, SVR, pooled OLS): they are fitted once per split group
 * in `fit` on (date, stock) rows and predict row by row in JS. `forward` reads the batch back (dataSync: the batch
 * was just uploaded from JS arrays, so on every backend this is a copy, not a GPU read-back), predicts the stocks in
 * the cross-section and returns the scores as a tensor. One learned horizon; its prediction fills every head.
 */
import * as tf from '@tensorflow/tfjs';
import { LabError } from '../../core/errors';
import { makeRng } from '../../core/rng';
import type { BuildContext, FitData, ForwardContext, LossTarget, Model, NamedWeight } from '../types';
import { maskedMse } from '../losses';

/** Training rows of one horizon: X [M][F], y [M]; `total` = labelled rows before subsampling. */
export interface TabularRows {
  X: number[][];
  y: number[];
  total: number;
}

/**
 * The labelled (date, stock) rows of `d.dates` for horizon index h: x = the factors, y = d.target (the label the loss
 * sees: the raw forward return when the run prepares a raw target, else the standardised one). When there are more
 * than `maxRows`, a seeded uniform sample without replacement of `maxRows` rows (0 = all).
 */
export function trainingRows(d: FitData, h: number, maxRows: number, seed: number): TabularRows {
  const { N, F, H } = d;
  const rows: number[] = []; // flat (t * N + n)
  for (const t of d.dates)
    for (let n = 0; n < N; n++) {
      const k = t * N + n;
      if (d.mask[k] === 1 && d.targetMask[k * H + h] === 1 && Number.isFinite(d.target[k * H + h])) rows.push(k);
    }
  const total = rows.length;
  let pick = rows;
  if (maxRows > 0 && total > maxRows) {
    const rng = makeRng(seed);
    for (let i = 0; i < maxRows; i++) {
      const j = i + rng.int(total - i);
      const s = rows[i];
      rows[i] = rows[j];
      rows[j] = s;
    } // partial Fisher-Yates
    pick = rows.slice(0, maxRows).sort((a, b) => a - b);
  }
  const X = pick.map((k) => Array.from(d.x.subarray(k * F, (k + 1) * F)));
  const y = pick.map((k) => d.target[k * H + h]);
  return { X, y, total };
}

/** index of horizon `k` in the context's horizons, or a LabError naming the model */
export function horizonIndex(ctx: BuildContext, k: number, name: string): number {
  const h = ctx.horizons.indexOf(k);
  if (h < 0)
    throw new LabError(
      `${name}: label horizon ${k} is not one of the panel's horizons [${ctx.horizons.join(', ')}].`,
      'Set the model\'s "horizon" to one of those.',
    );
  return h;
}

/** A fitted-in-JS model behind the Model contract (trainable = false, no tfjs variables). */
export abstract class TabularModel implements Model {
  readonly trainable = false;
  protected fitted = false;
  protected rowsUsed = 0;
  protected rowsTotal = 0;
  constructor(
    protected readonly ctx: BuildContext,
    protected readonly hIdx: number,
    protected readonly label: string,
  ) {}
  /** fit on rows X [M][F], y [M] */
  protected abstract fitRows(X: number[][], y: number[]): void;
  /** predictions for rows X [M][F] */
  protected abstract predictRows(X: number[][]): ArrayLike<number>;
  protected abstract maxRows(): number;
  fit(d: FitData): void {
    const { X, y, total } = trainingRows(d, this.hIdx, this.maxRows(), this.ctx.seed);
    if (X.length < 2)
      throw new LabError(
        `${this.label}: only ${X.length} labelled (date, stock) rows on ${d.dates.length} training dates.`,
        'Use a longer training window.',
      );
    this.fitRows(X, y);
    this.fitted = true;
    this.rowsUsed = X.length;
    this.rowsTotal = total;
  }
  forward(x: tf.Tensor3D, c: ForwardContext): tf.Tensor3D {
    const [B, N, F] = x.shape;
    const H = this.ctx.horizons.length;
    const out = new Float32Array(B * N * H);
    if (this.fitted) {
      const xv = x.dataSync(),
        mv = c.mask.dataSync(); // [B, N, F], [B, N]
      const idx: number[] = [];
      for (let k = 0; k < B * N; k++) if (mv[k] > 0) idx.push(k);
      if (idx.length) {
        const p = this.predictRows(idx.map((k) => Array.from(xv.subarray(k * F, (k + 1) * F))));
        idx.forEach((k, i) => out.fill(p[i], k * H, (k + 1) * H));
      }
    }
    return tf.tensor3d(out, [B, N, H]);
  }
  loss(scores: tf.Tensor3D, target: LossTarget) {
    return maskedMse(scores, target, this.ctx.horizons);
  }
  variables(): tf.Variable[] {
    return [];
  }
  activationsPerStock() {
    return this.ctx.F + this.ctx.horizons.length;
  }
  async getWeights(): Promise<NamedWeight[]> {
    return [];
  }
  setWeights(_w: NamedWeight[]): void {
    /* fitted in JS; nothing to restore */
  }
  dispose(): void {
    this.fitted = false;
  }
}
