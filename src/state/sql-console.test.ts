/** The SQL console's state: the "building the factors table" note (once per loaded dataset) and the export action. */
import { beforeEach, describe, expect, it } from 'vitest';
import { LabError } from '../core/errors';
import { exportQueryResult, runQuery } from './actions';
import { setLabApi } from './api';
import type { DatasetSummary, LabApi, QueryResult } from './lab-api';
import { useLab } from './store';

const summary = (name: string): DatasetSummary => ({
  name,
  kind: 'prices',
  dates: { start: '2012-01-03', end: '2019-12-31', count: 2012 },
  stocks: 400,
  factors: [{ name: 'mom_20', group: 'momentum' }],
  universes: [{ name: 'all', description: 'all', avgMembers: 390 }],
  bytes: 1e6,
  edges: { dates: [], avgEdges: [] },
  industries: [],
  tables: [
    { name: 'prices', columns: ['date', 'ticker', 'close'], rows: 10 },
    { name: 'factors', columns: ['date', 'ticker', 'industry', 'universe', 'mom_20', 'fwd_1'], rows: 8, lazy: true },
  ],
  notes: [],
});

// A scripted LabApi double: query / exportQuery wait until the test releases them, recording each statement.
const calls: { kind: 'query' | 'export'; sql: string; format?: string }[] = [];
let release: (() => void)[] = [];
const later = <T>(v: () => T): Promise<T> =>
  new Promise((resolve, reject) =>
    release.push(() => {
      try {
        resolve(v());
      } catch (e) {
        reject(e);
      }
    }),
  );
let exportFails = false;
const api = {
  query: (sql: string) => {
    calls.push({ kind: 'query', sql });
    return later<QueryResult>(() => ({ columns: ['n'], rows: [[1]], totalRows: 1 }));
  },
  exportQuery: (sql: string, format: 'csv' | 'parquet') => {
    calls.push({ kind: 'export', sql, format });
    return later(() => {
      if (exportFails) throw new LabError('Export failed: out of memory.');
      return { bytes: new Uint8Array([104, 105]), rows: 1 };
    });
  },
} as unknown as LabApi;

const settle = async () => {
  await Promise.resolve();
  release.forEach((r) => r());
  release = [];
};

beforeEach(() => {
  setLabApi(api);
  calls.length = 0;
  exportFails = false;
  useLab.setState({ summary: summary('sp500.parquet'), queryResult: null, queryError: null, queryStatus: 'idle', queryActivity: null });
});

describe('SQL console state', () => {
  it('says it builds the factors table while the first query naming it runs, once per loaded dataset', async () => {
    let p = runQuery('SELECT * FROM factors LIMIT 5');
    expect(useLab.getState().queryActivity).toBe('Building the factors table from the panel (first query only)…');
    await settle();
    await p;
    expect(useLab.getState()).toMatchObject({ queryActivity: null, queryStatus: 'idle' });
    expect(useLab.getState().queryResult?.sql).toBe('SELECT * FROM factors LIMIT 5');
    // built: the second query says nothing; a query on the file's table never did
    p = runQuery('SELECT count(*) FROM Factors');
    expect(useLab.getState().queryActivity).toBeNull();
    await settle();
    await p;
    p = runQuery('SELECT * FROM prices');
    expect(useLab.getState().queryActivity).toBeNull();
    await settle();
    await p;
    // a new load (a new summary): built again, said again
    useLab.setState({ summary: summary('sp500.parquet') });
    p = runQuery('SELECT * FROM factors');
    expect(useLab.getState().queryActivity).toMatch(/^Building the factors table/);
    await settle();
    await p;
  });

  it('exports the statement of the result shown (not the edited text), named after the dataset', async () => {
    const q = runQuery('SELECT * FROM factors');
    await settle();
    await q;
    useLab.getState().setSql('SELECT 1 -- edited, not run');
    const p = exportQueryResult('parquet');
    expect(useLab.getState().queryExport).toBe('parquet');
    expect(await exportQueryResult('csv')).toBeNull(); // one export at a time
    await settle();
    const r = await p;
    expect(r).toEqual({ name: 'sp500-sql.parquet', bytes: new Uint8Array([104, 105]), rows: 1 });
    expect(calls.filter((c) => c.kind === 'export')).toEqual([{ kind: 'export', sql: 'SELECT * FROM factors', format: 'parquet' }]);
    expect(useLab.getState().queryExport).toBeNull();
  });

  it('a failed export shows its error in the console and returns nothing', async () => {
    const q = runQuery('SELECT * FROM prices');
    await settle();
    await q;
    exportFails = true;
    const p = exportQueryResult('csv');
    await settle();
    expect(await p).toBeNull();
    expect(useLab.getState().queryError?.message).toBe('Export failed: out of memory.');
    expect(useLab.getState().queryExport).toBeNull();
    // nothing to export without a result
    useLab.setState({ queryResult: null });
    expect(await exportQueryResult('csv')).toBeNull();
  });
});
