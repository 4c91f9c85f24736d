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

/** shortest decimal text that reads back as the same float32 (0.1f is 0.1, not 0.10000000149011612) */
export function float32Text(v: number): number | string {
  if (!Number.isFinite(v)) return v;
  // from 6 digits: a shorter decimal that reads back to v also gives 6 digits equal to it padded with zeros (float32's
  // half ulp, < 6e-8 relative, is below half the 6-digit step), and Number() drops the zeros; 9 digits always read back
  for (let p = 6; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return Number(s);
  }
  return v;
}

/** An Arrow cell as the value CSV writes: dates as YYYY-MM-DD, timestamps as ISO text, FLOAT at float32 precision. */
function csvValueOf(type: arrow.DataType): (v: unknown) => unknown {
  const ms = (v: unknown) => (typeof v === 'number' ? v : v instanceof Date ? v.getTime() : Number(v));
  if (DataTypeIs.date(type)) return (v) => (v === null || v === undefined ? null : new Date(ms(v)).toISOString().slice(0, 10));
  if (DataTypeIs.timestamp(type)) return (v) => (v === null || v === undefined ? null : new Date(ms(v)).toISOString());
  if (DataTypeIs.float32(type)) return (v) => (typeof v === 'number' ? float32Text(v) : v);
  return (v) => v;
}

/** arrow type checks by type id (the module imports apache-arrow as types only elsewhere) */
const DataTypeIs = {
  date: (t: arrow.DataType) => t.typeId === 8 /* Type.Date */,
  timestamp: (t: arrow.DataType) => t.typeId === 10 /* Type.Timestamp */,
  float32: (t: arrow.DataType) => t.typeId === 3 /* Type.Float */ && (t as arrow.Float).precision === 1 /* SINGLE */,
};

/**
 * Runs a query and writes its whole result as UTF-8 CSV bytes, batch by batch (DuckDB streams the result: neither
 * the Arrow result nor the CSV text is ever held whole, only the encoded bytes). Returns the bytes and the row count.
 */
export function queryToCsvBytes(engine: SqlEngine, sql: string, delim = ','): { bytes: Uint8Array; rows: number } {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let rows = 0,
    header: string | null = null;
  for (const batch of engine.stream(sql)) {
    const names = batch.schema.fields.map((f) => f.name);
    const cols = names.map((_, j) => batch.getChildAt(j)!);
    const conv = batch.schema.fields.map((f) => csvValueOf(f.type));
    const lines: unknown[][] = [];
    for (let i = 0; i < batch.numRows; i++) lines.push(cols.map((c, j) => conv[j](c.get(i) as unknown)));
    const text = toCsv(names, lines, delim);
    const cut = text.indexOf('\n') + 1;
    if (header === null) {
      header = text.slice(0, cut);
      parts.push(enc.encode(header));
    }
    parts.push(enc.encode(text.slice(cut)));
    rows += batch.numRows;
  }
  // a result without batches still has its header
  if (header === null)
    parts.push(
      enc.encode(
        toCsv(
          engine.query(sql).schema.fields.map((f) => f.name),
          [],
          delim,
        ),
      ),
    );
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return { bytes: out, rows };
}
