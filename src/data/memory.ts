/**
 * Memory a dataset needs once loaded, estimated from the validated table's dates, stocks and factors before the panel
 * is built (issue 16): a file that cannot fit is refused with the numbers and what to do, instead of DuckDB's internal
 * "could not allocate block" advice. The estimate is the panel's typed arrays (src/core/panel.ts: x [T, N, F] float32,
 * forward returns [H, T, N], daily returns, masks) plus the row-major frame they are gathered from (one float32 per
 * value per row), i.e. about 2 x T x N x (F + H + 4) x 4 bytes.
 */
import { LabError } from '../core/errors';

/** What the page and the runner allow for one dataset (the wasm heaps and the JS heap share ~4 GiB in a tab). */
export const DEFAULT_MEMORY_LIMIT = 2 * 1024 ** 3;

export interface MemoryNeed {
  bytes: number;
  T: number;
  N: number;
  F: number;
  H: number;
}

/** bytes a panel of T dates x N stocks x F factors with H horizons needs while it is built */
export function estimatePanelBytes(T: number, N: number, F: number, H: number): number {
  return 2 * T * N * (F + H + 4) * 4;
}

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;

/** Refuse a dataset whose panel would not fit in `limit` bytes, with the numbers and what to do. */
export function checkMemory(file: string, T: number, N: number, F: number, H: number, limit = DEFAULT_MEMORY_LIMIT): MemoryNeed {
  const bytes = estimatePanelBytes(T, N, F, H);
  if (bytes > limit) {
    const f = Math.max(1, Math.floor(limit / (2 * T * N * 4)) - H - 4);
    const t = Math.max(1, Math.floor(limit / (2 * N * (F + H + 4) * 4)));
    throw new LabError(
      `${file}: ${T.toLocaleString('en-US')} dates x ${N.toLocaleString('en-US')} stocks x ${F} factors needs about ${gib(bytes)} once loaded, more than the ${gib(limit)} this page can hold`,
      `Load fewer factors (about ${f} fit), a shorter date range (about ${t.toLocaleString('en-US')} dates with all the factors), or fewer stocks.`,
    );
  }
  return { bytes, T, N, F, H };
}

/** bytes a file of `rows` x `columns` takes in DuckDB while it is validated: the raw table and its clean copy, 8 bytes a value */
export const estimateFileBytes = (rows: number, columns: number): number => 2 * rows * columns * 8;

/**
 * Refuse, before decoding anything, a file whose rows (from the parquet footer) x decoded columns cannot fit in `limit`
 * while it is loaded and validated; the numbers and what to do, not DuckDB's "could not allocate block" later.
 */
export function checkFileMemory(
  file: string,
  rows: number,
  columns: number,
  limit = DEFAULT_MEMORY_LIMIT,
  source = 'its footer says so',
): number {
  const bytes = estimateFileBytes(rows, columns);
  if (bytes > limit) {
    const r = Math.max(1, Math.floor(limit / (2 * columns * 8)));
    const c = Math.max(1, Math.floor(limit / (2 * rows * 8)));
    throw new LabError(
      `${file}: ${rows.toLocaleString('en-US')} rows x ${columns} columns needs about ${gib(bytes)} to load (${source}), more than the ${gib(limit)} this page can hold`,
      `Split the file: fewer columns (about ${c} fit with all the rows: drop unused factors), a shorter date range or fewer stocks (about ${r.toLocaleString('en-US')} rows fit with all the columns).`,
    );
  }
  return bytes;
}

/**
 * Rows of a CSV estimated before DuckDB reads it: its text size over the mean length of the lines in its first
 * `head` (header excluded). `textBytes` is the decompressed size (plain file: its size; gzip: the trailer's ISIZE,
 * see gzipTextSize). Worked case: 1,000,000 bytes of text whose head holds a 20-byte header line and 4 data lines of
 * 49 bytes each (50 with the newline) -> (1,000,000 - 21) / 50 = 19,999 rows.
 */
export function estimateCsvRows(textBytes: number, head: string): number {
  const nl = head.indexOf('\n');
  if (nl < 0) return 0;
  const body = head.slice(nl + 1);
  // only whole lines of the head count (the head may end inside a line)
  const last = body.lastIndexOf('\n');
  const whole = last < 0 ? '' : body.slice(0, last + 1);
  const lines = whole.split('\n').length - 1;
  if (lines === 0) return Math.max(1, Math.round((textBytes - nl - 1) / Math.max(1, body.length)));
  const perLine = new TextEncoder().encode(whole).length / lines;
  const headerBytes = new TextEncoder().encode(head.slice(0, nl + 1)).length;
  return Math.max(0, Math.floor((textBytes - headerBytes) / perLine));
}

/**
 * Decompressed size of a gzip file from its trailer (ISIZE: the size mod 2^32, RFC 1952). A file of 4 GiB or more
 * wraps; the decompressed size is at least the compressed one, so the larger of the two is used (and a wrapped size
 * still errs small, never refusing a file that fits).
 */
export function gzipTextSize(bytes: Uint8Array): number {
  if (bytes.length < 18) return bytes.length;
  const n = bytes.length;
  const isize = (bytes[n - 4] | (bytes[n - 3] << 8) | (bytes[n - 2] << 16) | (bytes[n - 1] << 24)) >>> 0;
  return Math.max(isize, n);
}
