/**
 * The run bundle: one file that holds a finished run (all its methods), read and written the same way in Node and the
 * browser (no node:fs, no DOM). A zip (fflate) of:
 *   manifest.json        format, version, lab version, name, date, run key(s), dataset fingerprint and description,
 *                        backend, seed, timings, the methods (label, model, run config), the parts and their sizes,
 *                        shard (i, n) of a partial bundle
 *   metrics.json         the headless runner's metrics (scripts/experiment.ts), unchanged
 *   scores.parquet       date, ticker, model, horizon, score + one column per output channel (test dates; the label
 *                        is in grids.parquet)
 *   portfolio.parquet    date, model, portfolio_return, benchmark_return (holding days)
 *   curves.parquet       model, group, epoch, train_loss, val_loss, val_metric (training curves)
 *   splits.parquet       model, group, label, train/valid/test first and last date (the split plan as trained)
 *   grids.parquet        date, ticker, ret, tradable, valid, fwd_<h> per horizon, member_<u> per universe: the label and
 *                        return grids of the test period (first test date to the panel's end), what re-evaluation needs
 *   relevance.parquet    explained runs only (as the headless runner writes it)
 *   methods/<i>.json     the rest of each method's result (groups, evaluation, explanation, extras) as JSON; typed
 *                        arrays are separate raw entries methods/<i>/<k>.bin (little-endian), referenced by name
 *
 * Why a zip of parquet + JSON: the parquet tables are what the headless runner already writes and what DuckDB, pandas
 * or polars read after `unzip`; the zip (deflate, one well-kept library, streaming-capable, readable by every OS)
 * holds several tables plus the JSON a single parquet's key-value metadata would have to squeeze into strings.
 */
import { LabError } from '../core/errors';

export const BUNDLE_FORMAT = 'factor-lab-run';
export const BUNDLE_VERSION = 1;
/** file extension of a run bundle (a zip) */
export const BUNDLE_EXT = '.flrun.zip';

/** Limits on untrusted bundles (each refusal names the part). */
export const LIMITS = {
  /** the bundle file */
  totalBytes: 256 * 1024 * 1024,
  /** all entries inflated */
  inflatedBytes: 1024 * 1024 * 1024,
  /** one entry inflated */
  entryBytes: 512 * 1024 * 1024,
  /** one JSON entry */
  jsonBytes: 64 * 1024 * 1024,
  entries: 4096,
  methods: 64,
  /** characters of a name (ticker, factor, label, universe) */
  nameChars: 200,
  /** rows of one table */
  rows: 50_000_000,
  /** JSON nesting */
  depth: 64,
};

/** One method of a bundled run, as the manifest lists it. */
export interface ManifestMethod {
  label: string;
  model: string;
  /** runKey(run): everything that changes the trained groups */
  runKey: string;
  /** the run config (src/core/run.ts RunConfig) */
  run: Record<string, unknown>;
  backend: string;
  seed: number;
  timings: Record<string, number>;
  /** split groups this method's result holds (all of them in a full bundle) */
  groups: number;
}

export interface BundleManifest {
  format: typeof BUNDLE_FORMAT;
  version: number;
  /** the lab's version (package.json) */
  lab: string;
  name: string;
  /** ISO date-time the bundle was written */
  created: string;
  /** 'node' (headless runner) or 'browser' (Save run) */
  producer: 'node' | 'browser';
  /** key of the whole run: the methods' run keys (sorted) hashed together */
  runKey: string;
  dataset: {
    /** the DatasetSpec of the run */
    spec: Record<string, unknown>;
    /** stable hash of the panel's dates, tickers, factor names and forward returns */
    fingerprint: string;
    description: string;
    T: number;
    N: number;
    F: number;
    start: string;
    end: string;
    horizons: number[];
  };
  backend: string;
  methods: ManifestMethod[];
  /** the grids' period (panel date index `from` to the end), its stocks, horizons and universes (grids.parquet) */
  grids: { from: number; dates: string[]; tickers: string[]; horizons: number[]; universes: { name: string; description: string }[] };
  /** entry name -> bytes (inflated) */
  parts: Record<string, number>;
  /** shard i of n (0-based i) of a partial bundle; absent in a full one */
  shard?: { index: number; count: number; jobs: string[] };
  /** Markdown notes of the author (rendered as text-safe Markdown) */
  notes?: string[];
  /** how a compacted bundle (compact.ts) stores its values and what it left out; absent: full precision, nothing dropped */
  storage?: BundleStorage;
}

/** manifest.storage of a compacted bundle (compact.ts) */
export interface BundleStorage {
  /** 'float32' (full) or 'float32-rounded': float32 with the mantissa rounded to `mantissaBits` bits (nearest, ties to even) */
  scores: 'float32' | 'float32-rounded';
  /** mantissa bits kept of the 23 (relative error at most 2^-(bits+1)) */
  mantissaBits: number;
  /** the values rounded so: scores, channels, explanation relevance */
  rounded: string[];
  /** 'all' or 'evaluated': the scores, channels and grids keep the evaluated horizon(s) only */
  horizons: 'all' | 'evaluated';
  /** parts and columns left out (e.g. relevance.parquet, fwd_5) */
  dropped: string[];
  /** the bundle's size before compaction, bytes */
  originalBytes: number;
}

/** A refused bundle: the message names the part (manifest.json, scores.parquet, methods/0.json, ...). */
export class BundleError extends LabError {
  readonly part: string;
  constructor(part: string, message: string) {
    super(`Run bundle, ${part}: ${message}`, 'The file is not a run bundle this lab can open, or it was damaged or edited.');
    this.part = part;
  }
}
