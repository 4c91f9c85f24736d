/**
 * Where the typed-array factor pass's values become panel rows, shared by the loading thread (factors.ts
 * DateMajorWriter) and the helper threads (cross-section-pool.ts): writeRows / writeColumn mask a batch's values (by
 * age, rows left, NULL, non-finite) into float32 rows, and runFactorPassBlock computes a block of whole tickers on a
 * helper: their prices in, their staged panel rows out, the same values the loading thread would stage for them
 * (same functions, same order of operations; tested byte for byte against the one-thread panel), laid out as the
 * block's corner of the panel so the loading thread copies each date's stocks whole.
 */
import { tickerPass, type TickerRows } from './factors-js';

/**
 * Value columns as ONE Float64Array (and a byte view for validity bitmaps): column c's row r is f64[start[c] + r];
 * it is NULL when bits[c] >= 0 and bit r of u8[bits[c] ..] is 0 (the typed-array pass has no NULLs: bits all -1).
 */
export interface BatchValues {
  f64: Float64Array;
  u8: Uint8Array;
  start: Int32Array;
  bits: Int32Array;
}

/**
 * Columns [c0, c1) of a batch, row by row, to out[dst[r] * stride + (c - c0)] (a panel row's factors are
 * contiguous: one cache line run per row instead of one line per value). NULL, non-finite, or gate[r] < min[c] -> NaN.
 * Rows old enough for every column of a batch without NULLs (nearly all) take a loop without those checks.
 */
export function writeRows(
  v: BatchValues,
  c0: number,
  c1: number,
  dst: Int32Array,
  gate: Int32Array,
  min: Int32Array,
  len: number,
  out: Float32Array,
  stride: number,
): void {
  const { f64, u8, start, bits } = v;
  let maxMin = 0,
    anyNull = false;
  for (let c = c0; c < c1; c++) {
    if (min[c] > maxMin) maxMin = min[c];
    if (bits[c] >= 0) anyNull = true;
  }
  for (let r = 0; r < len; r++) {
    const cell = dst[r];
    if (cell < 0) continue;
    const base = cell * stride - c0,
      g = gate[r];
    if (g >= maxMin && !anyNull) {
      for (let c = c0; c < c1; c++) {
        const x = f64[start[c] + r];
        out[base + c] = x - x === 0 ? x : NaN; // x - x is NaN for +-Inf and NaN
      }
      continue;
    }
    for (let c = c0; c < c1; c++) {
      const x = f64[start[c] + r];
      const b = bits[c];
      out[base + c] = g >= min[c] && x - x === 0 && (b < 0 || (u8[b + (r >> 3)] & (1 << (r & 7))) !== 0) ? x : NaN;
    }
  }
}

/** Column c of a batch to out[dst[r] * stride + offset] (NaN as in writeRows, with gate[r] < min). */
export function writeColumn(
  v: BatchValues,
  c: number,
  dst: Int32Array,
  gate: Int32Array,
  min: number,
  len: number,
  out: Float32Array,
  stride: number,
  offset: number,
): void {
  const { f64, u8 } = v;
  const s = v.start[c],
    b = v.bits[c];
  for (let r = 0; r < len; r++) {
    const cell = dst[r];
    if (cell < 0) continue;
    const x = f64[s + r];
    out[cell * stride + offset] = gate[r] >= min && x - x === 0 && (b < 0 || (u8[b + (r >> 3)] & (1 << (r & 7))) !== 0) ? x : NaN;
  }
}

/**
 * A batch's factor columns [0, F) to stage rows (row-major [rows, F]) and its plane columns [F, F + P) (labels per
 * horizon, return, dollar volume) to stageP: row-major [rows, P], or with `planeCells` plane by plane [P, planeCells];
 * local[r] = the stage row of batch row r, or -1 (not in the panel). Factor columns and the return / dollar volume are
 * gated by the age, a label plane (gateRem[p] = 1) by the rows left in the ticker.
 */
export function stageBatch(
  v: BatchValues,
  local: Int32Array,
  age: Int32Array,
  rem: Int32Array,
  min: Int32Array,
  len: number,
  stage: Float32Array,
  F: number,
  stageP: Float32Array,
  gateRem: ArrayLike<number>,
  planeCells?: number,
): void {
  const P = gateRem.length;
  writeRows(v, 0, F, local, age, min, len, stage, F);
  for (let p = 0; p < P; p++) {
    const gate = gateRem[p] ? rem : age;
    if (planeCells === undefined) writeColumn(v, F + p, local, gate, min[F + p], len, stageP, P, p);
    else writeColumn(v, F + p, local, gate, min[F + p], len, stageP, 1, p * planeCells);
  }
}

/**
 * A block of whole tickers (consecutive stocks n0 .. n0 + K - 1 of the panel, dates t0 .. t0 + Tb - 1) for a helper or
 * the loading thread. Its output is the block's own corner of the panel, date-major: stage [Tb, K, F] (cell (t, n) at
 * row (t - t0) K + (n - n0)) and stageP [P, Tb K]; so each date's K stocks are one contiguous run of the panel's x,
 * copied whole (DateMajorWriter.writeBlock). Cells without a row keep 0 (x) and NaN (planes), as the panel's own
 * arrays start. Buffers are transferred both ways and reused.
 */
export interface FactorPassBlock {
  /** the factors (factors-js.ts names) and horizons of the pass, in output order */
  names: string[];
  horizons: number[];
  /** the gate of each output column (factors, labels, return, dollar volume): minAge, 1 + k, ... */
  minOf: Int32Array;
  /** per plane (labels, return, dollar volume): 1 = gated by the rows left in the ticker */
  gateRem: Uint8Array;
  /** rows of each ticker of the block, in stream order */
  counts: Int32Array;
  /** rows of the block */
  rows: number;
  /** cells of the block's corner of the panel (Tb K) */
  cells: number;
  /** [7, cap] (cap >= rows): open, high, low, close, adj, volume and the market log return of each row */
  cols: Float64Array;
  /** [rows]: the cell of each row ((t - t0) K + n - n0), or -1 (a date or stock the panel leaves out) */
  local: Int32Array;
  age: Int32Array;
  rem: Int32Array;
  /** output: [cells, F] and [P, cells] */
  stage: Float32Array;
  stageP: Float32Array;
}

export interface FactorPassJob {
  id: number;
  pass: FactorPassBlock;
}

const NO_BITS = new Uint8Array(0);
let scratch = new Float64Array(0);

/** Compute a block (on a helper or the loading thread): every ticker's tickerPass, its rows staged into the block's cells. */
export function runFactorPassBlock(b: FactorPassBlock): void {
  const defs = b.names.map((name) => ({ name }));
  const F = b.names.length,
    P = b.gateRem.length,
    nCols = F + b.horizons.length + 2;
  const cap = b.cols.length / 7;
  if (b.stage.length < b.cells * F || b.stageP.length < b.cells * P || cap < b.rows)
    throw new Error(`factor block: buffers too small for ${b.rows} rows, ${b.cells} cells`);
  b.stage.fill(0, 0, b.cells * F);
  b.stageP.fill(NaN, 0, b.cells * P);
  const colOf = (c: number, s: number, n: number) => b.cols.subarray(c * cap + s, c * cap + s + n);
  const start = new Int32Array(nCols);
  const bits = new Int32Array(nCols).fill(-1);
  let s = 0;
  for (const n of b.counts) {
    if (scratch.length < nCols * n) scratch = new Float64Array(nCols * n);
    const rows: TickerRows = {
      n,
      open: colOf(0, s, n),
      high: colOf(1, s, n),
      low: colOf(2, s, n),
      close: colOf(3, s, n),
      adj: colOf(4, s, n),
      volume: colOf(5, s, n),
      mkt: colOf(6, s, n),
    };
    tickerPass(rows, defs, b.horizons, scratch);
    for (let c = 0; c < nCols; c++) start[c] = c * n;
    stageBatch(
      { f64: scratch, u8: NO_BITS, start, bits },
      b.local.subarray(s, s + n),
      b.age.subarray(s, s + n),
      b.rem.subarray(s, s + n),
      b.minOf,
      n,
      b.stage,
      F,
      b.stageP,
      b.gateRem,
      b.cells,
    );
    s += n;
  }
}

/** the buffers of a block (to transfer) */
export const blockBuffers = (b: FactorPassBlock): ArrayBuffer[] =>
  [b.counts, b.cols, b.local, b.age, b.rem, b.stage, b.stageP, b.minOf, b.gateRem].map((a) => a.buffer as ArrayBuffer);
