/**
 * loadParquet with its row groups decoded by a helper thread (cross-section-pool.ts decode, a real worker_thread):
 * the same table in the same row order, the kept columns only, and a damaged row group gives this thread's message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import { initParquetNode } from './parquet-node';
import { loadParquet, tableToParquet, type RowGroupDecoder } from './parquet';
import { createNodeEngine } from './sql-engine-node';
import { queryRows, type SqlEngine } from './sql-engine';
import { nodeCrossSectionPool } from './cross-section-pool-node';
import { parquetDecoder, type CrossSectionPool } from './cross-section-pool';
import { corruptDataPages } from '../../scripts/bad-corpus';

let engine: SqlEngine;
let pool: CrossSectionPool;
beforeAll(async () => {
  await initParquetNode();
  engine = await createNodeEngine();
  pool = nodeCrossSectionPool(1);
});
afterAll(() => pool.close());

// 3000 rows in 3 row groups of 1000; close = 10 + i % 7 + i / 1000, volume = i
const n = 3000;
const file = () =>
  tableToParquet(
    arrow.tableFromArrays({
      date: Array.from({ length: n }, (_, i) => `2019-01-${String(1 + (i % 28)).padStart(2, '0')}`),
      ticker: Array.from({ length: n }, (_, i) => `T${i % 50}`),
      close: Float64Array.from({ length: n }, (_, i) => 10 + (i % 7) + i / 1000),
      volume: Float64Array.from({ length: n }, (_, i) => i),
    }),
    { compression: 'snappy', rowGroupSize: 1000 },
  );

// parquet-damaged.test.ts's file (3 columns), whose seed-192 corruption hits row group 2: a group the helper is asked for
const file3 = () =>
  tableToParquet(
    arrow.tableFromArrays({
      date: Array.from({ length: n }, (_, i) => `2019-01-${String(1 + (i % 28)).padStart(2, '0')}`),
      ticker: Array.from({ length: n }, (_, i) => `T${i % 50}`),
      close: Float64Array.from({ length: n }, (_, i) => 10 + (i % 7) + i / 1000),
    }),
    { compression: 'snappy', rowGroupSize: 1000 },
  );

/** a decoder over the pool for `bytes` (parquetDecoder skips files under 4 MB), counting the groups it was asked for */
function decoderFor(bytes: Uint8Array, asked: number[]): RowGroupDecoder {
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  return {
    decode: (g, b, c) => {
      asked.push(g);
      return pool.decode(shared, g, b, c);
    },
  };
}

const rows = (t: string) => queryRows<Record<string, unknown>>(engine, `SELECT * FROM ${t} ORDER BY rowid`);

describe('parquet row groups decoded by a helper', () => {
  it('the same table, row for row in file order; groups 1 and 2 came from the helper', async () => {
    const bytes = file();
    await loadParquet(engine, 'here', bytes, { fileName: 'a.parquet' });
    const asked: number[] = [];
    const r = await loadParquet(engine, 'there', bytes, { fileName: 'a.parquet', decoder: decoderFor(bytes, asked) });
    expect(r.rows).toBe(3000);
    expect(asked.sort()).toEqual([1, 2]);
    expect(rows('there')).toEqual(rows('here'));
    // volume = row index: the rows kept the file's order
    expect(queryRows<{ bad: number }>(engine, 'SELECT count(*) FILTER (WHERE volume <> rowid)::INTEGER AS bad FROM there')[0].bad).toBe(0);
  });

  it('only the selected columns come back from the helper', async () => {
    const bytes = file();
    const r = await loadParquet(engine, 'sel', bytes, {
      fileName: 'a.parquet',
      selectColumns: () => ['date', 'close'],
      decoder: decoderFor(bytes, []),
    });
    expect(r.columns).toEqual(['date', 'close']);
    const s = queryRows<{ s: number; n: number }>(engine, 'SELECT sum(close)::DOUBLE AS s, count(*)::INTEGER AS n FROM sel')[0];
    // sum(close) = 3000*10 + sum(i%7) + sum(i)/1000 = 30000 + 8994 + 4498.5
    expect(s.n).toBe(3000);
    expect(s.s).toBeCloseTo(30000 + 8994 + 4498.5, 6);
  });

  it('a damaged row group: the helper fails, this thread decodes it and says which group, nothing half-loaded', async () => {
    const bad = corruptDataPages(file3(), 192);
    const asked: number[] = [];
    await expect(loadParquet(engine, 'dmg2', bad, { fileName: 'p.parquet', decoder: decoderFor(bad, asked) })).rejects.toThrow(
      /^p\.parquet is damaged \(row group 2 of 3 could not be decoded/,
    );
    expect(asked).toContain(1);
    expect(queryRows(engine, "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'dmg2'")[0].n).toBe(0);
    // a good file still loads, the same rows: the helper, whose decoder trapped, declines, and this thread decodes
    const bytes = file();
    const good = decoderFor(bytes, []);
    expect(await good.decode(1, 1000, undefined)).toBeNull();
    expect((await loadParquet(engine, 'ok2', bytes, { fileName: 'g.parquet', decoder: good })).rows).toBe(3000);
    expect(rows('ok2')).toEqual(rows('here'));
  });

  it('parquetDecoder: none for a small file or without helpers', () => {
    expect(parquetDecoder(pool, file())).toBeNull(); // under 4 MB
    expect(parquetDecoder(null, new Uint8Array(5 * 2 ** 20))).toBeNull();
    expect(parquetDecoder(pool, new Uint8Array(5 * 2 ** 20))).not.toBeNull();
  });
});
