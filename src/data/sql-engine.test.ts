import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import { createNodeEngine } from './sql-engine-node';
import { describeColumns, queryRows, queryScalar, sqlIdent, sqlString, tableExists, type SqlEngine } from './sql-engine';

let engine: SqlEngine;
beforeAll(async () => {
  engine = await createNodeEngine();
});
afterAll(() => engine.close());

describe('SqlEngine (DuckDB-WASM blocking, node)', () => {
  it('runs DuckDB 1.4 and returns apache-arrow 21 tables', () => {
    expect(engine.version).toMatch(/^v1\.4\./);
    const t = engine.query(`SELECT 1 + 2 AS three, 'x' AS s, DATE '2020-01-02' - DATE '1970-01-01' AS days`);
    expect(t).toBeInstanceOf(arrow.Table); // the project's arrow, not duckdb-wasm's bundled copy
    expect(t.getChild('three')!.get(0)).toBe(3);
    expect(t.getChild('s')!.get(0)).toBe('x');
    expect(Number(t.getChild('days')!.get(0))).toBe(18263); // 2020-01-02 is day 18263 since 1970-01-01
  });

  it('turns extension autoload and autoinstall off, so a missing extension is a clean error', () => {
    expect(queryScalar(engine, `SELECT current_setting('autoload_known_extensions')`)).toBe(false);
    expect(queryScalar(engine, `SELECT current_setting('autoinstall_known_extensions')`)).toBe(false);
    // the parquet extension is not built into DuckDB-WASM 1.32: an error, not a download attempt or a crash
    expect(() => engine.query(`SELECT * FROM read_parquet('nowhere.parquet')`)).toThrow();
    expect(queryScalar(engine, 'SELECT 42')).toBe(42); // the engine still works afterwards
  });

  it('insertArrowIPC creates a table, then appends to it', () => {
    const t = arrow.tableFromArrays({ a: new Float64Array([1, 2, 3]), b: ['p', 'q', 'r'] });
    const ipc = arrow.tableToIPC(t, 'stream');
    engine.insertArrowIPC('ins_t', ipc);
    expect(tableExists(engine, 'ins_t')).toBe(true);
    engine.insertArrowIPC('ins_t', ipc);
    // 3 rows inserted twice: 6 rows, sum(a) = 2 * (1 + 2 + 3) = 12
    expect(queryRows(engine, 'SELECT count(*)::INTEGER AS n, sum(a) AS s FROM ins_t')[0]).toEqual({ n: 6, s: 12 });
    expect(describeColumns(engine, 'ins_t')).toEqual([
      { name: 'a', type: 'DOUBLE' },
      { name: 'b', type: 'VARCHAR' },
    ]);
  });

  it('streams a result batch by batch', () => {
    let rows = 0,
      sum = 0,
      batches = 0;
    for (const b of engine.stream('SELECT i::DOUBLE AS x FROM range(10000) t(i)')) {
      batches++;
      rows += b.numRows;
      for (const v of b.getChild('x')!) sum += v as number;
    }
    // 0 + 1 + ... + 9999 = 9999 * 10000 / 2 = 49,995,000, in DuckDB chunks of 2048 rows -> 5 batches
    expect({ rows, sum, batches }).toEqual({ rows: 10000, sum: 49_995_000, batches: 5 });
    expect(queryScalar(engine, 'SELECT 1')).toBe(1); // the connection is free again
  });

  it('refuses other statements while a stream is open (its reader may await between batches), free again after it', async () => {
    const it1 = engine.stream('SELECT i::DOUBLE AS x FROM range(5000) t(i)')[Symbol.iterator]();
    expect(it1.next().value!.numRows).toBe(2048);
    await new Promise((r) => setTimeout(r, 0)); // what the parallel factor pass does between batches
    // a statement now would end DuckDB's pending result under the reader: a clear error instead, the stream goes on
    expect(() => engine.query('SELECT 1')).toThrow(/busy reading a result/);
    expect(() => engine.run('CREATE TABLE busy_t (x INT)')).toThrow(/busy reading a result/);
    expect(() => engine.stream('SELECT 2')[Symbol.iterator]().next()).toThrow(/busy reading a result/);
    let rows = 2048;
    for (let r = it1.next(); !r.done; r = it1.next()) rows += r.value.numRows;
    expect(rows).toBe(5000);
    expect(queryScalar(engine, 'SELECT 1')).toBe(1);
    expect(tableExists(engine, 'busy_t')).toBe(false);
    // a reader that stops early (break, an error) ends the stream too
    for (const b of engine.stream('SELECT i FROM range(5000) t(i)')) if (b.numRows > 0) break;
    expect(queryScalar(engine, 'SELECT 2')).toBe(2);
  });

  it('runs several statements in one call and quotes identifiers and strings', () => {
    engine.run(`CREATE TABLE ${sqlIdent('odd "name"')} (v INTEGER); INSERT INTO ${sqlIdent('odd "name"')} VALUES (5), (7)`);
    expect(queryScalar(engine, `SELECT sum(v)::INTEGER FROM ${sqlIdent('odd "name"')}`)).toBe(12);
    expect(queryScalar(engine, `SELECT ${sqlString("it's")}`)).toBe("it's");
    expect(tableExists(engine, 'no_such_table')).toBe(false);
    expect(tableExists(engine, 'odd "name"')).toBe(true);
    engine.run('CREATE TEMP TABLE te_tmp (x INT); CREATE VIEW te_view AS SELECT 1 AS x');
    expect(tableExists(engine, 'te_tmp')).toBe(true);
    expect(tableExists(engine, 'te_view')).toBe(true);
    expect(tableExists(engine, 'te_vie')).toBe(false); // a near name is not the table ('Did you mean' in the error)
  });
});
