/**
 * Data-layer benchmark on the FULL shared dataset (../shared/data: 1,785,864 rows, 400 stocks, 1999-2019), Node.
 * Run alone: npx tsx scripts/bench-data.ts   (scripts/bench.ts imports benchDataNode).
 * The app's path, step by step: parquet bytes -> DuckDB (the 8 columns validation reads, row group by row group)
 * -> validate (clean table in the file's (date, ticker) order, which the factor pass regroups by ticker in memory; raw
 * table dropped) -> computeFactorPanel (plan queries, the
 * streamed factor pass written straight into the panel, per-date preprocessing). Timings are wall-clock
 * milliseconds plus process CPU time (this machine is shared: wall time includes waiting for a core; the load
 * average is recorded with them). Peak RSS is the process's maximum resident set (process.resourceUsage).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeEngine } from '../src/data/sql-engine-node';
import { initParquetNode } from '../src/data/parquet-node';
import { loadParquet } from '../src/data/parquet';
import { placeDoubtfulWarning, pricesInputColumns, validatePrices, validateSectors } from '../src/data/schema';
import { DoubtfulScan } from '../src/data/doubtful-returns';
import { computeFactorFrame, computeFactorPanelParallel, lastTimings, panelSpareBytes } from '../src/data/factors';
import { nodeCrossSectionPool } from '../src/data/cross-section-pool-node';
import { panelSummary } from '../src/data/panel';
import { defaultPreprocessing } from '../src/core/run';
import { firstTouchMs } from '../src/bench/first-touch';

export interface BenchResult {
  name: string;
  runtime: 'node';
  value: number;
  unit: string;
}

export interface BenchDataOptions {
  /** directory holding us_large_cap_prices.parquet and us_large_cap_sectors.parquet */
  dataDir?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const loadAvg = (): number => {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
};

/** Load + validate + factor panel on the full shared prices; returns one row per measurement. */
export async function benchDataNode(opts: BenchDataOptions = {}): Promise<BenchResult[]> {
  // BENCH_DATA_DIR overrides the default ../shared/data (a git worktree sits one level deeper than the main checkout)
  const dir = opts.dataDir ?? process.env.BENCH_DATA_DIR ?? join(here, '..', '..', 'shared', 'data');
  const out: BenchResult[] = [];
  const add = (name: string, value: number, unit: string) => out.push({ name, runtime: 'node', value: Math.round(value * 10) / 10, unit });
  let t = 0,
    cpu0 = process.cpuUsage();
  const start = () => {
    t = performance.now();
    cpu0 = process.cpuUsage();
  };
  const stop = (name: string) => {
    const c = process.cpuUsage(cpu0);
    add(name, performance.now() - t, 'ms');
    add(`${name} [CPU]`, (c.user + c.system) / 1000, 'ms');
  };
  add('data: 1-minute load average at the start', loadAvg(), '');
  // the machine's cost of touching fresh memory (page faults): the load writes ~1-2 GB it has just allocated (the 414 MB
  // panel, DuckDB's tables, Arrow batches), so this figure explains much of the gap between machines (about 3 ms per MB
  // on the 2-core Firecracker VMs here, a tenth of that on a laptop)
  add('data: first write of 256 MB of fresh memory (page faults)', firstTouchMs(256), 'ms');
  // the helper threads (preprocessing, factor pass, parquet decoding), started before the engine as loadPanel does
  // (one per further core); the first loads parquet-wasm while this thread starts the engine
  const pool = nodeCrossSectionPool();
  pool.warmParquet();
  add('data: preprocessing helper threads', pool.size, '');
  const engine = await createNodeEngine();
  await initParquetNode();
  try {
    const pricesBytes = readFileSync(join(dir, 'us_large_cap_prices.parquet'));
    const sectorsBytes = readFileSync(join(dir, 'us_large_cap_sectors.parquet'));
    const t0 = performance.now();
    start();
    const load = await loadParquet(engine, 'raw_prices', pricesBytes, {
      fileName: 'us_large_cap_prices.parquet',
      selectColumns: pricesInputColumns,
      helpers: process.env.BENCH_PARQUET_HELPER === 'off' ? null : pool, // as loadPanel: a helper decodes ahead
    });
    await loadParquet(engine, 'raw_sectors', sectorsBytes);
    stop(`data: parquet load (${load.rows} rows, ${load.rowGroups} row groups, ${load.columns.length} columns -> DuckDB)`);
    add('data: parquet row groups decoded on a helper thread', load.helperGroups, '');
    start();
    // as loadPanel does: once the check scan has counted dates and tickers, a helper maps the panel's memory
    let spare: Promise<ArrayBuffer | null> | null = null;
    const v = validatePrices(engine, 'raw_prices', {
      file: 'us_large_cap_prices.parquet',
      order: 'pass', // as loadPanel
      adoptRaw: true,
      doubtfulInPass: true, // as loadPanel: the factor pass counts the doubtful returns (below)
      onShape: (dates, tickers) => {
        if (process.env.BENCH_SPARE !== 'off') spare = pool.reserve(panelSpareBytes(dates, tickers));
      },
    });
    engine.run('DROP TABLE IF EXISTS raw_prices');
    validateSectors(engine, 'raw_sectors', { file: 'us_large_cap_sectors.parquet', pricesTable: 'prices' });
    engine.run('DROP TABLE raw_sectors');
    stop(`data: validate prices + sectors (${v.stats.keptRows} rows)`);
    start();
    const doubtful = new DoubtfulScan();
    const panel = await computeFactorPanelParallel(
      engine,
      { prices: 'prices', sectors: 'sectors', name: 'us_large_cap_prices', doubtful, rowOrder: v.rowOrder },
      defaultPreprocessing,
      { pool, spare },
    );
    if (!doubtful.done || v.doubtfulAt === undefined) throw new Error('bench: the factor pass did not count the doubtful returns');
    placeDoubtfulWarning(engine, v, 'us_large_cap_prices.parquet', doubtful, v.warnings);
    const s = panelSummary(panel);
    stop(`data: factor panel (${s.F} factors + ${s.H} labels, T=${s.T}, N=${s.N}; SQL pass straight into the panel + preprocessing)`);
    for (const [k, ms] of Object.entries(lastTimings)) add(`data: factor panel step '${k === 'panel' ? 'preprocess' : k}'`, ms, 'ms');
    add('data: parquet bytes -> Panel (load + validate + factor panel)', performance.now() - t0, 'ms');
    add('data: panel arrays', s.mb, 'MB');
    add('data: peak RSS', process.resourceUsage().maxRSS / 1024, 'MB');
    // the long FactorFrame (tests, factor-panel files) of the same prices: the pass alone, rows in (date, ticker) order
    start();
    const frame = computeFactorFrame(engine, { prices: 'prices', sectors: 'sectors', name: 'us_large_cap_prices', rowOrder: v.rowOrder });
    stop(`data: factor frame (${frame.factors.length} factors + ${frame.fwd.length} labels, ${frame.nRows} rows)`);
    // the default dataset a page loads (public/data, 775k rows): end to end, bytes -> Panel
    const bundled = join(here, '..', 'public', 'data');
    start();
    await loadParquet(engine, 'b_raw', readFileSync(join(bundled, 'us-large-cap-2012-2019.parquet')), {
      selectColumns: pricesInputColumns,
    });
    await loadParquet(engine, 'b_sect_raw', readFileSync(join(bundled, 'us-large-cap-sectors.parquet')));
    const bv = validatePrices(engine, 'b_raw', { file: 'us-large-cap-2012-2019.parquet', out: 'b_prices', order: 'pass', adoptRaw: true });
    validateSectors(engine, 'b_sect_raw', { file: 'us-large-cap-sectors.parquet', out: 'b_sectors', pricesTable: 'b_prices' });
    engine.run('DROP TABLE IF EXISTS b_raw');
    const bp = await computeFactorPanelParallel(
      engine,
      { prices: 'b_prices', sectors: 'b_sectors', rowOrder: bv.rowOrder },
      defaultPreprocessing,
      {
        pool,
      },
    );
    stop(`data: bundled dataset end to end (parquet bytes -> Panel, T=${bp.dates.length}, N=${bp.tickers.length})`);
  } finally {
    pool.close();
    engine.close();
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  benchDataNode()
    .then((rows) => {
      for (const r of rows) console.log(`${r.name}: ${r.value} ${r.unit}`);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
