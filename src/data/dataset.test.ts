import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabError } from '../core/errors';
import { createNodeEngine } from './sql-engine-node';
import { initParquetNode } from './parquet-node';
import { tableToParquet } from './parquet';
import { loadDataset } from './dataset';
import { makeTable, priceFixture, pricesTable } from './test-fixtures';
import { tableExists, type SqlEngine } from './sql-engine';

let engine: SqlEngine;
beforeAll(async () => { engine = await createNodeEngine(); await initParquetNode(); });
afterAll(() => engine.close());

describe('loadDataset', () => {
  const rows = priceFixture(80, 3);
  const pricesBytes = () => tableToParquet(pricesTable(rows));
  const sectorsBytes = () => tableToParquet(makeTable({
    ticker: { kind: 'utf8', values: ['AAA', 'BBB', 'CCC', 'DDD', 'EEE'] },
    sector: { kind: 'utf8', values: ['Tech', 'Tech', 'Energy', 'Energy', 'Energy'] },
    sub_industry: { kind: 'utf8', values: ['Software', 'Software', 'Oil', 'Oil', 'Gas'] },
  }));

  it('prices + sectors in any order -> factor frame with industries; raw tables dropped', async () => {
    const { frame, reports } = await loadDataset(engine, [{ name: 'sectors.parquet', bytes: sectorsBytes() }, { name: 'px.parquet', bytes: pricesBytes() }], { industryLevel: 'sub_industry' });
    expect(reports.map((r) => r.shape)).toEqual(['prices', 'sectors']);
    expect(frame.source.kind).toBe('prices');
    expect(frame.industries).toEqual(['Gas', 'Oil', 'Software']);
    // default level: the two sectors
    expect((await loadDataset(engine, [{ name: 'px.parquet', bytes: pricesBytes() }, { name: 'sectors.parquet', bytes: sectorsBytes() }])).frame.industries).toEqual(['Energy', 'Tech']);
    // DDD lists on day 40, so days 0..39 have 4 stocks (< 5): left out; 40 days x 5 stocks remain
    expect(frame.nRows).toBe(40 * 5);
    expect(tableExists(engine, '_raw_0') || tableExists(engine, '_raw_1')).toBe(false);
  });

  it('a factor panel alone -> its own factors', async () => {
    const t = makeTable({
      date: { kind: 'date', values: [18000, 18000, 18000, 18000, 18000, 18001, 18001, 18001, 18001, 18001] },
      ticker: { kind: 'utf8', values: ['a', 'b', 'c', 'd', 'e', 'a', 'b', 'c', 'd', 'e'] },
      alpha: { kind: 'f64', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
      label_5: { kind: 'f64', values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] },
    });
    const { frame } = await loadDataset(engine, [{ name: 'alpha.parquet', bytes: tableToParquet(t) }]);
    expect(frame.source.kind).toBe('factors');
    expect(frame.factors.map((f) => f.name)).toEqual(['alpha']);
    expect(frame.fwd.map((h) => h.horizon)).toEqual([5]);
    expect(Array.from(frame.factors[0].values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('rejects a combination it cannot use', async () => {
    await expect(loadDataset(engine, [{ name: 's.parquet', bytes: sectorsBytes() }])).rejects.toThrow(LabError);
    await expect(loadDataset(engine, [{ name: 's.parquet', bytes: sectorsBytes() }])).rejects.toThrow(/cannot combine s\.parquet \(sectors\); expected one prices file/);
  });
});
