/**
 * Issue 16: a file too big for the page is refused from its parquet footer (row count x decoded columns), before a
 * single row group is decoded, with the numbers and what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFileMemory, estimateFileBytes } from './memory';
import { createNodeEngine } from './sql-engine-node';
import { initParquetNode } from './parquet-node';
import { loadParquet, tableToParquet } from './parquet';
import { queryScalar, type SqlEngine } from './sql-engine';
import { makeTable } from './test-fixtures';
import { LabError } from '../core/errors';

let engine: SqlEngine;
beforeAll(async () => {
  engine = await createNodeEngine();
  await initParquetNode();
});
afterAll(() => engine.close());

describe('memory estimate from the parquet footer (issue 16)', () => {
  it('2 x rows x columns x 8 bytes: the shared prices fit, a 500-factor panel of the same rows does not', () => {
    // shared prices: 1,800,000 rows x 8 columns -> 2*1.8e6*8*8 = 230,400,000 bytes
    expect(estimateFileBytes(1_800_000, 8)).toBe(230_400_000);
    expect(checkFileMemory('prices.parquet', 1_800_000, 8)).toBe(230_400_000);
    // 502 columns (date, ticker, 500 factors): 2*1.8e6*502*8 = 14,457,600,000 bytes = 13.5 GiB > 2 GiB
    let err: unknown;
    try {
      checkFileMemory('wide.parquet', 1_800_000, 502);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).message).toBe(
      'wide.parquet: 1,800,000 rows x 502 columns needs about 13.5 GiB to load (its footer says so), more than the 2.0 GiB this page can hold',
    );
    // columns that fit: floor(2^31 / (2*1.8e6*8)) = floor(74.6) = 74; rows with all: floor(2^31 / (2*502*8)) = floor(267,365.0) = 267,365
    expect((err as { hint?: string }).hint).toBe(
      'Split the file: fewer columns (about 74 fit with all the rows: drop unused factors), a shorter date range or fewer stocks (about 267,365 rows fit with all the columns).',
    );
  });

  it('loadParquet refuses before decoding: no table is created', async () => {
    // 100 rows x 3 columns: 2*100*3*8 = 4,800 bytes against a 4,000-byte limit
    const t = makeTable({
      date: { kind: 'date', values: Array.from({ length: 100 }, (_, i) => 18000 + i) },
      ticker: { kind: 'utf8', values: Array.from({ length: 100 }, () => 'A') },
      close: { kind: 'f64', values: Array.from({ length: 100 }, (_, i) => 10 + i) },
    });
    const bytes = tableToParquet(t);
    await expect(loadParquet(engine, 'big', bytes, { fileName: 'big.parquet', memoryLimit: 4000 })).rejects.toThrow(
      /^big\.parquet: 100 rows x 3 columns needs about 0\.0 GiB to load/,
    );
    expect(Number(queryScalar(engine, `SELECT count(*) FROM duckdb_tables() WHERE table_name = 'big'`))).toBe(0);
    // with room (4,800 <= 5,000) it loads all 100 rows
    expect((await loadParquet(engine, 'big', bytes, { fileName: 'big.parquet', memoryLimit: 5000 })).rows).toBe(100);
  });
});
