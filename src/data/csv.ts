/**
 * CSV input through DuckDB's own CSV reader: the bytes are registered as a virtual file and read with `read_csv`
 * (part of DuckDB's core, so it needs no extension and works offline; gzip is built in too).
 *
 * The options are explicit, never left to the sniffer where a guess could silently change the data:
 *   header = true (the first line names the columns; a first line that looks like data is refused),
 *   delim = the one of , ; TAB | that occurs most in the header line (none: the file is refused as having 1 column),
 *   quote = escape = '"', skip = 0, no comment character, strict_mode (a line with too few or too many values is an
 *   error naming the line), names = the header's trimmed names, every column read (the schema validators name what
 *   is missing), dateformat = %Y-%m-%d for other columns (no day/month guessing), decimal_separator = ',' only for
 *   a semicolon file whose values use decimal commas (1,5).
 * Column types are sniffed (DOUBLE, BIGINT, ...); if a value deep in the file does not fit the sniffed type, the file
 * is read again with the whole file sampled, so the column turns VARCHAR and the validators name the value.
 * Date columns (date | datetime | trade_date) are read as text and converted here: ISO yyyy-mm-dd (or yyyy/mm/dd,
 * with an optional time after it, which is ignored) and yyyymmdd are accepted; anything else (03/01/2012, 3 Jan 2012)
 * is refused with the column, an example value and the expected format.
 */
import { LabError } from '../core/errors';
import { isGzip, looksLikeText } from './table-format';
import { checkFileMemory, estimateCsvRows, gzipTextSize } from './memory';
import { queryRows, queryScalar, sqlIdent, sqlString, type SqlEngine } from './sql-engine';

export interface CsvLoadOptions {
  /** file name for messages */
  fileName?: string;
  /** the bytes are gzip-compressed (.csv.gz); default: from the magic bytes */
  gzip?: boolean;
  /** choose the columns to keep from the header's names (undefined = all) */
  selectColumns?: (names: string[]) => string[] | undefined;
  /** the columns this file should have, for messages (default: prices / factor panel / sectors) */
  expected?: string;
  /** bytes a file may take while loaded (default memory.ts DEFAULT_MEMORY_LIMIT); bigger files are refused before DuckDB reads them */
  memoryLimit?: number;
}

export interface LoadCsvResult {
  rows: number;
  /** the columns kept, in file order */
  columns: string[];
  /** every column of the file (before selectColumns) */
  fileColumns?: string[];
  delimiter: string;
  /** columns converted to DATE */
  dateColumns: string[];
  /** values used decimal commas (semicolon files) */
  decimalComma: boolean;
}

export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;
const DELIM_NAME: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };
/** the date columns the validators read (schema.ts, benchmark.ts) */
const DATE_NAMES = ['date', 'datetime', 'trade_date'];
const DEFAULT_EXPECTED = 'date, ticker, close, ... (daily prices or a factor panel) or ticker, sector (sectors)';
/** bytes of (decompressed) text read to find the header and the delimiter */
const HEAD_BYTES = 1 << 20;

let fileSeq = 0;

/** Up to `max` decompressed bytes from the start of a gzip stream (the rest is never inflated). */
async function gunzipHead(bytes: Uint8Array, max: number, file: string): Promise<Uint8Array> {
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  let stop = false;
  // feed 64 KB at a time, so a large file is not inflated past what is needed
  const feed = (async () => {
    for (let i = 0; i < bytes.length && !stop; i += 65536) await writer.write(bytes.subarray(i, i + 65536) as Uint8Array<ArrayBuffer>);
    if (!stop) await writer.close();
  })();
  feed.catch(() => {
    /* the reader sees the same error */
  });
  try {
    while (n < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.length;
    }
  } catch (e) {
    if (n === 0) {
      throw new LabError(
        `${file}: could not decompress it as gzip (${e instanceof Error ? e.message : String(e)}); expected a gzip-compressed CSV file (.csv.gz)`,
        'Choose the file again (it may be truncated), or load the uncompressed .csv.',
      );
    }
  } finally {
    stop = true;
    reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(Math.min(n, max));
  let o = 0;
  for (const c of chunks) {
    if (o >= out.length) break;
    out.set(c.subarray(0, out.length - o), o);
    o += c.length;
  }
  return out;
}

/** Count `delim` outside double quotes. */
function countOutsideQuotes(line: string, delim: string): number {
  let n = 0,
    q = false;
  for (const ch of line) {
    if (ch === '"') q = !q;
    else if (!q && ch === delim) n++;
  }
  return n;
}

/** The delimiter occurring most often in the header line (ties: the order of CSV_DELIMITERS); null when none occurs. */
export function detectDelimiter(header: string): string | null {
  let best: string | null = null,
    most = 0;
  for (const d of CSV_DELIMITERS) {
    const n = countOutsideQuotes(header, d);
    if (n > most) {
      best = d;
      most = n;
    }
  }
  return best;
}

/** Split one CSV line on `delim`, honouring double quotes ("" inside quotes is a quote). */
export function splitCsvLine(line: string, delim: string): string[] {
  const out: string[] = [];
  let cur = '',
    q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === delim) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** A header field that reads as a value: a number or a date (a header-less file's first row). */
function looksLikeData(s: string): 'a number' | 'a date' | null {
  const t = s.trim();
  if (
    /^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}/.test(t) ||
    /^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/.test(t) ||
    /^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(t)
  )
    return 'a date';
  if (/^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?%?$/.test(t)) return 'a number';
  return null;
}

const firstLine = (s: string) => s.split('\n')[0].trim();
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}...` : s);

/** A LabError for DuckDB's CSV reader error `msg` (line numbers count the header as line 1). */
function readError(file: string, msg: string, delim: string, expected: string): LabError {
  const line = /CSV Error on Line: (\d+)/.exec(msg)?.[1];
  const orig = /Original Line: ([^\n]*)/.exec(msg)?.[1];
  const sep = `${DELIM_NAME[delim]}-separated`;
  const cols = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(msg);
  const at = line ? `line ${line}${orig !== undefined ? ` ('${clip(orig, 60)}')` : ''}` : 'a line';
  if (cols) {
    return new LabError(
      `${file}: ${at} has ${cols[2]} ${sep} values where the header has ${cols[1]} columns; expected ${cols[1]} values on every line`,
      `Check that line for a stray ${DELIM_NAME[delim]} or quote; a value that contains a ${DELIM_NAME[delim]} must be in double quotes.`,
    );
  }
  if (/unterminated quote/i.test(msg)) {
    return new LabError(
      `${file}: ${at} has a value with an unterminated double quote; expected every opening " to be closed on the same value`,
      'Quote values with "..." and write a quote inside a value as "".',
    );
  }
  if (/unicode|utf-8/i.test(msg)) {
    return new LabError(
      `${file}: ${line ? `line ${line}` : 'the file'} is not UTF-8 text; expected a UTF-8 encoded CSV file`,
      'Save it as UTF-8 (Excel: Save As "CSV UTF-8"; pandas writes UTF-8 by default).',
    );
  }
  return new LabError(
    `${file}: could not read it as CSV (${clip(firstLine(msg), 200)}); expected ${sep} values with a header row (${expected})`,
  );
}

/**
 * Load a CSV (or gzip-compressed CSV) file into DuckDB table `table` (replacing it). LabError naming the file (and the
 * column or line) for an empty file, a file with one column (no recognised delimiter), a header-less file, duplicate
 * column names, lines with a wrong number of values, bad quoting, non-UTF-8 text, and dates in another format.
 */
export async function loadCsv(engine: SqlEngine, table: string, bytes: Uint8Array, opts: CsvLoadOptions = {}): Promise<LoadCsvResult> {
  const file = opts.fileName ?? table;
  const expected = opts.expected ?? DEFAULT_EXPECTED;
  const gzip = opts.gzip ?? isGzip(bytes);
  engine.run(`DROP TABLE IF EXISTS ${sqlIdent(table)}`);

  // ---- the header line and the delimiter, read here (not sniffed)
  const head = gzip ? await gunzipHead(bytes, HEAD_BYTES, file) : bytes.subarray(0, HEAD_BYTES);
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) {
    throw new LabError(
      `${file} is a gzip-compressed parquet file; expected a plain .parquet file or a gzip-compressed CSV`,
      'Decompress it (gunzip) and load the .parquet file.',
    );
  }
  if (!looksLikeText(head))
    throw new LabError(
      `${file}: the ${gzip ? 'decompressed ' : ''}content is binary data, not CSV text; expected a UTF-8 CSV file with a header row (${expected})`,
    );
  const text = new TextDecoder('utf-8').decode(head).replace(/^\ufeff/, '');
  if (text.trim() === '') {
    throw new LabError(
      `${file} is empty (${bytes.length === 0 ? '0 bytes' : 'no text, only blank lines'}); expected a CSV file with a header row (${expected}) and one row per line`,
      'Choose the file again; it may not have finished downloading.',
    );
  }
  const nl = text.indexOf('\n');
  const header = (nl < 0 ? text : text.slice(0, nl)).replace(/\r$/, '');
  if (header.trim() === '')
    throw new LabError(
      `${file}: the first line is empty; expected a header row naming the columns (${expected})`,
      'Remove the blank lines at the top of the file.',
    );
  const delim = detectDelimiter(header);
  if (delim === null) {
    throw new LabError(
      `${file} has 1 column '${clip(header, 60)}': expected comma-separated columns ${expected}`,
      'Separate the columns with commas (semicolons, tabs and | are recognised too) and name them on the first line.',
    );
  }
  const raw = splitCsvLine(header, delim).map((s) => s.trim());
  const dataLike = raw.map((s, i) => ({ s, i, kind: looksLikeData(s) })).filter((x) => x.kind !== null);
  if (dataLike.length > 0) {
    const ex = dataLike
      .slice(0, 3)
      .map((x) => `column ${x.i + 1} '${clip(x.s, 30)}' is ${x.kind}`)
      .join(', ');
    throw new LabError(
      `${file}: the first line looks like data, not a header (${ex}); expected a header row naming the columns (${expected})`,
      `Add a first line with the column names, e.g. ${expected.split(' (')[0].replace(/, \.\.\.$/, '')}.`,
    );
  }
  const names = raw.map((s, i) => (s === '' ? `column${i + 1}` : s));
  const seen = new Map<string, number>();
  for (const n of names) seen.set(n.toLowerCase(), (seen.get(n.toLowerCase()) ?? 0) + 1);
  const dup = names.find((n) => seen.get(n.toLowerCase())! > 1);
  if (dup !== undefined) {
    throw new LabError(
      `${file}: column '${dup}' appears ${seen.get(dup.toLowerCase())} times in the header (column names are not case-sensitive); expected each column once`,
      'Rename or remove the repeated column.',
    );
  }
  const keep = opts.selectColumns?.(names) ?? names;
  // refuse what cannot fit before DuckDB reads it: rows estimated from the text size and the head's line length
  // (a CSV has no footer with a row count), x the columns kept (issue 16)
  checkFileMemory(
    file,
    estimateCsvRows(gzip ? gzipTextSize(bytes) : bytes.length, text),
    keep.length,
    opts.memoryLimit,
    `estimated from its ${gzip ? 'decompressed ' : ''}size and the length of its first lines`,
  );
  const dateCols = keep.filter((n) => DATE_NAMES.includes(n.toLowerCase()));
  // a semicolon file from a decimal-comma locale (Excel in much of Europe): 1,5 is one and a half
  const body = nl < 0 ? '' : text.slice(nl + 1, nl + 1 + 65536);
  const decimalComma = delim === ';' && /(^|;)\s*-?\d+,\d+\s*(;|\r?$)/m.test(body);

  const vfile = `_lab_upload_${++fileSeq}.csv`;
  const dialect = [
    'header=true',
    `delim=${sqlString(delim)}`,
    `quote='"'`,
    `escape='"'`,
    'skip=0',
    `comment=''`,
    'strict_mode=true',
    'null_padding=false',
    `compression=${gzip ? "'gzip'" : "'none'"}`,
  ];
  const sniffed = (sampleAll: boolean) =>
    [
      ...dialect,
      `names=[${names.map(sqlString).join(', ')}]`,
      `dateformat='%Y-%m-%d'`,
      ...(dateCols.length ? [`types={${dateCols.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`] : []),
      ...(decimalComma ? [`decimal_separator=','`] : []),
      ...(sampleAll ? ['sample_size=-1'] : []),
    ].join(', ');
  const create = (sampleAll: boolean) =>
    engine.run(
      `CREATE TABLE ${sqlIdent(table)} AS SELECT ${keep.map(sqlIdent).join(', ')} FROM read_csv(${sqlString(vfile)}, ${sniffed(sampleAll)})`,
    );

  engine.registerFile(vfile, bytes);
  try {
    try {
      create(false);
    } catch {
      // the file's structure, read with every column as text and nothing sniffed: a ragged line, a bad quote or
      // non-UTF-8 bytes fail here with the line DuckDB names
      const all = `columns={${names.map((n) => `${sqlString(n)}: 'VARCHAR'`).join(', ')}}`;
      try {
        engine.query(`SELECT count(*) FROM read_csv(${sqlString(vfile)}, ${[...dialect, 'auto_detect=false', all].join(', ')})`);
      } catch (e2) {
        throw readError(file, e2 instanceof Error ? e2.message : String(e2), delim, expected);
      }
      // the structure is fine: a value late in the file did not fit its column's sniffed type; sample every row
      try {
        create(true);
      } catch (e3) {
        throw readError(file, e3 instanceof Error ? e3.message : String(e3), delim, expected);
      }
    }
  } finally {
    engine.dropFile(vfile);
  }
  try {
    for (const c of dateCols) convertDateColumn(engine, table, c, file);
  } catch (e) {
    engine.run(`DROP TABLE IF EXISTS ${sqlIdent(table)}`);
    throw e;
  }
  const rows = Number(queryScalar(engine, `SELECT count(*) FROM ${sqlIdent(table)}`));
  return { rows, columns: keep, fileColumns: names, delimiter: delim, dateColumns: dateCols, decimalComma };
}

/**
 * Convert text column `col` of `table` to DATE: yyyymmdd, or a yyyy-mm-dd / yyyy/mm/dd prefix (a time after it is
 * ignored); empty stays NULL (the validators report missing dates); any other non-empty value is a LabError.
 */
function convertDateColumn(engine: SqlEngine, table: string, col: string, file: string): void {
  const c = sqlIdent(col),
    t = sqlIdent(table);
  const v = `nullif(trim(${c}), '')`;
  const conv = `CASE WHEN regexp_full_match(${v}, '[0-9]{8}') THEN TRY_CAST(TRY_STRPTIME(${v}, '%Y%m%d') AS DATE)
    WHEN regexp_matches(${v}, '^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}([ T]|$)')
    THEN TRY_CAST(replace(regexp_extract(${v}, '^[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}'), '/', '-') AS DATE) END`;
  const bad = queryRows<{ n: number; total: number; row: number | null; v: string | null }>(
    engine,
    `SELECT count(*) FILTER (WHERE ${v} IS NOT NULL AND (${conv}) IS NULL)::INTEGER AS n, count(${v})::INTEGER AS total,
            (min(rowid) FILTER (WHERE ${v} IS NOT NULL AND (${conv}) IS NULL) + 1)::INTEGER AS row,
            arg_min(${c}, rowid) FILTER (WHERE ${v} IS NOT NULL AND (${conv}) IS NULL) AS v FROM ${t}`,
  )[0];
  if (bad.n > 0) {
    const ex = String(bad.v);
    const why = /^\s*\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\s*$/.test(ex) ? ': day/month/year and month/day/year cannot be told apart' : '';
    throw new LabError(
      `${file}: column '${col}' has ${bad.n} of ${bad.total} value(s) that are not dates in a known format (e.g. row ${bad.row}: '${clip(ex, 40)}'${why}); expected ISO dates yyyy-mm-dd such as 2019-12-31 (yyyymmdd such as 20191231 is also accepted)`,
      'Write the dates as yyyy-mm-dd (pandas does for datetime columns; in Excel, format the column as yyyy-mm-dd before saving as CSV).',
    );
  }
  engine.run(`ALTER TABLE ${t} ALTER ${c} SET DATA TYPE DATE USING (${conv})`);
}
