/**
 * Issue 16: a file too big for the page is refused from its parquet footer (row count x decoded columns), before a
 * single row group is decoded, with the numbers and what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFileMemory, estimateCsvRows, estimateFileBytes, gzipTextSize } from './memory';
import { loadCsv } from './csv';
import { gzipSync } from 'fflate';
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

describe('memory estimate of a CSV (no footer: rows from the size and the first lines)', () => {
  it('rows = (text bytes - header line) / mean data line, whole lines of the head only', () => {
    // header 'date,ticker,close,vol\n' = 22 bytes; 4 data lines of 29 + 1 bytes; a partial 5th line is ignored
    const line = '2019-01-02,AAAA,101.25,123456'; // 29 bytes
    const head = `date,ticker,close,vol\n${line}\n${line}\n${line}\n${line}\n2019-01`;
    // (1,000,000 - 22) / 30 = 33,332.6 -> 33,332
    expect(estimateCsvRows(1_000_000, head)).toBe(33_332);
    expect(estimateCsvRows(1_000, 'date,ticker')).toBe(0); // no line after the header
  });

  it('gzip: the decompressed size from the trailer (ISIZE), at least the compressed size', () => {
    const text = new TextEncoder().encode('date,ticker,close\n' + '2019-01-02,AAAA,1.5\n'.repeat(5000));
    const gz = gzipSync(text);
    expect(gz.length).toBeLessThan(text.length);
    expect(gzipTextSize(gz)).toBe(text.length);
    expect(gzipTextSize(new Uint8Array(10))).toBe(10);
  });

  it('loadCsv refuses a plain and a gzip file that cannot fit before DuckDB reads them; with room they load', async () => {
    // 200 rows x 3 columns: header 'date,ticker,close\n' (18 bytes) + 200 lines of '2019-01-02,AAAA,1.5\n' (20 bytes)
    // -> (4,018 - 18) / 20 = 200 rows, 2 * 200 * 3 * 8 = 9,600 bytes
    const rows = Array.from({ length: 200 }, () => '2019-01-02,AAAA,1.5').join('\n');
    const bytes = new TextEncoder().encode(`date,ticker,close\n${rows}\n`);
    expect(bytes.length).toBe(4018);
    for (const [name, data] of [
      ['big.csv', bytes],
      ['big.csv.gz', gzipSync(bytes)],
    ] as const) {
      await expect(loadCsv(engine, 'bigcsv', data, { fileName: name, memoryLimit: 9000 })).rejects.toThrow(
        new RegExp(
          `^${name.replace(/[.]/g, '\\.')}: 200 rows x 3 columns needs about 0\\.0 GiB to load \\(estimated from its ${name.endsWith('gz') ? 'decompressed ' : ''}size`,
        ),
      );
      expect(Number(queryScalar(engine, `SELECT count(*) FROM duckdb_tables() WHERE table_name = 'bigcsv'`))).toBe(0);
      expect((await loadCsv(engine, 'bigcsv', data, { fileName: name, memoryLimit: 9600 })).rows).toBe(200);
    }
  });
});
