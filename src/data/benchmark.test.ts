import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as arrow from 'apache-arrow';
import { LabError } from '../core/errors';
import { isoToDay } from '../core/dates';
import { createNodeEngine } from './sql-engine-node';
import { initParquetNode } from './parquet-node';
import { tableToParquet } from './parquet';
import { parseBenchmark } from './benchmark';
import type { SqlEngine } from './sql-engine';
import { makeTable } from './test-fixtures';

let engine: SqlEngine;
beforeAll(async () => {
  engine = await createNodeEngine();
  await initParquetNode();
});
afterAll(() => engine.close());

const parse = (t: arrow.Table, file = 'spy.parquet') => parseBenchmark(engine, tableToParquet(t), file);
const days = (iso: string[]) => ({ kind: 'date' as const, values: iso.map(isoToDay) });

async function rejects(t: arrow.Table, ...parts: string[]): Promise<void> {
  const err = await parse(t).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabError);
  for (const p of parts) expect((err as Error).message).toContain(p);
}

describe('parseBenchmark', () => {
  it('turns 5 unsorted close levels into 4 daily returns (first day dropped)', async () => {
    // sorted: 01-06 100, 01-07 102, 01-08 99.96, 01-09 104.958, 01-10 104.958
    //   r(01-07) = 102 / 100 - 1       = 0.02
    //   r(01-08) = 99.96 / 102 - 1     = -0.02
    //   r(01-09) = 104.958 / 99.96 - 1 = 0.05
    //   r(01-10) = 104.958 / 104.958 - 1 = 0
    const s = await parse(
      makeTable({
        date: days(['2020-01-08', '2020-01-06', '2020-01-10', '2020-01-07', '2020-01-09']),
        close: { kind: 'f64', values: [99.96, 100, 104.958, 102, 104.958] },
      }),
    );
    expect(s.name).toBe('spy.parquet');
    expect(s.dates).toEqual(['2020-01-07', '2020-01-08', '2020-01-09', '2020-01-10']);
    expect(s.rows).toBe(4);
    expect([s.first, s.last]).toEqual(['2020-01-07', '2020-01-10']);
    const want = [0.02, -0.02, 0.05, 0];
    for (let i = 0; i < 4; i++) expect(s.ret[i]).toBeCloseTo(want[i], 12);
  });

  it('passes a return column through (ISO string dates, sorted)', async () => {
    const s = await parse(
      makeTable({
        date: { kind: 'utf8', values: ['2021-03-02', '2021-03-01', '2021-03-03'] },
        ret: { kind: 'f64', values: [-0.01, 0.015, 0.0025] },
        close: { kind: 'f64', values: [1, 2, 3] }, // a return column wins over a price column
      }),
    );
    expect(s.dates).toEqual(['2021-03-01', '2021-03-02', '2021-03-03']);
    expect(Array.from(s.ret)).toEqual([0.015, -0.01, 0.0025]);
    expect(s.rows).toBe(3);
  });

  it('names the columns found when date or value is missing', async () => {
    await rejects(
      makeTable({ day: days(['2020-01-01']), close: { kind: 'f64', values: [1] } }),
      "missing column 'date'",
      'day (DATE)',
      'close (DOUBLE)',
    );
    await rejects(
      makeTable({ date: days(['2020-01-01']), level: { kind: 'f64', values: [1] } }),
      'missing value column',
      'level (DOUBLE)',
      "'return' or 'ret'",
      "'close', 'price' or 'adj_close'",
    );
  });

  it('reports NaN / null values with their count and first date', async () => {
    await rejects(
      makeTable({
        date: days(['2020-01-03', '2020-01-01', '2020-01-02', '2020-01-06']),
        return: { kind: 'f64', values: [NaN, 0.01, null, 0.02] },
      }),
      "column 'return' has 2 of 4 value(s)",
      'first on 2020-01-02',
    );
  });

  it('reports duplicate dates with their count and the first one', async () => {
    await rejects(
      makeTable({
        date: days(['2020-01-02', '2020-01-01', '2020-01-02', '2020-01-03', '2020-01-03']),
        ret: { kind: 'f64', values: [0, 0, 0, 0, 0] },
      }),
      '2 date(s) appear more than once',
      'first 2020-01-02',
      '5 rows',
    );
  });

  it('rejects an empty file and non-positive prices', async () => {
    await rejects(makeTable({ date: days([]), ret: { kind: 'f64', values: [] } }), 'the file is empty (0 rows)');
    await rejects(
      makeTable({
        date: days(['2020-01-01', '2020-01-02', '2020-01-03']),
        price: { kind: 'f64', values: [10, 0, -1] },
      }),
      "column 'price' has 2 of 3 price(s) <= 0",
      'first on 2020-01-02',
    );
  });
});
