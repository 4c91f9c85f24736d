/**
 * loadParquet with a helper decoding row groups ahead (parquet-helper.ts, through a real worker_thread pool): the
 * same table as decoding on this thread; a damaged file gets the same message and leaves the pool usable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import { initParquetNode } from './parquet-node';
import { loadParquet, tableToParquet } from './parquet';
import { createNodeEngine } from './sql-engine-node';
import { queryRows, type SqlEngine } from './sql-engine';
import { nodeCrossSectionPool } from './cross-section-pool-node';
import type { CrossSectionPool } from './cross-section-pool';
import { corruptDataPages } from '../../scripts/bad-corpus';

let engine: SqlEngine;
let real: CrossSectionPool;
/** the pool as it is, counting the row groups it was asked for and those its helper decoded (per file) */
const asked: number[] = [];
const decoded = new Map<number, number>();
const lastFile = () => Math.max(...decoded.keys());
let released = 0;
let pool: CrossSectionPool;
beforeAll(async () => {
  await initParquetNode();
  engine = await createNodeEngine();
  real = nodeCrossSectionPool(2);
  pool = new Proxy(real, {
    get: (t, k) =>
      k === 'parquet'
        ? (job: Parameters<CrossSectionPool['parquet']>[0]) => {
            if (job.group < 0) {
              released++; // the end of a load: the helper drops its copy of the file
              return t.parquet(job);
            }
            asked.push(job.group);
            return t.parquet(job).then((ipc) => {
              decoded.set(job.file, (decoded.get(job.file) ?? 0) + 1);
              return ipc;
            });
          }
        : Reflect.get(t, k),
  });
});
afterAll(() => {
  real.close();
  engine.close();
});

// 5000 rows in 5 row groups of 1000: close = 10 + i % 7 + i / 1000, volume = i, a text column dropped by selectColumns
const n = 5000;
const file = () =>
  tableToParquet(
    arrow.tableFromArrays({
      date: Array.from({ length: n }, (_, i) => `2019-01-${String(1 + (i % 28)).padStart(2, '0')}`),
      ticker: Array.from({ length: n }, (_, i) => `T${i % 50}`),
      close: Float64Array.from({ length: n }, (_, i) => 10 + (i % 7) + i / 1000),
      volume: Float64Array.from({ length: n }, (_, i) => i),
      note: Array.from({ length: n }, (_, i) => `row ${i}`),
    }),
    { compression: 'snappy', rowGroupSize: 1000 },
  );
const keep = (names: string[]) => names.filter((c) => c !== 'note');
const rowsOf = (t: string) =>
  queryRows<{ h: string }>(
    engine,
    `SELECT md5(string_agg(concat_ws('|', date, ticker, close, volume), ',' ORDER BY rowid)) AS h FROM ${t}`,
  )[0].h;

describe('loadParquet with a helper decoding ahead', () => {
  it('gives the table decoding here gives (rows in file order, the columns kept), the helper decoding the last groups', async () => {
    const bytes = file();
    expect((await loadParquet(engine, 'here', bytes, { fileName: 'p.parquet', selectColumns: keep })).helperGroups).toBe(0);
    asked.length = 0;
    const r = await loadParquet(engine, 'helped', bytes, { fileName: 'p.parquet', selectColumns: keep, helpers: pool });
    expect(r.rows).toBe(n);
    expect(r.columns).toEqual(['date', 'ticker', 'close', 'volume']);
    expect([r.rowGroups, r.helperGroups]).toEqual([5, asked.length]);
    expect(released).toBe(1); // and was told the load had ended
    // the helper takes groups from the last backward (this thread from the first forward): a descending run ending
    // at group 4, each asked once, and never group 0 (this thread's first); every group it was asked it decoded
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(asked).toEqual(Array.from({ length: asked.length }, (_, k) => 4 - k));
    expect(asked).not.toContain(0);
    expect(decoded.get(lastFile())).toBe(asked.length);
    expect(rowsOf('helped')).toBe(rowsOf('here'));
    // sum(close) = 5000*10 + sum(i%7) + sum(i)/1000: sum(i%7) over 0..4999 = 714*21 + (0+1) = 14995 (4998 = 714*7),
    // sum(i) = 4999*5000/2 = 12497500 -> 12497.5; and sum(volume) = 12497500
    const s = queryRows<{ c: number; v: number }>(engine, 'SELECT sum(close)::DOUBLE AS c, sum(volume)::DOUBLE AS v FROM helped')[0];
    expect(s.c).toBeCloseTo(50000 + 14995 + 12497.5, 6);
    expect(s.v).toBe(12497500);
  });

  it('a damaged file: the same message as without a helper, nothing left behind, and the pool keeps working', async () => {
    const good = file();
    const bad = corruptDataPages(good, 192);
    const msg = await loadParquet(engine, 'dmg', bad, { fileName: 'd.parquet' }).then(
      () => 'loaded',
      (e: Error) => e.message,
    );
    expect(msg).toMatch(/^d\.parquet is damaged \(row group \d of 5 could not be decoded/);
    await expect(loadParquet(engine, 'dmg', bad, { fileName: 'd.parquet', helpers: pool })).rejects.toThrow(msg);
    expect(queryRows(engine, "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'dmg'")[0].n).toBe(0);
    expect(real.healthy).toBe(true);
    asked.length = 0;
    await loadParquet(engine, 'again', good, { fileName: 'p.parquet', selectColumns: keep, helpers: pool });
    expect(rowsOf('again')).toBe(rowsOf('here'));
    // the helper's decoder still works after the damaged file: it decoded every group it was asked for
    expect(asked.length).toBeGreaterThanOrEqual(1);
    expect(decoded.get(lastFile())).toBe(asked.length);
  });
});
