/**
 * CSV input (csv.ts, table-file.ts) on the real DuckDB-WASM engine: small CSV files written in the test, read by
 * DuckDB's read_csv over a registered buffer, then through the same validators as parquet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { LabError } from '../core/errors';
import { createNodeEngine } from './sql-engine-node';
import { initParquetNode } from './parquet-node';
import { tableToParquet } from './parquet';
import { loadCsv, detectDelimiter, splitCsvLine } from './csv';
import { loadTableFile } from './table-file';
import { detectTableFormat } from './table-format';
import { pricesInputColumns, validateFactorPanel, validateInput, validatePrices, validateSectors } from './schema';
import { parseBenchmark } from './benchmark';
import { describeColumns, queryRows, type SqlEngine } from './sql-engine';
import { makeTable, priceFixture, pricesTable } from './test-fixtures';
import type { RefPriceRow } from './factors-reference';
import { dayToIso } from '../core/dates';

let engine: SqlEngine;
beforeAll(async () => {
  engine = await createNodeEngine();
  await initParquetNode();
});
afterAll(() => engine.close());

const enc = (s: string) => new TextEncoder().encode(s);

/** the error `p` rejects with (fails the test if it resolves or throws something else) */
async function errorOf(p: Promise<unknown>): Promise<LabError> {
  let err: unknown = null;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LabError);
  return err as LabError;
}

/** The fixture as CSV text, rows in (date, ticker) order like pricesTable; numbers as JS writes them (round-trip exact). */
function pricesCsv(rows: RefPriceRow[], delim = ',', eol = '\n'): string {
  const s = [...rows].sort((a, b) => a.day - b.day || (a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : 0));
  const lines = s.map((r) => [dayToIso(r.day), r.ticker, r.open, r.high, r.low, r.close, r.adj, r.volume].map(String).join(delim));
  return ['date', 'ticker', 'open', 'high', 'low', 'close', 'adj_close', 'volume'].join(delim) + eol + lines.join(eol) + eol;
}

const SECTORS_CSV =
  'ticker,name,sector,sub_industry\nAAA,"Alpha, Inc.",Tech,Software\nBBB,Beta,Tech,\nCCC,Gamma,Energy,Oil\nDDD,Delta,Energy,Oil\nEEE,Epsilon,Health,Pharma\n';

describe('format detection', () => {
  it('PAR1 is parquet, 1f 8b is gzip CSV, text is CSV; a .parquet name must hold parquet', () => {
    expect(detectTableFormat('a.csv', enc('date,ticker\n'))).toBe('csv');
    expect(detectTableFormat('a', enc('date,ticker\n'))).toBe('csv');
    expect(detectTableFormat('a.csv.gz', gzipSync(enc('date,ticker\n')))).toBe('csv.gz');
    expect(detectTableFormat('a.csv', enc('PAR1xxxxxxxxPAR1'))).toBe('parquet');
    expect(() => detectTableFormat('a.parquet', enc('date,ticker\n2019-01-02,A\n'))).toThrow(
      /^a\.parquet is not a parquet file: it holds text that looks like CSV \("date,ticker"\)/,
    );
    expect(() => detectTableFormat('a.csv', new Uint8Array(0))).toThrow('a.csv is empty (0 bytes); expected a parquet or CSV file.');
    expect(() => detectTableFormat('a.xlsx', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]))).toThrow(
      'a.xlsx is neither parquet nor CSV: it holds a zip archive (an Excel .xlsx workbook is one), 8 bytes.',
    );
    expect(() => detectTableFormat('t.parquet', enc('PAR1\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008'))).toThrow(
      /t\.parquet is not a complete parquet file/,
    );
  });
  it('delimiter from the header line, quotes honoured', () => {
    expect(detectDelimiter('date,ticker,close')).toBe(',');
    expect(detectDelimiter('date;ticker;close')).toBe(';');
    expect(detectDelimiter('date\tticker\tclose')).toBe('\t');
    expect(detectDelimiter('"a;b",c')).toBe(',');
    expect(detectDelimiter('date ticker close')).toBeNull();
    expect(splitCsvLine('"a,""b""",c,', ',')).toEqual(['a,"b"', 'c', '']);
  });
});

describe('CSV prices', () => {
  it('give the same validated table as the same data written as parquet, value for value', async () => {
    const rows = priceFixture(60, 3);
    await loadTableFile(engine, 'pq_raw', tableToParquet(pricesTable(rows)), { fileName: 'p.parquet', selectColumns: pricesInputColumns });
    const r = await loadTableFile(engine, 'csv_raw', enc(pricesCsv(rows)), { fileName: 'p.csv', selectColumns: pricesInputColumns });
    expect(r).toEqual({
      format: 'csv',
      rows: rows.length,
      columns: ['date', 'ticker', 'open', 'high', 'low', 'close', 'adj_close', 'volume'],
      fileColumns: ['date', 'ticker', 'open', 'high', 'low', 'close', 'adj_close', 'volume'],
    });
    expect(describeColumns(engine, 'csv_raw').map((c) => c.type)).toEqual([
      'DATE',
      'VARCHAR',
      'DOUBLE',
      'DOUBLE',
      'DOUBLE',
      'DOUBLE',
      'DOUBLE',
      'BIGINT',
    ]);
    const a = validatePrices(engine, 'pq_raw', { file: 'p.parquet', out: 'pq_clean' });
    const b = validatePrices(engine, 'csv_raw', { file: 'p.csv', out: 'csv_clean' });
    expect(b.stats).toEqual(a.stats);
    expect(b.stats.keptRows).toBe(rows.length);
    // every value equal (EXCEPT ALL both ways is empty, and the row counts match)
    const diff = queryRows<{ n: number }>(
      engine,
      `SELECT (SELECT count(*) FROM (FROM pq_clean EXCEPT ALL FROM csv_clean))::INTEGER
      + (SELECT count(*) FROM (FROM csv_clean EXCEPT ALL FROM pq_clean))::INTEGER AS n`,
    )[0].n;
    expect(diff).toBe(0);
    const one = queryRows<{ d: string; adj_close: number }>(
      engine,
      `SELECT CAST(date AS VARCHAR) AS d, adj_close FROM csv_clean WHERE ticker = 'AAA' ORDER BY date LIMIT 1`,
    )[0];
    const aaa = rows.filter((x) => x.ticker === 'AAA').sort((x, y) => x.day - y.day)[0];
    expect(one).toEqual({ d: dayToIso(aaa.day), adj_close: aaa.adj });
  });

  it('semicolon (decimal commas), tab and CRLF files read the same values; .csv.gz works offline', async () => {
    const rows = priceFixture(20, 5);
    const ref = pricesCsv(rows);
    await loadCsv(engine, 'c_ref', enc(ref), { fileName: 'ref.csv' });
    const semi = pricesCsv(rows, ';').replace(/(\d)\.(\d)/g, '$1,$2'); // European Excel: 12,5;...
    const variants: [string, Uint8Array, string][] = [
      ['semi.csv', enc(semi), ';'],
      ['tab.tsv', enc(pricesCsv(rows, '\t')), '\t'],
      ['crlf.csv', enc('\ufeff' + pricesCsv(rows, ',', '\r\n')), ','],
      ['prices.csv.gz', gzipSync(enc(ref)), ','],
    ];
    for (const [name, bytes, delim] of variants) {
      const r = await loadTableFile(engine, 'c_var', bytes, { fileName: name });
      expect(r.rows).toBe(rows.length);
      const c = await loadCsv(engine, 'c_var', bytes, { fileName: name });
      expect(c.delimiter).toBe(delim);
      expect(c.decimalComma).toBe(name === 'semi.csv');
      const diff = queryRows<{ n: number }>(engine, `SELECT (SELECT count(*) FROM (FROM c_ref EXCEPT ALL FROM c_var))::INTEGER AS n`)[0].n;
      expect(diff, name).toBe(0);
    }
  });

  it('reads yyyymmdd and yyyy/mm/dd dates (and ignores a time after the date)', async () => {
    await loadCsv(
      engine,
      'd_raw',
      enc('date,ticker,close\n20120103,A,1\n2012/01/04,A,2\n2012-01-05 16:00:00,A,3\n2012-01-06T00:00:00Z,A,4\n,A,5\n'),
      { fileName: 'd.csv' },
    );
    const t = queryRows<{ d: string | null }>(engine, 'SELECT CAST(date AS VARCHAR) AS d FROM d_raw');
    expect(t.map((x) => x.d)).toEqual(['2012-01-03', '2012-01-04', '2012-01-05', '2012-01-06', null]);
    expect(describeColumns(engine, 'd_raw')[0].type).toBe('DATE');
  });
});

describe('CSV sectors, factor panels, benchmarks and datasets', () => {
  it('a sectors CSV (quoted comma in a name, an empty sub-industry) validates like parquet', async () => {
    await loadTableFile(engine, 's_raw', enc(SECTORS_CSV), { fileName: 'sectors.csv' });
    const v = validateSectors(engine, 's_raw', { file: 'sectors.csv', out: 's_clean' });
    expect(v.stats.keptRows).toBe(5);
    expect(queryRows(engine, 'SELECT ticker, sector, industry FROM s_clean ORDER BY ticker')).toEqual([
      { ticker: 'AAA', sector: 'Tech', industry: 'Software' },
      { ticker: 'BBB', sector: 'Tech', industry: 'Tech' },
      { ticker: 'CCC', sector: 'Energy', industry: 'Oil' },
      { ticker: 'DDD', sector: 'Energy', industry: 'Oil' },
      { ticker: 'EEE', sector: 'Health', industry: 'Pharma' },
    ]);
    expect(v.notes).toContain("sectors.csv: 1 ticker(s) have no 'sub_industry'; their industry is their sector");
  });

  it('a factor-panel CSV gives the same clean panel as parquet', async () => {
    const dates = ['2020-01-02', '2020-01-03', '2020-01-06'];
    const tk = ['A', 'B', 'C', 'D', 'E'];
    const lines: string[] = [];
    const cols = {
      date: [] as number[],
      ticker: [] as string[],
      industry: [] as string[],
      mom: [] as number[],
      value: [] as (number | null)[],
      fwd_ret_5: [] as number[],
    };
    dates.forEach((d, t) =>
      tk.forEach((s, n) => {
        const mom = (t + 1) * 0.125 - n * 0.25,
          value = n === 2 && t === 1 ? null : n * 1.5 + t / 3,
          fwd = (n - 2) * 0.01 + t * 0.001;
        lines.push(`${d},${s},${n % 2 ? 'Tech' : 'Energy'},${mom},${value ?? ''},${fwd}`);
        cols.date.push(Date.parse(d) / 86_400_000);
        cols.ticker.push(s);
        cols.industry.push(n % 2 ? 'Tech' : 'Energy');
        cols.mom.push(mom);
        cols.value.push(value);
        cols.fwd_ret_5.push(fwd);
      }),
    );
    const csv = 'date,ticker,industry,mom,value,fwd_ret_5\n' + lines.join('\n') + '\n';
    const pq = tableToParquet(
      makeTable({
        date: { kind: 'date', values: cols.date },
        ticker: { kind: 'utf8', values: cols.ticker },
        industry: { kind: 'utf8', values: cols.industry },
        mom: { kind: 'f64', values: cols.mom },
        value: { kind: 'f64', values: cols.value },
        fwd_ret_5: { kind: 'f64', values: cols.fwd_ret_5 },
      }),
    );
    await loadTableFile(engine, 'fp_csv', enc(csv), { fileName: 'panel.csv' });
    await loadTableFile(engine, 'fp_pq', pq, { fileName: 'panel.parquet' });
    const a = validateInput(engine, 'fp_csv', { file: 'panel.csv', out: 'fp_csv_clean' });
    const b = validateFactorPanel(engine, 'fp_pq', { file: 'panel.parquet', out: 'fp_pq_clean' });
    expect(a.shape).toBe('factors');
    expect(a.columns).toEqual(b.columns);
    expect(a.columns!.factors).toEqual(['mom', 'value']);
    const diff = queryRows<{ n: number }>(
      engine,
      `SELECT (SELECT count(*) FROM (FROM fp_csv_clean EXCEPT ALL FROM fp_pq_clean))::INTEGER
      + (SELECT count(*) FROM (FROM fp_pq_clean EXCEPT ALL FROM fp_csv_clean))::INTEGER AS n`,
    )[0].n;
    expect(diff).toBe(0);
    expect(queryRows(engine, `SELECT mom, value, fwd_5 FROM fp_csv_clean WHERE ticker = 'C' ORDER BY date`)).toEqual([
      { mom: -0.375, value: 3, fwd_5: 0 },
      { mom: -0.25, value: null, fwd_5: 0.001 },
      { mom: -0.125, value: 3 + 2 / 3, fwd_5: 0.002 },
    ]);
  });

  it('a benchmark CSV of returns, and one of price levels (returns computed)', async () => {
    const ret = await parseBenchmark(engine, enc('date,return\n2020-01-03,0.01\n2020-01-02,-0.005\n2020-01-06,0.02\n'), 'spy.csv');
    expect(ret.dates).toEqual(['2020-01-02', '2020-01-03', '2020-01-06']);
    expect(Array.from(ret.ret)).toEqual([-0.005, 0.01, 0.02]);
    const px = await parseBenchmark(engine, enc('Date;Close\n20200102;100\n20200103;102,5\n20200106;102,5\n'), 'idx.csv');
    expect(px.dates).toEqual(['2020-01-03', '2020-01-06']);
    expect(Array.from(px.ret)).toEqual([102.5 / 100 - 1, 0]);
    const e = await errorOf(parseBenchmark(engine, enc('date,close\n2020-01-02,100\n2020-01-03,abc\n'), 'bad.csv'));
    expect(e.message).toBe("bad.csv: column 'close' has type VARCHAR; expected numeric price levels");
  });
});

describe('bad CSV files: the message names the file, the column or line, and what was expected', () => {
  const prices = 'date,ticker,open,high,low,close,adj_close,volume\n';
  it('a space-separated file has 1 column', async () => {
    const e = await errorOf(loadTableFile(engine, 'bad', enc('date ticker close\n2012-01-03 A 1\n'), { fileName: 'space.csv' }));
    expect(e.message).toBe(
      "space.csv has 1 column 'date ticker close': expected comma-separated columns date, ticker, close, ... (daily prices or a factor panel) or ticker, sector (sectors)",
    );
  });
  it('a header-less file: the first row looks like data', async () => {
    const e = await errorOf(
      loadTableFile(engine, 'bad', enc('2012-01-03,AAA,10,11,9,10.5,10.5,1000\n2012-01-04,AAA,10,11,9,10.5,10.5,1000\n'), {
        fileName: 'nohead.csv',
      }),
    );
    expect(e.message).toMatch(
      /^nohead\.csv: the first line looks like data, not a header \(column 1 '2012-01-03' is a date, column 3 '10' is a number, column 4 '11' is a number\); expected a header row naming the columns/,
    );
  });
  it('dates in another format name the column, a value and the ISO format', async () => {
    const e = await errorOf(
      loadTableFile(engine, 'bad', enc(prices + '2012-01-03,A,1,1,1,1,1,5\n03/01/2012,A,1,1,1,1,1,5\n04/01/2012,A,1,1,1,1,1,5\n'), {
        fileName: 'dmy.csv',
      }),
    );
    expect(e.message).toBe(
      "dmy.csv: column 'date' has 2 of 3 value(s) that are not dates in a known format (e.g. row 2: '03/01/2012': day/month/year and month/day/year cannot be told apart); expected ISO dates yyyy-mm-dd such as 2019-12-31 (yyyymmdd such as 20191231 is also accepted)",
    );
    const e2 = await errorOf(loadTableFile(engine, 'bad', enc('trade_date,return\n3 Jan 2012,0.1\n'), { fileName: 'words.csv' }));
    expect(e2.message).toMatch(
      /^words\.csv: column 'trade_date' has 1 of 1 value\(s\) that are not dates in a known format \(e\.g\. row 1: '3 Jan 2012'\); expected ISO dates yyyy-mm-dd/,
    );
  });
  it('empty files: 0 bytes, blank lines, a header and no rows', async () => {
    expect((await errorOf(loadTableFile(engine, 'bad', new Uint8Array(0), { fileName: 'zero.csv' }))).message).toBe(
      'zero.csv is empty (0 bytes); expected a parquet or CSV file.',
    );
    expect((await errorOf(loadTableFile(engine, 'bad', enc('\n  \n'), { fileName: 'blank.csv' }))).message).toMatch(
      /^blank\.csv is empty \(no text, only blank lines\); expected a CSV file with a header row/,
    );
    await loadTableFile(engine, 'hdr_only', enc(prices), { fileName: 'hdr.csv' });
    expect(() => validateInput(engine, 'hdr_only', { file: 'hdr.csv' })).toThrow(
      'hdr.csv: the file is empty (0 rows); expected daily prices with columns date, ticker, open, high, low, close, [adj_close], volume',
    );
  });
  it('a non-numeric value in a numeric column, even past the sniffer sample, names the column, row and value', async () => {
    const body = Array.from({ length: 25000 }, (_, i) => `2012-01-03,T${i},1,1,1,${i + 1},${i + 1},5`).join('\n');
    await loadTableFile(engine, 'nn', enc(prices + body + '\n2012-01-03,X,1,1,1,n/a,2,5\n'), { fileName: 'late.csv' });
    expect(() => validatePrices(engine, 'nn', { file: 'late.csv' })).toThrow(
      "late.csv: column 'close' has type VARCHAR and 1 value(s) that are not numbers (e.g. row 25001: 'n/a'); expected numeric prices",
    );
  });
  it('a missing column is named with the columns found', async () => {
    await loadTableFile(engine, 'mc', enc('date,ticker,open,high,low,close\n2012-01-03,A,1,1,1,1\n'), { fileName: 'novol.csv' });
    expect(() => validateInput(engine, 'mc', { file: 'novol.csv' })).toThrow(
      "novol.csv: missing column 'volume' (columns found: date, ticker, open, high, low, close)",
    );
  });
  it('ragged lines, bad quotes, duplicate names and non-UTF-8 text name the line or column', async () => {
    const ragged = await errorOf(
      loadTableFile(engine, 'bad', enc('date,ticker,close\n2012-01-03,A,1\n2012-01-04,A\n'), { fileName: 'ragged.csv' }),
    );
    expect(ragged.message).toBe(
      "ragged.csv: line 3 ('2012-01-04,A') has 2 comma-separated values where the header has 3 columns; expected 3 values on every line",
    );
    const quote = await errorOf(
      loadTableFile(engine, 'bad', enc('date,ticker,close\n2012-01-03,"A,1\n2012-01-04,B,2\n'), { fileName: 'quote.csv' }),
    );
    expect(quote.message).toMatch(/^quote\.csv: line 2 .*unterminated double quote/);
    const dup = await errorOf(loadTableFile(engine, 'bad', enc('date,ticker,close,Close\n2012-01-03,A,1,2\n'), { fileName: 'dup.csv' }));
    expect(dup.message).toBe(
      "dup.csv: column 'close' appears 2 times in the header (column names are not case-sensitive); expected each column once",
    );
    const latin = new Uint8Array([...enc('ticker,sector\nAAA,'), 0xe9, 0x6e, 0x65, ...enc('\n')]);
    const u = await errorOf(loadTableFile(engine, 'bad', latin, { fileName: 'latin1.csv' }));
    expect(u.message).toBe('latin1.csv: line 2 is not UTF-8 text; expected a UTF-8 encoded CSV file');
  });
  it('markup in names and values stays text in the messages (React renders it as text)', async () => {
    const e = await errorOf(loadTableFile(engine, 'bad', enc('<img src=x onerror=alert(1)>\n1\n'), { fileName: '<b>x</b>.csv' }));
    expect(e.message).toBe(
      "<b>x</b>.csv has 1 column '<img src=x onerror=alert(1)>': expected comma-separated columns date, ticker, close, ... (daily prices or a factor panel) or ticker, sector (sectors)",
    );
    await loadTableFile(engine, 'mk', enc('date,<script>,close\n2012-01-03,A,1\n'), { fileName: 'mk.csv' });
    expect(describeColumns(engine, 'mk').map((c) => c.name)).toEqual(['date', '<script>', 'close']);
  });
});
