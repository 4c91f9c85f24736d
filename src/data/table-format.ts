/**
 * Which reader a user's table file needs, from its magic bytes and its name: parquet ('PAR1'), gzip-compressed CSV
 * (1f 8b) or plain CSV text. Tiny and dependency-free, so the UI thread can run it before sending the bytes to the
 * worker (state/file-check.ts) and the loader runs the same rules (table-file.ts).
 *
 * The bytes decide, with one exception: a name ending in .parquet must hold parquet (a CSV or an HTML page saved
 * under a parquet name is more likely a mistake worth naming than a CSV to guess at).
 */
import { LabError } from '../core/errors';

export type TableFormat = 'parquet' | 'csv' | 'csv.gz';

const PAR1 = [0x50, 0x41, 0x52, 0x31];
const at = (b: Uint8Array, i: number, magic: number[]) => magic.every((m, k) => b[i + k] === m);

/** true if the bytes start with the gzip magic 1f 8b */
export const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** true if the name says CSV (.csv, .tsv, .txt, optionally .gz) */
export const csvName = (name: string): boolean => /\.(csv|tsv|txt)(\.gz)?$/i.test(name);

/**
 * true if `head` (the first bytes) reads as text: no NUL and hardly any control characters (bytes >= 0x80 are
 * allowed, so a Latin-1 CSV reaches the CSV reader, which names its first non-UTF-8 line)
 */
export function looksLikeText(head: Uint8Array): boolean {
  const b = head.subarray(0, 4096);
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return false; // zip (xlsx)
  let ctrl = 0;
  for (const x of b) {
    if (x === 0) return false;
    if (x < 0x20 && x !== 0x09 && x !== 0x0a && x !== 0x0d && x !== 0x0c) ctrl++;
  }
  return ctrl <= b.length / 100;
}

/** What the first bytes look like, for error messages. */
export function describeBytes(b: Uint8Array): string {
  if (b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04)
    return 'a zip archive (an Excel .xlsx workbook is one)';
  if (!looksLikeText(b)) return 'binary data that is neither parquet nor CSV';
  const head = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 64));
  const line = head.split(/\r?\n/)[0];
  if (/^\s*</.test(head)) return 'text that looks like HTML or XML';
  if (line.includes(',') || line.includes('\t') || line.includes(';')) return `text that looks like CSV ("${line.slice(0, 40)}")`;
  if (head.trimStart().startsWith('{') || head.trimStart().startsWith('[')) return 'text that looks like JSON';
  return `text ("${line.slice(0, 40)}")`;
}

const CSV_HOWTO = 'pandas: df.to_csv("prices.csv", index=False); DuckDB: COPY t TO \'prices.csv\'';
const PARQUET_HOWTO = 'pandas: df.to_parquet("prices.parquet"); DuckDB: COPY t TO \'prices.parquet\'';

/**
 * The reader `bytes` need; LabError naming the file for an empty file, a non-parquet file named .parquet, a truncated
 * parquet file, or binary data that is neither parquet, gzip nor text.
 */
export function detectTableFormat(fileName: string, bytes: Uint8Array): TableFormat {
  const b = bytes;
  if (b.length === 0) {
    throw new LabError(
      `${fileName} is empty (0 bytes); expected a parquet or CSV file.`,
      'Choose the file again; it may not have finished downloading.',
    );
  }
  if (at(b, 0, PAR1)) {
    if (b.length < 12 || !at(b, b.length - 4, PAR1)) {
      throw new LabError(
        `${fileName} is not a complete parquet file: it starts with the 'PAR1' marker but does not end with it (${b.length.toLocaleString('en-US')} bytes); it may be truncated.`,
        'Choose the file again; it may not have finished downloading or copying.',
      );
    }
    return 'parquet';
  }
  if (/\.parquet$/i.test(fileName)) {
    throw new LabError(
      `${fileName} is not a parquet file: it holds ${describeBytes(b)}, ${b.length.toLocaleString('en-US')} bytes, without the 'PAR1' marker parquet files start and end with.`,
      `Save the table as parquet (${PARQUET_HOWTO}) with columns date, ticker and close (or adj_close). If it is a CSV file, give it a .csv name to load it as CSV.`,
    );
  }
  if (isGzip(b)) return 'csv.gz';
  if (!looksLikeText(b)) {
    throw new LabError(
      `${fileName} is neither parquet nor CSV: it holds ${describeBytes(b)}, ${b.length.toLocaleString('en-US')} bytes.`,
      `Save the table as CSV (${CSV_HOWTO}; Excel: Save As "CSV UTF-8") or as parquet.`,
    );
  }
  return 'csv';
}
