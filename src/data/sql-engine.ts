/**
 * The SQL engine contract: a synchronous DuckDB-WASM connection ("blocking" bindings).
 * Node (tests, headless runner) uses duckdb-node-blocking; the browser uses duckdb-browser-blocking inside
 * the lab's own Web Worker, so the API can stay synchronous on both runtimes.
 *
 * Results are parsed with the project's apache-arrow (21), not the copy bundled inside duckdb-wasm (17):
 * the engine asks the bindings for raw Arrow IPC bytes (`runQuery`) and decodes them here.
 */
import * as arrow from 'apache-arrow';
import { LabError } from '../core/errors';

export interface SqlEngine {
  /** run a query and return its result as an Arrow table */
  query(sql: string): arrow.Table;
  /**
   * run a query and yield its result batch by batch (DuckDB streams it: the whole result is never materialised,
   * neither in wasm memory nor as one IPC buffer); consume the iterator fully before the next statement
   */
  stream(sql: string): Iterable<arrow.RecordBatch>;
  /** run a statement (or several separated by `;`), discarding any result */
  run(sql: string): void;
  /**
   * insert an Arrow IPC stream into `table`: creates the table if it does not exist, else appends (`create`: skip
   * the existence check, the caller knows: true creates, false appends)
   */
  insertArrowIPC(table: string, ipc: Uint8Array, create?: boolean): void;
  /**
   * make `bytes` readable by SQL as the virtual file `name` (e.g. `read_csv('name', ...)`); DuckDB-WASM copies them
   * into its own memory, held until dropFile
   */
  registerFile(name: string, bytes: Uint8Array): void;
  /** forget a file given to registerFile (no-op if unknown) */
  dropFile(name: string): void;
  /** close the connection and release the database */
  close(): void;
  /** DuckDB library version, e.g. 'v1.4.3' */
  readonly version: string;
}

/** The subset of DuckDB-WASM's blocking bindings the engine needs (same on node and browser). */
export interface BlockingBindings {
  open(config: Record<string, unknown>): void;
  connect(): { close(): void; useUnsafe<R>(cb: (bindings: any, conn: number) => R): R };
  getVersion(): string;
  runQuery(conn: number, text: string): Uint8Array;
  startPendingQuery(conn: number, text: string, allowStreamResult: boolean): Uint8Array | null;
  pollPendingQuery(conn: number): Uint8Array | null;
  fetchQueryResults(conn: number): Uint8Array | null;
  insertArrowFromIPCStream(conn: number, buffer: Uint8Array, options?: { name: string; schema?: string; create?: boolean }): void;
  registerFileBuffer(name: string, buffer: Uint8Array): void;
  dropFile(name: string): void;
  reset(): void;
}

/** Statements every engine runs first: a missing extension must be a clean error, never a download attempt. */
export const ENGINE_INIT_SQL = ['SET autoload_known_extensions=false', 'SET autoinstall_known_extensions=false'];

/** Wrap opened blocking bindings into a SqlEngine (shared by the node and browser factories). */
export function engineFromBindings(db: BlockingBindings): SqlEngine {
  db.open({ query: { castBigIntToDouble: false } });
  const conn = db.connect();
  const connId = conn.useUnsafe((_b, id) => id);
  let closed = false;
  /** a streamed result is being read (its reader may await between batches: nothing else may run meanwhile) */
  let streaming = false;
  const check = () => {
    if (closed) throw new Error('SqlEngine is closed');
    if (streaming)
      throw new LabError(
        'The database is busy reading a result (the dataset is still loading); run this again when the load has finished.',
      );
  };
  /** a query's result batch by batch: the schema message, then one IPC message per chunk until an empty buffer */
  function* streamBatches(sql: string): Generator<arrow.RecordBatch> {
    let header = db.startPendingQuery(connId, sql, true);
    while (header === null) header = db.pollPendingQuery(connId);
    function* messages(): Generator<Uint8Array> {
      yield header!;
      for (;;) {
        let m: Uint8Array | null = null;
        do m = db.fetchQueryResults(connId);
        while (m === null);
        if (m.length === 0) return;
        yield m;
      }
    }
    const reader = arrow.RecordBatchReader.from(messages());
    for (const batch of reader) yield batch;
  }
  const engine: SqlEngine = {
    version: db.getVersion(),
    query(sql: string): arrow.Table {
      check();
      return arrow.tableFromIPC(db.runQuery(connId, sql));
    },
    *stream(sql: string): Iterable<arrow.RecordBatch> {
      check();
      streaming = true;
      try {
        yield* streamBatches(sql);
      } finally {
        streaming = false;
      }
    },
    run(sql: string): void {
      check();
      db.runQuery(connId, sql);
    },
    insertArrowIPC(table: string, ipc: Uint8Array, create?: boolean): void {
      check();
      db.insertArrowFromIPCStream(connId, ipc, { name: table, create: create ?? !tableExists(engine, table) });
    },
    registerFile(name: string, bytes: Uint8Array): void {
      check();
      db.registerFileBuffer(name, bytes);
    },
    dropFile(name: string): void {
      check();
      db.dropFile(name);
    },
    close(): void {
      if (closed) return;
      closed = true;
      conn.close();
      db.reset();
    },
  };
  for (const s of ENGINE_INIT_SQL) engine.run(s);
  return engine;
}

/** SQL string literal: 'it''s' */
export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** SQL identifier: "my col" */
export const sqlIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/**
 * true if a table or view named `name` exists (main or temp schema): a query that reads no row of it binds or fails
 * with the catalog's "does not exist" (any other error is thrown). Was a query of duckdb_tables() and duckdb_views(),
 * whose first call cost 60-120 ms once the full shared dataset was loaded.
 */
export function tableExists(engine: SqlEngine, name: string): boolean {
  try {
    engine.query(`SELECT * FROM ${sqlIdent(name)} LIMIT 0`);
    return true;
  } catch (e) {
    if (e instanceof Error && /Catalog Error: (Table|Table or view) with name .* does not exist/.test(e.message)) return false;
    throw e;
  }
}

/** Rows of a query as plain objects (small results only: validation messages, stats). */
export function queryRows<T = Record<string, unknown>>(engine: SqlEngine, sql: string): T[] {
  return engine
    .query(sql)
    .toArray()
    .map((r) => r.toJSON() as T);
}

/** One scalar from a query (first column of the first row), BigInt converted to number. */
export function queryScalar(engine: SqlEngine, sql: string): unknown {
  const t = engine.query(sql);
  if (t.numRows === 0 || t.numCols === 0) return null;
  const v = t.getChildAt(0)!.get(0);
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Column names and DuckDB type names of a table, in table order. */
export function describeColumns(engine: SqlEngine, table: string): { name: string; type: string }[] {
  return queryRows<{ column_name: string; column_type: string }>(engine, `DESCRIBE ${sqlIdent(table)}`).map((r) => ({
    name: r.column_name,
    type: r.column_type,
  }));
}
