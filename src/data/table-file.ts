/**
 * One entry point for a user's table file (prices, sectors, factor panel, benchmark): the format is taken from the
 * magic bytes and the name (table-format.ts), then the file goes to parquet-wasm (parquet.ts) or to DuckDB's CSV
 * reader (csv.ts). Either way the raw table lands in DuckDB with the file's column names, so the same validators
 * (schema.ts, benchmark.ts) and the same messages apply.
 */
import { loadCsv } from './csv';
import { loadParquet, type ParquetHelpers } from './parquet';
import type { SqlEngine } from './sql-engine';
import { detectTableFormat, type TableFormat } from './table-format';

export interface LoadTableOptions {
  /** file name for messages; its extension is used too (a .parquet name must hold parquet) */
  fileName?: string;
  /** choose the columns to keep from the file's column names (undefined = all) */
  selectColumns?: (names: string[]) => string[] | undefined;
  /** the columns expected, for CSV messages (e.g. 'date, return (or close)') */
  expected?: string;
  /** helper threads that decode a parquet file's row groups while this thread inserts them (parquet.ts loadParquet) */
  helpers?: ParquetHelpers | null;
}

export interface LoadTableResult {
  format: TableFormat;
  rows: number;
  columns: string[];
  /** every column of the file (columns = those kept by selectColumns) */
  fileColumns: string[];
  /** parquet: row groups in the file, and those a helper thread decoded */
  rowGroups?: number;
  helperGroups?: number;
}

/** Load a parquet, CSV or gzip-compressed CSV file into DuckDB table `table` (replacing it). */
export async function loadTableFile(
  engine: SqlEngine,
  table: string,
  bytes: Uint8Array,
  opts: LoadTableOptions = {},
): Promise<LoadTableResult> {
  const fileName = opts.fileName ?? table;
  const format = detectTableFormat(fileName, bytes);
  if (format === 'parquet') {
    const r = await loadParquet(engine, table, bytes, { fileName, selectColumns: opts.selectColumns, helpers: opts.helpers });
    return { format, rows: r.rows, columns: r.columns, fileColumns: r.fileColumns, rowGroups: r.rowGroups, helperGroups: r.helperGroups };
  }
  const r = await loadCsv(engine, table, bytes, {
    fileName,
    gzip: format === 'csv.gz',
    selectColumns: opts.selectColumns,
    expected: opts.expected,
  });
  return { format, rows: r.rows, columns: r.columns, fileColumns: r.fileColumns ?? r.columns };
}
