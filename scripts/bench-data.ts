/**
 * Data-layer benchmark on the FULL shared dataset (../shared/data: 1,785,864 rows, 400 stocks, 1999-2019), Node.
 * Run alone: npx tsx scripts/bench-data.ts   (scripts/bench.ts can import benchDataNode).
 * Timings are wall-clock milliseconds (plus process CPU time for the factor step: this machine is shared, wall
 * time includes waiting for a core). Peak RSS is the process's maximum resident set (process.resourceUsage).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeEngine } from '../src/data/sql-engine-node';
import { initParquetNode } from '../src/data/parquet-node';
import { loadParquet } from '../src/data/parquet';
import { validatePrices, validateSectors } from '../src/data/schema';
import { computeFactorFrame, lastTimings } from '../src/data/factors';
import type { FactorFrame } from '../src/data/frame';

export interface BenchResult { name: string; runtime: 'node'; value: number; unit: string }

export interface BenchDataOptions {
  /** directory holding us_large_cap_prices.parquet and us_large_cap_sectors.parquet */
  dataDir?: string;
  /** hook for the panel builder (another module): called with the frame, timed as 'data: panel build' */
  panel?: (frame: FactorFrame) => unknown | Promise<unknown>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Load + validate + factor computation on the full shared prices; returns one row per measurement. */
export async function benchDataNode(opts: BenchDataOptions = {}): Promise<BenchResult[]> {
  const dir = opts.dataDir ?? join(here, '..', '..', 'shared', 'data');
  const out: BenchResult[] = [];
  const add = (name: string, value: number, unit: string) => out.push({ name, runtime: 'node', value: Math.round(value * 10) / 10, unit });
  const engine = await createNodeEngine();
  await initParquetNode();
  try {
    const pricesBytes = readFileSync(join(dir, 'us_large_cap_prices.parquet'));
    const sectorsBytes = readFileSync(join(dir, 'us_large_cap_sectors.parquet'));
    let t = performance.now();
    const load = await loadParquet(engine, 'raw_prices', pricesBytes, { fileName: 'us_large_cap_prices.parquet' });
    await loadParquet(engine, 'raw_sectors', sectorsBytes);
    add(`data: parquet load (${load.rows} rows, ${load.rowGroups} row groups -> DuckDB)`, performance.now() - t, 'ms');
    t = performance.now();
    const v = validatePrices(engine, 'raw_prices', { file: 'us_large_cap_prices.parquet' });
    validateSectors(engine, 'raw_sectors', { file: 'us_large_cap_sectors.parquet', pricesTable: 'prices' });
    engine.run('DROP TABLE raw_prices');
    add(`data: validate prices + sectors (${v.stats.keptRows} rows)`, performance.now() - t, 'ms');
    t = performance.now();
    const cpu0 = process.cpuUsage();
    const frame = computeFactorFrame(engine, { prices: 'prices', sectors: 'sectors', name: 'us_large_cap_prices' });
    const wall = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    add(`data: factor frame (${frame.factors.length} factors + ${frame.fwd.length} labels, ${frame.nRows} rows)`, wall, 'ms');
    add('data: factor frame CPU time', (cpu.user + cpu.system) / 1000, 'ms');
    for (const [k, ms] of Object.entries(lastTimings)) add(`data: factor frame step '${k}'`, ms, 'ms');
    add('data: factor frame throughput', frame.nRows / (wall / 1000), 'rows/s');
    if (opts.panel) {
      t = performance.now();
      await opts.panel(frame);
      add('data: panel build', performance.now() - t, 'ms');
    }
    add('data: peak RSS', process.resourceUsage().maxRSS / 1024, 'MB');
    // the default dataset a page loads (public/data, 775k rows): end-to-end bytes -> FactorFrame
    const bundled = join(here, '..', 'public', 'data');
    t = performance.now();
    await loadParquet(engine, 'b_raw', readFileSync(join(bundled, 'us-large-cap-2012-2019.parquet')));
    await loadParquet(engine, 'b_sect_raw', readFileSync(join(bundled, 'us-large-cap-sectors.parquet')));
    validatePrices(engine, 'b_raw', { file: 'us-large-cap-2012-2019.parquet', out: 'b_prices' });
    validateSectors(engine, 'b_sect_raw', { file: 'us-large-cap-sectors.parquet', out: 'b_sectors', pricesTable: 'b_prices' });
    engine.run('DROP TABLE b_raw');
    const bf = computeFactorFrame(engine, { prices: 'b_prices', sectors: 'b_sectors' });
    add(`data: bundled dataset end to end (parquet bytes -> FactorFrame, ${bf.nRows} rows)`, performance.now() - t, 'ms');
  } finally {
    engine.close();
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchDataNode().then((rows) => { for (const r of rows) console.log(`${r.name}: ${r.value} ${r.unit}`); })
    .catch((e) => { console.error(e); process.exit(1); });
}
