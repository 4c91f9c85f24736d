/**
 * Derive the compact default dataset in public/data/ from the full shared data (../shared/data, 37 MB).
 * Run: npx tsx scripts/make-bundled-data.ts   (or npm run data:bundle)
 *
 * Choice (budget: <= 8 MB for everything in public/data): ALL 400 stocks, 2012-01-03 .. 2019-12-31, daily
 * (774,869 rows). Keeping every stock keeps the dynamic universes (top 100 / next 150 / rest by dollar volume)
 * meaningful. To fit, the prices file uses a compact but standard layout, read by schema.validatePrices:
 *   date DATE, ticker VARCHAR, open/high/low/close DECIMAL(9,2) (cents; 1% of the source rows carry a third
 *   decimal and are rounded to the cent), adj_factor FLOAT (adj_close = close * adj_factor; piecewise constant
 *   between dividends / splits, so it costs almost nothing), volume BIGINT (exact).
 * Rows are sorted by (ticker, date) and the integer columns delta-encoded, then zstd: ~6.5 MB. Storing
 * adj_close itself as float32 instead would cost ~4 MB more (it does not compress).
 * The script re-reads what it wrote and checks the reconstructed adjusted close against the source.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeEngine } from '../src/data/sql-engine-node';
import { initParquetNode } from '../src/data/parquet-node';
import { loadParquet, tableToParquet } from '../src/data/parquet';
import { queryRows } from '../src/data/sql-engine';
import { validatePrices, validateSectors } from '../src/data/schema';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shared = join(root, '..', 'shared', 'data');
const outDir = join(root, 'public', 'data');
const START = '2012-01-01';
const END = '2019-12-31';
const ID = 'us-large-cap-2012-2019';
const PRICES_FILE = `${ID}.parquet`;
const SECTORS_FILE = 'us-large-cap-sectors.parquet';
const BUDGET_BYTES = 8 * 1024 * 1024;

async function main(): Promise<void> {
  const engine = await createNodeEngine();
  await initParquetNode();
  await loadParquet(engine, 'src_prices', readFileSync(join(shared, 'us_large_cap_prices.parquet')));
  await loadParquet(engine, 'src_sectors', readFileSync(join(shared, 'us_large_cap_sectors.parquet')));

  const prices = engine.query(`SELECT date, ticker,
      CAST(open AS DECIMAL(9,2)) AS open, CAST(high AS DECIMAL(9,2)) AS high, CAST(low AS DECIMAL(9,2)) AS low,
      CAST(close AS DECIMAL(9,2)) AS close,
      -- relative to the rounded close, so that close * adj_factor reproduces adj_close to float32 precision
      (adj_close / CAST(close AS DECIMAL(9,2))::DOUBLE)::FLOAT AS adj_factor,
      volume::BIGINT AS volume
    FROM src_prices WHERE date BETWEEN DATE '${START}' AND DATE '${END}' AND close > 0
    ORDER BY ticker, date`);
  const pricesBytes = tableToParquet(prices, {
    rowGroupSize: 131072,
    columnEncodings: { date: 'delta', open: 'delta', high: 'delta', low: 'delta', close: 'delta', volume: 'delta' },
  });
  const sectors = engine.query(`SELECT s.ticker, s.name, s.sector, s.sub_industry FROM src_sectors s
    WHERE s.ticker IN (SELECT DISTINCT ticker FROM src_prices WHERE date BETWEEN DATE '${START}' AND DATE '${END}') ORDER BY s.ticker`);
  const sectorsBytes = tableToParquet(sectors);

  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, PRICES_FILE), pricesBytes);
  writeFileSync(join(outDir, SECTORS_FILE), sectorsBytes);

  // check: re-read through the app's own path and compare with the source
  await loadParquet(engine, 'b_raw', readFileSync(join(outDir, PRICES_FILE)));
  const v = validatePrices(engine, 'b_raw', { file: PRICES_FILE, out: 'b_prices' });
  await loadParquet(engine, 'b_sect_raw', readFileSync(join(outDir, SECTORS_FILE)));
  const s = validateSectors(engine, 'b_sect_raw', { file: SECTORS_FILE, out: 'b_sectors', pricesTable: 'b_prices' });
  const err = queryRows<{ n: number; max_rel: number; max_rel_close: number }>(
    engine,
    `SELECT count(*)::INTEGER AS n,
      max(abs(b.adj_close / p.adj_close - 1)) AS max_rel, max(abs(b.close / p.close - 1)) AS max_rel_close
    FROM b_prices b JOIN src_prices p USING (date, ticker)`,
  )[0];
  if (err.n !== v.stats.keptRows || err.max_rel > 1e-6)
    throw new Error(`bundled prices do not reproduce the source: ${JSON.stringify(err)}`);
  const total = statSync(join(outDir, PRICES_FILE)).size + statSync(join(outDir, SECTORS_FILE)).size;
  if (total > BUDGET_BYTES) throw new Error(`bundled data is ${total} bytes, over the ${BUDGET_BYTES} budget`);

  const manifest = [
    {
      id: ID,
      file: PRICES_FILE,
      sectorsFile: SECTORS_FILE,
      description: `US large caps (S&P 500 members of April 2021: survivorship bias), daily prices ${v.stats.start} to ${v.stats.end}, ${v.stats.tickers} stocks`,
      rows: v.stats.keptRows,
      tickers: v.stats.tickers,
      start: v.stats.start,
      end: v.stats.end,
    },
  ];
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');

  console.log(
    `${PRICES_FILE}: ${(pricesBytes.length / 1e6).toFixed(2)} MB, ${v.stats.keptRows} rows, ${v.stats.tickers} tickers, ${v.stats.start}..${v.stats.end}`,
  );
  console.log(`${SECTORS_FILE}: ${(sectorsBytes.length / 1e3).toFixed(1)} kB, ${s.stats.keptRows} tickers`);
  console.log(
    `adj_close reproduced to ${err.max_rel.toExponential(2)} relative; close rounded to the cent: max ${err.max_rel_close.toExponential(2)} relative`,
  );
  console.log(`validation warnings: ${JSON.stringify(v.warnings)} notes: ${JSON.stringify([...v.notes, ...s.notes])}`);
  console.log(`total ${(total / 1e6).toFixed(2)} MB (budget ${(BUDGET_BYTES / 1e6).toFixed(2)} MB)`);
  engine.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
