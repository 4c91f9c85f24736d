/**
 * The SQL console's panel tables and exports through the worker protocol in Node: LabClient <-> structuredClone <->
 * dispatcher (the one worker.ts runs), real DuckDB-WASM and parquet-wasm, a synthetic market.
 */
import { describe, expect, it } from 'vitest';
import { LabClient, type WorkerLike } from './client';
import { createDispatcher } from './dispatcher';
import { nodeWorkerEnv } from './node-io';
import { defaultRun } from '../core/run';
import { initParquetNode } from '../data/parquet-node';
import { parquetToTable } from '../data/parquet';
import { createNodeEngine } from '../data/sql-engine-node';
import { panelFromSynthetic } from '../data/synthetic';
import { listTables } from './dataset';
import { lazyTableInfo, PanelSqlTables } from './sql-tables';

function inProcessWorker(): WorkerLike {
  const listeners: ((e: MessageEvent) => void)[] = [];
  const dispatch = createDispatcher(nodeWorkerEnv(), (msg, transfer) => {
    const m = structuredClone(msg, { transfer });
    setImmediate(() => listeners.forEach((l) => l({ data: m } as MessageEvent)));
  });
  return {
    postMessage: (msg, transfer) => {
      const m = structuredClone(msg, { transfer });
      setImmediate(() => void dispatch(m as never));
    },
    addEventListener: (_t, l) => {
      listeners.push(l);
    },
  };
}

const client = new LabClient(inProcessWorker(), { baseUrl: 'http://localhost/lab/' });
const market = (seed: number) => ({
  kind: 'synthetic' as const,
  name: 'synthetic',
  synthetic: { nStocks: 40, nDays: 260, nFactors: 6, seed },
});
const prep = { ...defaultRun.preprocessing, minHistory: 20 };
const num = (v: unknown) => Number(v);

describe('factors / prices tables and exports through the worker', () => {
  it('lists the lazy tables, builds factors on the first query that names it, once per panel', async () => {
    const s = await client.loadDataset(market(1), prep);
    const factors = s.tables.find((t) => t.name === 'factors')!;
    expect(factors).toMatchObject({
      lazy: true,
      columns: ['date', 'ticker', 'industry', 'universe', ...s.factorNames, 'fwd_1', 'fwd_5', 'fwd_10', 'fwd_20'],
    });
    expect(s.tables.find((t) => t.name === 'prices')).toMatchObject({
      lazy: true,
      columns: ['date', 'ticker', 'industry', 'close', 'ret'],
    });
    const q1 = await client.query('SELECT count(*) AS n, count(DISTINCT date) AS d FROM factors');
    expect(q1.notes?.[0]).toMatch(/^factors table built from the panel: [\d,]+ rows in [\d.]+ s$/);
    expect(num(q1.rows[0][0])).toBe(factors.rows);
    expect(num(q1.rows[0][1])).toBeGreaterThan(0);
    const q2 = await client.query('SELECT * FROM factors ORDER BY date, ticker LIMIT 5');
    expect(q2.notes).toBeUndefined(); // built once
    expect(q2.columns.map((c) => c.name)).toEqual(factors.columns);
    expect(q2.rows).toHaveLength(5);
    expect(q2.rows[0][0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // prices: built on its own first mention; closes start at 100
    const p = await client.query('SELECT count(*) AS n, min(close) FILTER (WHERE ret IS NULL) AS c0 FROM prices');
    expect(p.notes?.[0]).toMatch(/^prices table built/);
    expect(num(p.rows[0][0])).toBe(s.tables.find((t) => t.name === 'prices')!.rows);
    expect(p.rows[0][1]).toBe(100);
  });

  it('exports the whole result as CSV and parquet, the same values as the query', async () => {
    const sql = `SELECT date, ticker, universe, fwd_5, * EXCLUDE (date, ticker, universe, fwd_5) FROM factors ORDER BY date, ticker`;
    const q = await client.query(sql);
    expect(q.truncated).toBe(true); // more than the console's 1000 rows: the export must hold them all
    const csv = await client.exportQuery(sql, 'csv');
    expect(csv.rows).toBe(q.totalRows);
    const lines = new TextDecoder().decode(csv.bytes).split('\n');
    expect(lines.at(-1)).toBe(''); // ends with a newline
    expect(lines).toHaveLength(q.totalRows + 2);
    expect(lines[0]).toBe(q.columns.map((c) => c.name).join(','));
    // every shown row is the CSV row: dates as YYYY-MM-DD, FLOAT values read back to the same float32, NULL empty
    let diff = 0;
    q.rows.forEach((row, i) => {
      const cells = lines[i + 1].split(',');
      row.forEach((v, j) => {
        if (v === null) diff += cells[j] === '' ? 0 : 1;
        else if (typeof v === 'number') diff += Math.fround(Number(cells[j])) === Math.fround(v) ? 0 : 1;
        else diff += cells[j] === String(v) ? 0 : 1;
      });
    });
    expect(diff).toBe(0);
    expect(lines[1].split(',')[3].length).toBeLessThan(14); // float32 text, not 0.012345678918063641

    await initParquetNode();
    const pq = await client.exportQuery(sql, 'parquet');
    expect(pq.rows).toBe(q.totalRows);
    const t = parquetToTable(pq.bytes);
    expect(t.numRows).toBe(q.totalRows);
    expect(t.schema.fields.map((f) => f.name)).toEqual(q.columns.map((c) => c.name));
    expect(t.getChild('ticker')!.get(999)).toBe(q.rows[999][1]);
    expect(t.getChild('fwd_5')!.get(0)).toBe(q.rows[0][3]);
  });

  it('a new panel rebuilds the factors table', async () => {
    const before = await client.query('SELECT sum(fwd_1) AS s FROM factors');
    await client.loadDataset(market(2), prep);
    const after = await client.query('SELECT sum(fwd_1) AS s FROM factors');
    expect(after.notes?.[0]).toMatch(/^factors table built/);
    expect(after.rows[0][0]).not.toBe(before.rows[0][0]);
  });
});

describe('PanelSqlTables.prepare (real DuckDB-WASM)', () => {
  it("creates the file's tables only when a query may need them; a synthetic market drops a file's stale tables", async () => {
    const engine = await createNodeEngine();
    try {
      const file = panelFromSynthetic({ nStocks: 20, nDays: 120, nFactors: 6, seed: 2 }, prep);
      const filePanel = { ...file, source: { ...file.source, kind: 'prices' as const } };
      const t = new PanelSqlTables();
      t.loaded(filePanel);
      let hydrations = 0;
      // after a panel-cache hit the file's prices table is created from the file on demand (here: a stand-in table)
      const hydrate = async () => {
        hydrations++;
        engine.run('CREATE OR REPLACE TABLE prices AS SELECT 1 AS close; CREATE OR REPLACE TABLE sectors AS SELECT 1 AS s');
      };
      const files = [{ name: 'prices' }, { name: 'sectors' }];
      // a query on factors alone: built from the panel, the file is not decoded again
      let r = await t.prepare(engine, 'SELECT count(*) FROM factors', filePanel, files, hydrate);
      expect(r).toMatchObject({ hydrated: false });
      expect(r.notes).toHaveLength(1);
      // a join with the file's table: the file's tables are created; factors is not rebuilt
      r = await t.prepare(engine, 'SELECT * FROM factors JOIN prices USING (ticker)', filePanel, files, hydrate);
      expect(r).toEqual({ hydrated: true, notes: [] });
      // a query naming no table (DESCRIBE, SHOW TABLES) gets the file's tables too
      r = await t.prepare(engine, 'SHOW TABLES', filePanel, files, hydrate);
      expect(hydrations).toBe(2);
      // a file's prices table wins over the synthetic prices table: never built for a file
      expect(lazyTableInfo(filePanel).map((x) => x.name)).toEqual(['factors']);

      // then a synthetic market: the file's tables go, its own prices table is built from the panel
      const synth = panelFromSynthetic({ nStocks: 20, nDays: 120, nFactors: 6, seed: 3 }, prep);
      t.loaded(synth);
      r = await t.prepare(engine, 'SELECT * FROM prices', synth, [], null);
      expect(r.notes[0]).toMatch(/^prices table built/);
      const names = listTables(engine).map((x) => x.name);
      expect(names).toEqual(['prices']); // sectors (and the old factors) dropped
      expect(listTables(engine)[0].columns).toEqual(['date', 'ticker', 'industry', 'close', 'ret']);
    } finally {
      engine.close();
    }
  });
});
