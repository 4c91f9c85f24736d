/** Cheap checks on a user file before it goes to the worker, so the obvious mistakes get a precise message. */
import { LabError } from '../core/errors';

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // 'PAR1'

const startsWithMagic = (b: Uint8Array, at: number) => MAGIC.every((m, i) => b[at + i] === m);

/** What the first bytes look like, for the error message. */
function sniff(b: Uint8Array): string {
  const head = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 64));
  const printable = /^[\x09\x0a\x0d\x20-\x7e]*$/.test(head);
  if (!printable) return 'binary data that is not parquet';
  const line = head.split(/\r?\n/)[0];
  if (line.includes(',') || line.includes('\t') || line.includes(';')) return `text that looks like CSV ("${line.slice(0, 40)}")`;
  if (head.trimStart().startsWith('{') || head.trimStart().startsWith('[')) return 'text that looks like JSON';
  return `text ("${line.slice(0, 40)}")`;
}

/** Throws LabError unless the bytes carry parquet's 'PAR1' magic at both ends (and a footer between). */
export function checkParquetBytes(fileName: string, bytes: ArrayBuffer): void {
  const b = new Uint8Array(bytes);
  if (b.length === 0) throw new LabError(`${fileName} is empty (0 bytes); expected a parquet file.`, 'Choose the file again; it may not have finished downloading.');
  if (b.length < 12 || !startsWithMagic(b, 0) || !startsWithMagic(b, b.length - 4)) {
    throw new LabError(
      `${fileName} is not a parquet file: it holds ${sniff(b)}, ${b.length.toLocaleString('en-US')} bytes, without the 'PAR1' marker parquet files start and end with.`,
      'Save the table as parquet (pandas: df.to_parquet("prices.parquet"); DuckDB: COPY t TO \'prices.parquet\') with columns date, ticker and close (or adj_close).',
    );
  }
}
