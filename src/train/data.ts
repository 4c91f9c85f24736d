/**
 * Panel -> what the training loop feeds the models: the universe mask, the chosen factors, and the
 * standardised label. Batches are assembled from these typed arrays per step (only [B, N, F] is uploaded),
 * so the whole panel never sits on the GPU.
 */
import type { Panel } from '../core/panel';
import { LabError } from '../core/errors';
import type { FitData } from '../models/types';
import { gatherWindows, historyMask } from '../data/windows';
import { tf } from './tf';

/** The prepared panel (FitData without the date selection) plus names for the models and the UI. */
export interface Prepared extends Omit<FitData, 'dates'> {
  factorNames: string[];
  factorGroups: string[];
  /** [T, N] industry id (-1 unknown) */
  industry: Int32Array;
  dates: string[];
  tickers: string[];
  /** label clip used for the target (|z| <= clip; 0 = none) */
  labelClip: number;
  /** [T, H] the cross-sectional sd of the raw forward return that standardised the label (0 where none) */
  labelScale?: Float32Array;
  /** sequence models: the lookback L (batches carry seq [B, N, L, F]; `mask` includes the history mask); 1 = none */
  lookback: number;
}

export interface PrepareOptions {
  /** universe name from Panel.universes; '' or 'all' = every valid stock */
  universe?: string;
  /** factor names or group names to keep; empty = all */
  factors?: string[];
  /** clip the standardised label at +-labelClip (default 3; 0 = no clip) */
  labelClip?: number;
  /**
   * 'zscore' (default): the per-date standardised label; 'raw': the forward return itself, winsorised per date at
   * mean +- labelClip * sd (= mean + sd * the clipped z), for models that predict returns (Deep Factor Model)
   */
  target?: 'zscore' | 'raw';
  /**
   * sequence models: the lookback L in trading days (default 1). The cross-section mask then also requires the stock to
   * be valid on each of the L days ending at the date (src/data/windows.ts historyMask), and batches carry the windows.
   */
  lookback?: number;
}

/** Factor indices selected by name or group (empty = all); LabError naming unknown entries. */
export function selectFactorIndices(p: Panel, wanted: string[] | undefined): number[] {
  const F = p.factorNames.length;
  if (!wanted || wanted.length === 0) return Array.from({ length: F }, (_, f) => f);
  const unknown = wanted.filter((w) => !p.factorNames.includes(w) && !p.factorGroups.includes(w));
  if (unknown.length)
    throw new LabError(
      `Run: unknown factor or group ${unknown.map((u) => `"${u}"`).join(', ')} (panel "${p.source.name}" has ${F} factors).`,
      `Factors: ${p.factorNames.join(', ')}; groups: ${[...new Set(p.factorGroups)].join(', ')}.`,
    );
  const set = new Set(wanted);
  return p.factorNames.map((n, f) => (set.has(n) || set.has(p.factorGroups[f]) ? f : -1)).filter((f) => f >= 0);
}

/**
 * Build the training view of a panel:
 *  mask[t, n] = valid & universe member;
 *  target[t, n, h] = clip((fwd[h, t, n] - mean_t) / sd_t, +-clip) over the stocks with mask 1 and a finite label
 *  (population sd; dates with < 2 such stocks or sd = 0 get targetMask 0).
 *  With target 'raw': target = mean_t + sd_t * (that clipped z), the winsorised raw forward return.
 */
export function prepareData(p: Panel, o: PrepareOptions = {}): Prepared {
  const T = p.dates.length,
    N = p.tickers.length,
    F0 = p.factorNames.length,
    H = p.horizons.length;
  const clip = o.labelClip ?? 3;
  const raw = o.target === 'raw';
  const cols = selectFactorIndices(p, o.factors);
  const F = cols.length;
  // --- factors [T, N, F]: the panel's own array when all are used
  let x = p.x;
  if (F !== F0) {
    x = new Float32Array(T * N * F);
    for (let k = 0; k < T * N; k++) for (let j = 0; j < F; j++) x[k * F + j] = p.x[k * F0 + cols[j]];
  }
  // --- cross-section mask [T, N]
  const mask = new Uint8Array(T * N);
  const uname = o.universe && o.universe !== 'all' ? o.universe : '';
  const uni = uname ? p.universes.find((u) => u.name === uname) : undefined;
  if (uname && !uni)
    throw new LabError(
      `Run: universe "${uname}" is not in panel "${p.source.name}".`,
      `Universes: ${p.universes.map((u) => u.name).join(', ')}.`,
    );
  for (let k = 0; k < T * N; k++) mask[k] = p.valid[k] && (!uni || uni.member[k]) ? 1 : 0;
  const L = Math.max(1, Math.floor(o.lookback ?? 1));
  if (L > 1) {
    const hist = historyMask(p.valid, T, N, L); // [T, N]
    for (let k = 0; k < T * N; k++) mask[k] &= hist[k];
  }
  // --- standardised label [T, N, H]
  const target = new Float32Array(T * N * H);
  const targetMask = new Uint8Array(T * N * H);
  const labelScale = new Float32Array(T * H); // [T, H]
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < T; t++) {
      let n = 0,
        s = 0,
        ss = 0;
      for (let i = 0; i < N; i++) {
        const r = p.fwd[(h * T + t) * N + i];
        if (mask[t * N + i] && Number.isFinite(r)) {
          n++;
          s += r;
          ss += r * r;
        }
      }
      if (n < 2) continue;
      const mean = s / n;
      const sd = Math.sqrt(Math.max(0, ss / n - mean * mean));
      if (!(sd > 0)) continue;
      labelScale[t * H + h] = sd;
      for (let i = 0; i < N; i++) {
        const r = p.fwd[(h * T + t) * N + i];
        if (!(mask[t * N + i] && Number.isFinite(r))) continue;
        let z = (r - mean) / sd;
        if (clip > 0) z = Math.max(-clip, Math.min(clip, z));
        target[(t * N + i) * H + h] = raw ? mean + z * sd : z;
        targetMask[(t * N + i) * H + h] = 1;
      }
    }
  }
  return {
    T,
    N,
    F,
    H,
    horizons: p.horizons.slice(),
    x,
    mask,
    target,
    targetMask,
    fwd: p.fwd,
    industry: p.industry,
    factorNames: cols.map((f) => p.factorNames[f]),
    factorGroups: cols.map((f) => p.factorGroups[f]),
    dates: p.dates,
    tickers: p.tickers,
    labelClip: clip,
    labelScale,
    lookback: L,
  };
}

/** the FitData view of a prepared panel restricted to `dates` */
export const fitData = (d: Prepared, dates: ArrayLike<number>): FitData => ({ ...d, dates: Int32Array.from(dates) });

export interface Batch {
  x: tf.Tensor3D; // [B, N, F]
  mask: tf.Tensor2D; // [B, N]
  industry: tf.Tensor2D; // [B, N]
  y: tf.Tensor3D; // [B, N, H]
  ymask: tf.Tensor3D; // [B, N, H]
  /** [B, H] label scale (Prepared.labelScale; zeros when absent or without targets) */
  yscale: tf.Tensor2D;
  /** [B, N, H] raw forward return (Panel.fwd) where ymask is 1, else 0 (LossTarget.raw) */
  raw: tf.Tensor3D;
  /** [B, N, L, F] sequence windows (Prepared.lookback > 1 only) */
  seq?: tf.Tensor4D;
}

/** Copy the given dates' slices into tensors (the caller disposes them with disposeBatch). */
export function makeBatch(d: Prepared, dates: ArrayLike<number>, withTarget = true): Batch {
  const B = dates.length,
    { N, F, H } = d;
  const x = new Float32Array(B * N * F),
    m = new Float32Array(B * N),
    ind = new Float32Array(B * N);
  const y = new Float32Array(withTarget ? B * N * H : 0),
    ym = new Float32Array(withTarget ? B * N * H : 0);
  const ys = new Float32Array(B * H);
  const raw = new Float32Array(withTarget ? B * N * H : 0);
  const { T } = d;
  for (let b = 0; b < B; b++) {
    const t = dates[b];
    x.set(d.x.subarray(t * N * F, (t + 1) * N * F), b * N * F);
    for (let i = 0; i < N; i++) {
      m[b * N + i] = d.mask[t * N + i];
      ind[b * N + i] = d.industry[t * N + i];
    }
    if (withTarget) {
      y.set(d.target.subarray(t * N * H, (t + 1) * N * H), b * N * H);
      for (let k = 0; k < N * H; k++) ym[b * N * H + k] = d.targetMask[t * N * H + k];
      if (d.labelScale) ys.set(d.labelScale.subarray(t * H, (t + 1) * H), b * H);
      for (let i = 0; i < N; i++) {
        for (let h = 0; h < H; h++) if (d.targetMask[(t * N + i) * H + h]) raw[(b * N + i) * H + h] = d.fwd[(h * T + t) * N + i];
      }
    }
  }
  const L = d.lookback ?? 1;
  return {
    x: tf.tensor3d(x, [B, N, F]),
    mask: tf.tensor2d(m, [B, N]),
    industry: tf.tensor2d(ind, [B, N]),
    y: withTarget ? tf.tensor3d(y, [B, N, H]) : (tf.zeros([B, N, H]) as tf.Tensor3D),
    ymask: withTarget ? tf.tensor3d(ym, [B, N, H]) : (tf.zeros([B, N, H]) as tf.Tensor3D),
    yscale: tf.tensor2d(ys, [B, H]),
    raw: withTarget ? tf.tensor3d(raw, [B, N, H]) : (tf.zeros([B, N, H]) as tf.Tensor3D),
    ...(L > 1 ? { seq: tf.tensor4d(gatherWindows(d.x, T, N, F, dates, L), [B, N, L, F]) } : {}),
  };
}

export const disposeBatch = (b: Batch) => tf.dispose([b.x, b.mask, b.industry, b.y, b.ymask, b.yscale, b.raw, ...(b.seq ? [b.seq] : [])]);

/** the ForwardContext of a batch (sequence windows included when the panel was prepared with a lookback) */
export const batchContext = (b: Batch, training: boolean) => ({
  mask: b.mask,
  industry: b.industry,
  training,
  ...(b.seq ? { seq: b.seq } : {}),
});
