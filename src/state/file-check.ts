/**
 * Cheap checks on a user file before it goes to the worker, so the obvious mistakes get a precise message: the same
 * format rules the worker's loader applies (data/table-format.ts: parquet, CSV or gzip-compressed CSV).
 */
import { detectTableFormat, type TableFormat } from '../data/table-format';

/**
 * The file's format; throws LabError for an empty file, a .parquet name without parquet inside, a truncated parquet
 * file, or binary data that is neither parquet nor CSV.
 */
export function checkTableBytes(fileName: string, bytes: ArrayBuffer): TableFormat {
  return detectTableFormat(fileName, new Uint8Array(bytes));
}
