/**
 * Parquet IO through parquet-wasm (Rust arrow/parquet compiled to wasm).
 * DuckDB-WASM 1.32 cannot load its parquet extension offline, so parquet is decoded here to Arrow IPC and
 * handed to DuckDB with `insertArrowIPC`. Works the same in Node and in a browser worker once `initParquet`
 * has been given the wasm (bytes in Node: parquet-node.ts; a `?url` in the browser: parquet-browser.ts).
 */
import * as arrow from 'apache-arrow';
import * as pq from 'parquet-wasm/esm';
import { LabError } from '../core/errors';
import { sqlIdent, type SqlEngine } from './sql-engine';
import { checkFileMemory } from './memory';
import type { ParquetGroupJob } from './parquet-helper';
import { yieldToEvents } from './yield-events';

let ready: Promise<void> | null = null;
let initialised = false;

/** Instantiate parquet-wasm once (later calls reuse the first). `wasm`: bytes, or a URL / path string to fetch. */
export function initParquet(wasm?: BufferSource | URL | string): Promise<void> {
  if (!ready) {
    ready = pq.default(wasm === undefined ? undefined : { module_or_path: wasm }).then(() => {
      initialised = true;
    });
    ready.catch(() => {
      ready = null;
    });
  }
  return ready;
}

/** true once initParquet has finished */
export const parquetReady = (): boolean => initialised;

/** set when a damaged file left the decoder's wasm instance unusable (it cannot be re-instantiated in place) */
let poisoned = false;

function needInit(): void {
  if (poisoned)
    throw new LabError(
      'The parquet decoder stopped working after a damaged file and cannot read more files in this page.',
      'Reload the page (your settings are kept in the link), then load a good copy of the file.',
    );
  if (!initialised) throw new Error('parquet-wasm is not initialised: await initParquet(...) first (initParquetNode() in Node)');
}

function decodeError(file: string, e: unknown): LabError {
  const msg = e instanceof Error ? e.message : String(e);
  return new LabError(
    `${file}: could not read it as a parquet file (${msg.slice(0, 200)}); expected an Apache Parquet file`,
    'Export the table as .parquet (e.g. pandas DataFrame.to_parquet) and load it again.',
  );
}

/** A wasm trap (Rust panic = `unreachable`, out of bounds): the decoder hit bytes its checks did not catch. */
const isTrap = (e: unknown): boolean => e instanceof WebAssembly.RuntimeError || (e instanceof Error && e.name === 'RuntimeError');

/**
 * After a trap the decoder's instance may be left half-way (its stack pointer, a held borrow): decode a tiny known
 * file; if that fails too, the instance is poisoned, so it is marked unusable and the caller is told to reload
 * (wasm-bindgen keeps one instance per module, so it cannot be re-created in place). Returns whether it is healthy.
 */
function decoderHealthy(): boolean {
  try {
    const probe = pq.writeParquet(
      pq.Table.fromIPCStream(arrow.tableToIPC(arrow.tableFromArrays({ x: Int32Array.from([1, 2]) }), 'stream')),
    );
    const back = arrow.tableFromIPC(pq.readParquet(probe).intoIPCStream());
    return back.numRows === 2 && back.getChild('x')?.get(1) === 2;
  } catch {
    poisoned = true;
    return false;
  }
}

/**
 * Keep only `cols` of an Arrow IPC stream (undefined = all). parquet-wasm 0.8's synchronous readParquet ignores its
 * `columns` option, so the selection is made here on the decoded group (a zero-copy read, one copy of the kept columns).
 */
function selectIPC(ipc: Uint8Array, cols: string[] | undefined): Uint8Array {
  // apache-arrow's JS reader drops every column of a schema with a field named __proto__: such files go to DuckDB whole
  if (!cols || cols.includes('__proto__')) return ipc;
  const t = arrow.tableFromIPC(ipc);
  if (t.numCols === 0) return ipc;
  // by position: Table.select keys columns by name in a plain object, which loses a column named __proto__
  const names = t.schema.fields.map((f) => f.name);
  return arrow.tableToIPC(t.selectAt(cols.map((c) => names.indexOf(c)).filter((i) => i >= 0)), 'stream');
}

/** Row group `group` of a parquet file as an Arrow IPC stream of the `columns` kept (undefined = all); throws as readParquet. */
export function decodeRowGroup(bytes: Uint8Array, group: number, batchSize: number, columns: string[] | undefined): Uint8Array {
  needInit();
  return selectIPC(pq.readParquet(bytes, { rowGroups: [group], batchSize }).intoIPCStream(), columns);
}

/** The user-facing error for a row group (or whole file) the decoder could not read. */
function damagedError(file: string, group: number | null, groups: number, e: unknown): LabError {
  const trap = isTrap(e);
  const msg = e instanceof Error ? e.message : String(e);
  const healthy = trap ? decoderHealthy() : true;
  const where = group === null ? 'its data pages could not be decoded' : `row group ${group + 1} of ${groups} could not be decoded`;
  return new LabError(
    `${file} is damaged (${where}: ${trap ? 'the decoder stopped on invalid data' : msg.slice(0, 160)}); nothing from it was loaded`,
    healthy
      ? 'Export the file again (e.g. pandas DataFrame.to_parquet) or check the copy; the page and the previous dataset are unaffected.'
      : 'Export the file again; then reload the page (the parquet decoder could not recover from this file).',
  );
}

export interface ParquetReadOptions {
  /** only these columns */
  columns?: string[];
  /** file name for error messages */
  fileName?: string;
}

/** Decode a whole parquet file to one Arrow IPC stream (record batches of up to 128k rows). */
export function parquetToIPC(bytes: Uint8Array, opts: ParquetReadOptions = {}): Uint8Array {
  needInit();
  try {
    return pq.readParquet(bytes, { batchSize: 131072, columns: opts.columns }).intoIPCStream();
  } catch (e) {
    throw isTrap(e) ? damagedError(opts.fileName ?? 'parquet', null, 0, e) : decodeError(opts.fileName ?? 'parquet', e);
  }
}

/** Decode a parquet file to an apache-arrow Table (small files; tests and scripts). */
export function parquetToTable(bytes: Uint8Array, opts: ParquetReadOptions = {}): arrow.Table {
  return arrow.tableFromIPC(parquetToIPC(bytes, opts));
}

/** Row counts of each row group, read from the footer. */
export async function parquetRowGroups(bytes: Uint8Array, fileName = 'parquet'): Promise<number[]> {
  return withParquetFooter(bytes, fileName, (file) =>
    file
      .metadata()
      .rowGroups()
      .map((g) => g.numRows()),
  );
}

/** Open a parquet file's footer (a decode failure becomes the user-facing LabError), run `fn`, free the file. */
async function withParquetFooter<T>(bytes: Uint8Array, fileName: string, fn: (file: pq.ParquetFile) => T): Promise<T> {
  needInit();
  let file: pq.ParquetFile;
  try {
    file = await pq.ParquetFile.fromFile(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  } catch (e) {
    throw decodeError(fileName, e);
  }
  try {
    return fn(file);
  } finally {
    file.free();
  }
}

export interface LoadParquetResult {
  rows: number;
  rowGroups: number;
  mode: 'rowgroups' | 'whole';
  columns: string[];
  /** every column of the file (before selectColumns) */
  fileColumns: string[];
  /** row groups a helper thread decoded (0 without helpers) */
  helperGroups: number;
}

export interface LoadParquetOptions extends ParquetReadOptions {
  /** 'rowgroups' (default): decode and insert one row group at a time; 'whole': the whole file as one IPC stream */
  mode?: 'rowgroups' | 'whole';
  /** choose the columns to read from the file's column names (undefined = all); applied after `columns` */
  selectColumns?: (names: string[]) => string[] | undefined;
  /** bytes a file may take while loaded (default memory.ts DEFAULT_MEMORY_LIMIT); bigger files are refused before decoding */
  memoryLimit?: number;
  /** helper threads that decode row groups ahead while this thread inserts ('rowgroups' mode; see parquet-helper.ts) */
  helpers?: ParquetHelpers | null;
}

/** what loadParquet needs of the helper pool (cross-section-pool.ts CrossSectionPool) */
export interface ParquetHelpers {
  readonly size: number;
  readonly healthy: boolean;
  /** a row group decoded by a helper: the same bytes decodeRowGroup gives; rejects when the helper could not */
  parquet(job: ParquetGroupJob['parquet']): Promise<Uint8Array>;
}

/** row groups a helper has been given and not yet sent back (it decodes one at a time) */
const PARQUET_AHEAD = 2;
/** loads so far: the number of each file's helper jobs (a helper keeps one file's bytes while the number holds) */
let filesDecoded = 0;

/** Column names of a parquet file's schema, in file order (from the footer only). */
export async function parquetColumnNames(bytes: Uint8Array, fileName = 'parquet'): Promise<string[]> {
  return withParquetFooter(bytes, fileName, schemaNames);
}

function schemaNames(file: pq.ParquetFile): string[] {
  return arrow.RecordBatchReader.from(file.schema().intoIPCStream())
    .open()
    .schema.fields.map((f) => f.name);
}

/**
 * Load a parquet file into DuckDB table `table` (replacing it). Default mode 'rowgroups' reads the footer through a
 * ParquetFile, then decodes and inserts one row group at a time with the synchronous readParquet (so the decoded file
 * is never held twice, and a decoder panic on corrupt pages is a catchable error naming the row group; the async
 * ParquetFile.read threw it from a promise callback and the load never settled). Measured on the 1.8M-row shared file
 * (Node, 2 shared cores, load ~12): the 15 row groups decode in ~2.5 s synchronously vs ~2.8 s through ParquetFile.read;
 * `selectColumns` drops the unused columns from each decoded group before it reaches DuckDB. With `helpers`, a
 * helper thread decodes groups from the last one backward while this thread decodes and inserts from the first (the
 * inserts stay on this thread, in file order); the same table (tested).
 */
export async function loadParquet(
  engine: SqlEngine,
  table: string,
  bytes: Uint8Array,
  opts: LoadParquetOptions = {},
): Promise<LoadParquetResult> {
  const file = opts.fileName ?? table;
  engine.run(`DROP TABLE IF EXISTS ${sqlIdent(table)}`);
  const mode = opts.mode ?? 'rowgroups';
  let pf: pq.ParquetFile | null = null;
  try {
    needInit();
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);
    try {
      pf = await pq.ParquetFile.fromFile(blob);
    } catch (e) {
      throw decodeError(file, e);
    }
    const names = schemaNames(pf);
    let helperGroups = 0;
    const wanted = opts.columns ?? names;
    const columns = opts.selectColumns?.(wanted) ?? wanted;
    const cols = columns.length === names.length ? undefined : columns;
    const groups = pf
      .metadata()
      .rowGroups()
      .map((g) => g.numRows());
    pf.free();
    pf = null;
    // refuse what cannot fit before decoding (footer row count x decoded columns), with the numbers (issue 16)
    checkFileMemory(
      file,
      groups.reduce((a, b) => a + b, 0),
      columns.length,
      opts.memoryLimit,
    );
    if (mode === 'whole' || groups.length === 0) {
      // no row groups: the (empty) table from the schema alone
      let ipc: Uint8Array;
      try {
        ipc = selectIPC(pq.readParquet(bytes, { batchSize: 131072 }).intoIPCStream(), cols);
      } catch (e) {
        throw damagedError(file, null, groups.length, e);
      }
      engine.insertArrowIPC(table, ipc, true);
    } else {
      // Synchronous reads, one row group at a time: a decoder panic on corrupt data pages is then a catchable
      // RuntimeError here (ParquetFile.read's async path throws it from a promise callback: the load never settled).
      // with a helper: it decodes groups from the last one backward while this thread decodes and inserts from the
      // first forward; where the two meet, this thread inserts the helper's groups (in file order: the table's rows
      // keep the file's order). A group the helper could not decode is decoded here.
      const helper = opts.helpers && opts.helpers.healthy && opts.helpers.size > 0 && groups.length > 1 ? opts.helpers : null;
      const fileNo = ++filesDecoded;
      const got: (Uint8Array | null | undefined)[] = []; // a helper's group: undefined until it is back, null if it failed
      let hi = groups.length, // groups [hi, G) are claimed by the helper
        inFlight = 0,
        next = 0; // the group this thread inserts next
      let wake: (() => void) | null = null;
      let over = false; // the load has ended (or failed): late replies claim nothing more
      const claim = () => {
        while (!over && helper && helper.healthy && inFlight < PARQUET_AHEAD && hi - 1 > next) {
          const g = --hi;
          inFlight++;
          helper
            .parquet({ file: fileNo, blob, group: g, batchSize: Math.max(1024, groups[g]), columns: cols })
            .then(
              (ipc) => {
                got[g] = ipc;
                helperGroups++;
              },
              () => (got[g] = null),
            )
            .finally(() => {
              inFlight--;
              claim();
              wake?.();
            });
        }
      };
      claim();
      try {
        for (let i = 0; i < groups.length; i++) {
          next = i;
          let ipc: Uint8Array | null = null;
          if (i >= hi) {
            while (got[i] === undefined) await new Promise<void>((r) => (wake = r));
            ipc = got[i]!;
            got[i] = null; // not held here after its insert
          }
          if (!ipc)
            try {
              ipc = decodeRowGroup(bytes, i, Math.max(1024, groups[i]), cols);
            } catch (e) {
              engine.run(`DROP TABLE IF EXISTS ${sqlIdent(table)}`);
              throw damagedError(file, i, groups.length, e);
            }
          engine.insertArrowIPC(table, ipc, i === 0); // the table was dropped above: the first group creates it
          if (helper) {
            await yieldToEvents(); // the helper's replies come in (each claims the next group from the back)
            next = i + 1;
            claim();
          }
        }
      } finally {
        over = true;
        // the helper's copy of the file is not needed any more (a group still in flight is decoded first: one at a time)
        if (helper && hi < groups.length) helper.parquet({ file: fileNo, blob: null, group: -1, batchSize: 0 }).catch(() => {});
      }
    }
    const rows = Number(
      engine
        .query(`SELECT count(*)::BIGINT AS n FROM ${sqlIdent(table)}`)
        .getChild('n')!
        .get(0),
    );
    return { rows, rowGroups: mode === 'whole' ? 1 : groups.length, mode, columns, fileColumns: names, helperGroups };
  } finally {
    pf?.free();
  }
}

export interface ParquetWriteOptions {
  /** zstd level is the library default; 'snappy' and 'none' for tests */
  compression?: 'zstd' | 'snappy' | 'none';
  /** rows per row group (default 122880, as DuckDB writes) */
  rowGroupSize?: number;
  /** per-column encodings (dictionary off for those columns): 'delta' for sorted / slowly varying integers */
  columnEncodings?: Record<string, 'delta' | 'byte_stream_split' | 'plain'>;
}

/** Encode an apache-arrow Table (or an Arrow IPC stream) as parquet bytes, zstd-compressed by default. */
export function tableToParquet(input: arrow.Table | Uint8Array, opts: ParquetWriteOptions = {}): Uint8Array {
  needInit();
  const ipc = input instanceof Uint8Array ? input : arrow.tableToIPC(input, 'stream');
  const wasmTable = pq.Table.fromIPCStream(ipc);
  const compression =
    opts.compression === 'none' ? pq.Compression.UNCOMPRESSED : opts.compression === 'snappy' ? pq.Compression.SNAPPY : pq.Compression.ZSTD;
  let builder = new pq.WriterPropertiesBuilder().setCompression(compression).setMaxRowGroupSize(opts.rowGroupSize ?? 122880);
  const enc = { delta: pq.Encoding.DELTA_BINARY_PACKED, byte_stream_split: pq.Encoding.BYTE_STREAM_SPLIT, plain: pq.Encoding.PLAIN };
  for (const [col, e] of Object.entries(opts.columnEncodings ?? {})) {
    builder = builder.setColumnEncoding(col, enc[e]).setColumnDictionaryEnabled(col, false);
  }
  return pq.writeParquet(wasmTable, builder.build());
}

/** Export a DuckDB query result as parquet bytes (DuckDB -> Arrow IPC -> parquet-wasm). */
export function queryToParquet(engine: SqlEngine, sql: string, opts: ParquetWriteOptions = {}): Uint8Array {
  return tableToParquet(engine.query(sql), opts);
}
