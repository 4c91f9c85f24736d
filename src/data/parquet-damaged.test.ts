/**
 * (issue 16) A parquet file with corrupt data pages (valid magic and footer) made the decoder panic inside an async
 * callback (`RuntimeError: unreachable`): the load never settled. Now the row groups are decoded synchronously, the
 * panic is caught, the message names the file and the row group, and the decoder keeps working.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import * as pq from 'parquet-wasm/esm';
import { initParquetNode } from './parquet-node';
import { loadParquet, tableToParquet } from './parquet';
import { createNodeEngine } from './sql-engine-node';
import { queryRows, type SqlEngine } from './sql-engine';
import { corruptDataPages } from '../../scripts/bad-corpus';

let engine: SqlEngine;
beforeAll(async () => {
  await initParquetNode();
  engine = await createNodeEngine();
});

// 3000 rows in 3 row groups of 1000, snappy; close = 10 + i % 7 + i / 1000
const n = 3000;
const table = () =>
  arrow.tableFromArrays({
    date: Array.from({ length: n }, (_, i) => `2019-01-${String(1 + (i % 28)).padStart(2, '0')}`),
    ticker: Array.from({ length: n }, (_, i) => `T${i % 50}`),
    close: Float64Array.from({ length: n }, (_, i) => 10 + (i % 7) + i / 1000),
  });

describe('damaged parquet (corrupt data pages)', () => {
  it('the decoder panic becomes a message naming the file and the row group; the next file loads', async () => {
    const good = tableToParquet(table(), { compression: 'snappy', rowGroupSize: 1000 });
    // seed 192 hits row group 2's pages (found by scripts/bad-corpus.ts's search; the footer is untouched)
    const bad = corruptDataPages(good, 192);
    expect(bad.subarray(bad.length - 4)).toEqual(good.subarray(good.length - 4));
    // precondition: this file really makes the raw decoder trap (not a clean parquet error)
    expect(() => pq.readParquet(bad, { rowGroups: [1] })).toThrow(WebAssembly.RuntimeError);

    await expect(loadParquet(engine, 'dmg', bad, { fileName: 'prices-damaged.parquet' })).rejects.toThrow(
      /^prices-damaged\.parquet is damaged \(row group 2 of 3 could not be decoded: the decoder stopped on invalid data\)/,
    );
    // nothing half-loaded is left behind
    expect(queryRows(engine, "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'dmg'")[0].n).toBe(0);

    // the decoder still works: the good file loads in full; sum(close) = 3000*10 + sum(i%7) + sum(i)/1000
    //   sum(i%7) over 0..2999 = 428*21 + (0+1+2+3) = 8994 (2996 = 428*7); sum(i) = 2999*3000/2 = 4498500 -> 4498.5
    const r = await loadParquet(engine, 'ok', good, { fileName: 'good.parquet' });
    expect(r.rows).toBe(3000);
    const s = queryRows<{ s: number }>(engine, 'SELECT sum(close)::DOUBLE AS s FROM ok')[0].s;
    expect(s).toBeCloseTo(30000 + 8994 + 4498.5, 6);
  });

  it('a corrupt page the decoder reports cleanly (no panic) gets the same message shape', async () => {
    const good = tableToParquet(table(), { compression: 'snappy', rowGroupSize: 1000 });
    let seen = 0;
    for (let seed = 1; seed < 40 && seen < 3; seed++) {
      const bad = corruptDataPages(good, seed);
      try {
        await loadParquet(engine, 'dmg2', bad, { fileName: 'x.parquet' });
      } catch (e) {
        seen++;
        // a damaged footer-readable file: either a row group named, or the footer/schema could not be read
        expect(String(e)).toMatch(/x\.parquet (is damaged \(row group \d of 3 could not be decoded|: could not read it as a parquet file)/);
      }
    }
    expect(seen).toBeGreaterThan(0);
  });
});
