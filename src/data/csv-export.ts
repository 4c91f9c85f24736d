import type * as arrow from 'apache-arrow';
import type { SqlEngine } from './sql-engine';

// CSV writer for exporting a SQL result (issue 14). RFC 4180 quoting, numbers at
// full precision (shortest round-trip form), and a guard against formula
// injection: a text cell that starts with = + - @ gets a leading apostrophe,
// unless the whole cell is a number (so "-0.25" stays a number for spreadsheets).

const FORMULA_START = /^[=+\-@]/;
const NUMERIC_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** One cell as CSV text (unquoted; see quoteCsvField). */
export function csvCellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  if (FORMULA_START.test(s) && !NUMERIC_TEXT.test(s)) return "'" + s;
  return s;
}

/** Quotes a field when it holds the delimiter, a double quote or a line break. */
export function quoteCsvField(text: string, delim = ','): string {
  if (text.includes(delim) || text.includes('"') || text.includes('\n') || text.includes('\r')) {
    return '"' + text.replace(/"/g, '""') + '"';
  }
  return text;
}

/** Header line plus one line per row, CRLF-free ("\n"), ending with a newline. */
export function toCsv(columns: readonly string[], rows: readonly (readonly unknown[])[], delim = ','): string {
  const line = (cells: readonly unknown[]): string => cells.map((c) => quoteCsvField(csvCellText(c), delim)).join(delim);
  let out = line(columns) + '\n';
  for (const r of rows) {
    if (r.length !== columns.length) {
      throw new Error(`CSV export: a row has ${r.length} cells, expected ${columns.length} (one per column)`);
    }
    out += line(r) + '\n';
  }
  return out;
}

/** A download name from the dataset name: letters, digits, dot, dash, underscore only. */
export function exportFileName(dataset: string, ext: 'csv' | 'parquet'): string {
  const base = dataset
    .replace(/\.[A-Za-z0-9]+$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 80);
  return `${base || 'dataset'}-sql.${ext}`;
}

/** An Arrow table (a SQL result) as CSV, every row, columns in schema order. */
export function arrowToCsv(table: arrow.Table, delim = ','): string {
  const names = table.schema.fields.map((f) => f.name);
  const cols = names.map((_, j) => table.getChildAt(j)!);
  const rows: unknown[][] = [];
  for (let i = 0; i < table.numRows; i++) rows.push(cols.map((c) => c.get(i) as unknown));
  return toCsv(names, rows, delim);
}

/** Runs a query and writes its whole result as CSV (the SQL console's export; parquet goes through queryToParquet). */
export function queryToCsv(engine: SqlEngine, sql: string, delim = ','): string {
  return arrowToCsv(engine.query(sql), delim);
}
