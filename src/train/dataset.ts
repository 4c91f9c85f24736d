/**
 * DatasetSpec -> Panel, the same on both runtimes. The runtime-specific pieces (SQL engine, parquet-wasm
 * initialisation, reading bundled files) come in through `DataIO`, so the worker passes browser versions and
 * the headless runner Node versions.
 *   synthetic:             data/synthetic panelFromSynthetic
 *   bundled / file / url:  parquet or CSV -> DuckDB (loadTableFile; raw table dropped once validated, or renamed to the
 *                          clean one when it needs no change: validatePrices adoptRaw) -> validateInput ->
 *                          computeFactorPanelParallel (prices: factors streamed straight into the panel) or
 *                          factorPanelToFrame + buildPanelParallel (factor panel)
 */
import type { Panel } from '../core/panel';
import type { DatasetSpec, PreprocessConfig } from '../core/run';
import { LabError } from '../core/errors';
import type { SqlEngine } from '../data/sql-engine';
import { loadTableFile } from '../data/table-file';
import { dataFingerprint, panelCacheKey, type PanelCache } from '../data/panel-cache';
import { panelBytes } from '../core/panel';
import { placeDoubtfulWarning, pricesInputColumns, validateInput, validateSectors, type ValidationResult } from '../data/schema';
import { DoubtfulScan } from '../data/doubtful-returns';
import { computeFactorPanelParallel, factorPanelToFrame, lastTimings, panelSpareBytes } from '../data/factors';
import { PARALLEL_MIN_VALUES, type CrossSectionPool } from '../data/cross-section-pool';
import { buildPanelParallel, panelSummary } from '../data/panel';
import { panelFromSynthetic } from '../data/synthetic';
import { industryProportions, sameIndustryEdgesPerStock } from '../data/graphs';
import { monthEnds } from '../data/splits';
import { checkMemory } from '../data/memory';
import { DEFAULT_HORIZONS, FACTOR_DEFS } from '../data/factors-sql';
import type { DatasetSummary } from './protocol';

export interface DataIO {
  /** the (lazily created, then reused) SQL engine */
  engine(): Promise<SqlEngine>;
  /** initialise parquet-wasm (idempotent) */
  initParquet(): Promise<void>;
  /** the files of a bundled dataset by name (public/data/...) */
  readBundled(name: string): Promise<{ prices: Uint8Array; sectors?: Uint8Array; fileName?: string }>;
  /** bytes at a URL (kind 'url') */
  fetchUrl(url: string): Promise<Uint8Array>;
  /** the panel cache (browser: OPFS or IndexedDB, src/data/panel-cache-browser.ts); absent or null = no cache */
  panelCache?(): Promise<PanelCache | null>;
  /**
   * helper threads for the per-date preprocessing (src/data/cross-section-pool.ts), created on the first call and
   * reused; absent or null = preprocess on the loading thread. Asked for at the start of a cold load, so the helpers
   * start while the file is decoded.
   */
  crossSectionPool?(): CrossSectionPool | null;
}

/** One step of a dataset load as the Data panel lists it (sent whole on every change: LoadProgress). */
export interface LoadStep {
  id: 'read' | 'cache' | 'engine' | 'parquet' | 'validate' | 'factors' | 'preprocess' | 'save' | 'generate';
  label: string;
  state: 'pending' | 'running' | 'done' | 'skipped';
  /** ms the step took (done) */
  ms?: number;
  /** e.g. "hit (opfs)", "34.2 MB" */
  detail?: string;
}

/** The steps of the current load in order, with their state (the worker's PROGRESS reply `load`). */
export interface LoadProgress {
  steps: LoadStep[];
}

export interface LoadedDataset {
  panel: Panel;
  warnings: string[];
  notes: string[];
  load_ms: number;
  /** ms per step of the load (parquet, validate, market, stocks, sort, factors, preprocess / panel) */
  steps?: Record<string, number>;
  /** the SQL console's tables (not for a synthetic market) */
  tables?: { name: string; columns: string[]; rows: number }[];
  /** the panel cache's part in this load (absent: no cache here, or a synthetic market) */
  cache?: { hit: boolean; store: string; key: string; savedAt?: string; notice?: string; saving?: boolean };
  /**
   * a cache hit decodes no parquet: the SQL console's tables are created from the file bytes on first use by calling
   * this (parquet decode + validation, no factors)
   */
  hydrateSql?: () => Promise<void>;
  /** the summary's panel-derived part (Fig. 3 / 4 series, universes), computed once and cached with the panel */
  summary?: DatasetSummary;
  /**
   * with `deferSave` on a cache miss: the panel cache save, still to run (the caller replies first, then calls it).
   * It never throws; the outcome says whether the panel was saved. The load's 'save' step is left 'running'.
   */
  save?: () => Promise<CacheSaveOutcome>;
}

/** How a (deferred) panel cache save ended: the time it took, what it wrote, or why it was not saved. */
export interface CacheSaveOutcome {
  saved: boolean;
  ms: number;
  /** e.g. '414.2 MB', or 'not saved' */
  detail: string;
  /** why it was not saved (quota, storage error), for the warnings */
  notice?: string;
}

const STEP_LABELS: Record<LoadStep['id'], string> = {
  read: 'Read the files',
  cache: 'Look up the panel cache (SHA-256 of the data)',
  engine: 'Start DuckDB-WASM and parquet-wasm',
  parquet: 'Decode the parquet file',
  validate: 'Validate columns and rows',
  factors: "Compute the factors (or read a factor file's columns)",
  preprocess: 'Preprocess the panel (winsorise, normalise, universes)',
  save: 'Save the panel to the cache',
  generate: 'Generate the synthetic market',
};

/** The load's step list, reporting every change through `onProgress`. */
class StepTracker {
  readonly steps: LoadStep[];
  private t = 0;
  constructor(
    ids: LoadStep['id'][],
    private readonly onProgress?: (p: LoadProgress) => void,
  ) {
    this.steps = ids.map((id) => ({ id, label: STEP_LABELS[id], state: 'pending' }));
  }
  private emit() {
    this.onProgress?.({ steps: this.steps.map((s) => ({ ...s })) });
  }
  private find(id: LoadStep['id']) {
    return this.steps.find((s) => s.id === id);
  }
  start(id: LoadStep['id']) {
    const s = this.find(id);
    if (!s) return;
    for (const r of this.steps)
      if (r.state === 'running') {
        r.state = 'done';
        r.ms = performance.now() - this.t;
      }
    s.state = 'running';
    this.t = performance.now();
    this.emit();
  }
  done(id: LoadStep['id'], detail?: string) {
    const s = this.find(id);
    if (!s) return;
    s.state = 'done';
    s.ms = performance.now() - this.t;
    if (detail) s.detail = detail;
    this.emit();
  }
  skip(ids: LoadStep['id'][], detail?: string) {
    for (const id of ids) {
      const s = this.find(id);
      if (s && s.state === 'pending') {
        s.state = 'skipped';
        if (detail) s.detail = detail;
      }
    }
    this.emit();
  }
}

interface Decoded {
  v: ValidationResult;
  warnings: string[];
  notes: string[];
  sectorsTable?: string;
}

/** parquet / CSV bytes -> the validated clean tables in DuckDB (and the sectors table) */
async function decodeAndValidate(
  engine: SqlEngine,
  prices: Uint8Array,
  sectors: Uint8Array | undefined,
  fileName: string,
  prep: Pick<PreprocessConfig, 'extremeReturns' | 'includeLabelLike'>,
  track?: StepTracker,
  onShape?: (dates: number, tickers: number) => void,
  pool?: CrossSectionPool | null,
  doubtfulInPass = false,
): Promise<Decoded> {
  track?.start('parquet');
  // a prices file: only the columns validation reads are decoded (e.g. not dividend, split); a helper decodes the
  // row groups ahead of the inserts
  const loaded = await loadTableFile(engine, 'raw_input', prices, { fileName, selectColumns: pricesInputColumns, helpers: pool });
  track?.done(
    'parquet',
    loaded.helperGroups ? `${loaded.helperGroups} of ${loaded.rowGroups} row groups decoded on a helper thread` : undefined,
  );
  track?.start('validate');
  let v: ValidationResult;
  try {
    // prices are written in (ticker, date) order, the order the factor pass streams, or kept in the file's date order,
    // which the pass regroups by ticker in memory (cheaper than DuckDB sorting the table)
    v = validateInput(engine, 'raw_input', {
      file: fileName,
      order: 'pass',
      adoptRaw: true, // the raw table is dropped below: when it is clean already, it becomes the clean table
      fileColumns: loaded.fileColumns,
      extremeReturns: prep.extremeReturns,
      includeLabelLike: prep.includeLabelLike,
      onShape,
      doubtfulInPass,
    });
  } finally {
    engine.run('DROP TABLE IF EXISTS raw_input'); // the clean table is a copy: free the raw one now
  }
  const warnings = [...v.warnings],
    notes = [...v.notes];
  let sectorsTable: string | undefined;
  if (v.shape === 'prices' && sectors) {
    await loadTableFile(engine, 'raw_sectors', sectors, {
      fileName: `${fileName} (sectors)`,
      expected: 'ticker, sector, [sub_industry]',
    });
    try {
      const s = validateSectors(engine, 'raw_sectors', { file: `${fileName} (sectors)`, pricesTable: v.table });
      warnings.push(...s.warnings);
      notes.push(...s.notes);
      sectorsTable = s.table;
    } finally {
      engine.run('DROP TABLE IF EXISTS raw_sectors');
    }
  }
  track?.done('validate');
  return { v, warnings, notes, sectorsTable };
}

/**
 * Load the dataset `spec` into a Panel; `bytes` (and `sectorsBytes`) for a user file (kind 'file'). With a panel cache
 * (io.panelCache) a file's panel is looked up by its key first (a hit skips decode, validation, factors and
 * preprocessing) and saved after a cold build. `onProgress` gets the step list at every change.
 */
export async function loadPanel(
  io: DataIO,
  spec: DatasetSpec,
  prep: PreprocessConfig,
  bytes?: Uint8Array,
  sectorsBytes?: Uint8Array,
  opts: {
    onProgress?: (p: LoadProgress) => void;
    /**
     * return on a cache miss as soon as the panel is built, with the save as `save` for the caller to run after it
     * replied (the browser worker: on the full shared dataset the OPFS write of ~414 MB takes seconds the user need
     * not wait for). Default: the save runs inside the load (the headless runner, tests).
     */
    deferSave?: boolean;
  } = {},
): Promise<LoadedDataset> {
  const t0 = performance.now();
  if (spec.kind === 'synthetic') {
    // not cached: regenerated from its seed in well under a second, it would only push real datasets out of the cache
    const track = new StepTracker(['generate'], opts.onProgress);
    track.start('generate');
    const panel = panelFromSynthetic(spec.synthetic ?? {}, prep, { start: spec.start, end: spec.end });
    track.done('generate');
    return { panel, warnings: [], notes: panel.source.notes ?? [], load_ms: performance.now() - t0 };
  }
  const cache = (await io.panelCache?.().catch(() => null)) ?? null;
  const track = new StepTracker(
    cache
      ? ['read', 'cache', 'engine', 'parquet', 'validate', 'factors', 'preprocess', 'save']
      : ['read', 'engine', 'parquet', 'validate', 'factors', 'preprocess'],
    opts.onProgress,
  );
  const steps: Record<string, number> = {};
  let t1 = performance.now();
  const lap = (k: string) => {
    steps[k] = performance.now() - t1;
    t1 = performance.now();
  };
  track.start('read');
  let prices = bytes,
    sectors = sectorsBytes,
    fileName = spec.name;
  if (spec.kind === 'bundled') {
    const b = await io.readBundled(spec.name);
    prices = b.prices;
    sectors = b.sectors;
    fileName = b.fileName ?? spec.name;
  } else if (spec.kind === 'url' && !prices) {
    prices = await io.fetchUrl(spec.name);
  }
  if (!prices)
    throw new LabError(
      `Dataset "${spec.name}": no file bytes were given for kind "${spec.kind}".`,
      'Choose a parquet or CSV file to load.',
    );
  track.done('read', `${((prices.length + (sectors?.length ?? 0)) / 1e6).toFixed(1)} MB`);
  lap('read');
  const pricesBytes = prices;
  const hydrateSql = async () => {
    await io.initParquet();
    await decodeAndValidate(await io.engine(), pricesBytes, sectors, fileName, prep);
  };
  let cacheInfo: LoadedDataset['cache'];
  if (cache) {
    track.start('cache');
    const key = await panelCacheKey(await dataFingerprint(prices, sectors), spec, prep);
    const r = await cache.read(key);
    lap('cache');
    if (r.hit) {
      const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      track.done('cache', `hit (${r.store}; read ${s1(r.readMs)}, checksum ${s1(r.checkMs)})`);
      track.skip(['engine', 'parquet', 'validate', 'factors', 'preprocess', 'save'], 'cached');
      return {
        panel: r.panel,
        warnings: r.meta.warnings,
        notes: [
          ...r.meta.notes,
          `Panel loaded from the browser's panel cache (${r.store}, saved ${r.savedAt.slice(0, 19).replace('T', ' ')} UTC).`,
        ],
        load_ms: performance.now() - t0,
        steps,
        tables: r.meta.tables,
        cache: { hit: true, store: r.store, key, savedAt: r.savedAt },
        hydrateSql,
        ...(r.meta.summary ? { summary: summaryFromJson(r.meta.summary) } : {}),
      };
    }
    track.done('cache', r.notice ? 'discarded' : 'miss');
    cacheInfo = { hit: false, store: r.store, key, ...(r.notice ? { notice: r.notice } : {}) };
  }
  const pool = io.crossSectionPool?.() ?? null;
  pool?.warmParquet(); // its first helper loads parquet-wasm while this thread starts the engine (decodeAndValidate)
  track.start('engine');
  await io.initParquet();
  const engine = await io.engine();
  track.done('engine');
  lap('init');
  // once validation has counted the file's dates and tickers, a helper maps the panel's memory (x and fwd, upper
  // bounds: all factors and horizons) on its own core while this thread validates (CrossSectionPool.reserve). Not
  // for a date range (the file's counts would overstate the panel) or a small file
  let spare: Promise<ArrayBuffer | null> | null = null;
  const onShape =
    pool && pool.size > 0 && !spec.start && !spec.end
      ? (dates: number, tickers: number) => {
          const bytes = panelSpareBytes(dates, tickers);
          if (bytes >= PARALLEL_MIN_VALUES * 4 && bytes <= 2 ** 30) spare = pool.reserve(bytes);
        }
      : undefined;
  // the doubtful-returns check ('keep') is made by the factor pass, which reads every row anyway: not with an end date
  // (the pass stops there)
  const { v, warnings, notes, sectorsTable } = await decodeAndValidate(
    engine,
    prices,
    sectors,
    fileName,
    prep,
    track,
    onShape,
    pool,
    !spec.end,
  );
  for (const id of ['parquet', 'validate'] as const) steps[id] = track.steps.find((s) => s.id === id)?.ms ?? 0;
  t1 = performance.now();
  // refuse what cannot fit before building the panel (numbers and what to do), not DuckDB's allocation error later
  if (v.shape !== 'sectors')
    checkMemory(
      fileName,
      v.stats.dates,
      v.stats.tickers,
      v.shape === 'prices' ? FACTOR_DEFS.length : (v.columns?.factors.length ?? 0),
      v.shape === 'prices' ? DEFAULT_HORIZONS.length : Math.max(1, v.columns?.fwd.length ?? 0),
    );
  let panel: Panel;
  if (v.shape === 'prices') {
    track.start('factors');
    const doubtful = v.doubtfulAt !== undefined ? new DoubtfulScan() : undefined;
    panel = await computeFactorPanelParallel(
      engine,
      {
        prices: v.table,
        sectors: sectorsTable,
        start: spec.start,
        end: spec.end,
        name: spec.name,
        industryLevel: prep.industryLevel,
        doubtful,
        rowOrder: v.rowOrder,
      },
      prep,
      { onPhase: () => track.start('preprocess'), pool, spare },
    );
    if (doubtful) placeDoubtfulWarning(engine, v, fileName, doubtful, warnings);
    track.done('preprocess');
    for (const [k, ms] of Object.entries(lastTimings)) steps[k === 'panel' ? 'preprocess' : k] = ms;
    t1 = performance.now(); // the next lap ('save') starts here, not at the factor pass
  } else if (v.shape === 'factors') {
    track.start('factors');
    const frame = factorPanelToFrame(engine, v.table, { columns: v.columns, start: spec.start, end: spec.end, name: spec.name });
    track.done('factors');
    lap('factors');
    track.start('preprocess');
    panel = await buildPanelParallel(frame, prep, { pool });
    track.done('preprocess');
    lap('panel');
  } else {
    throw new LabError(
      `${fileName}: this is a sectors file (ticker, sector); a dataset needs prices (date, ticker, close, ...) or a factor panel.`,
      'Load the prices file first, then add the sectors file next to it.',
    );
  }
  notes.push(...(panel.source.notes ?? []));
  const tables = listTables(engine);
  const load_ms = performance.now() - t0;
  let summary: DatasetSummary | undefined;
  let save: LoadedDataset['save'];
  if (cache && cacheInfo) {
    track.start('save');
    // the summary's series are a function of the panel: computed here once, saved with it (a hit skips them too)
    summary = summarizePanel(panel, { warnings, notes, load_ms }, tables);
    const key = cacheInfo.key,
      built = panel,
      meta = { warnings: [...warnings], notes: [...notes], tables, steps: { ...steps }, load_ms, summary: summaryToJson(summary) };
    const write = async (): Promise<CacheSaveOutcome> => {
      const ts = performance.now();
      const notice = await cache.write(key, built, meta).catch((e: unknown) => `Panel cache: not saved (${(e as Error).message}).`);
      const detail = notice ? 'not saved' : `${(panelBytes(built) / 1e6).toFixed(1)} MB`;
      return { saved: !notice, ms: performance.now() - ts, detail, ...(notice ? { notice } : {}) };
    };
    if (opts.deferSave) {
      save = write;
      cacheInfo.saving = true; // the summary says the save is still running
    } else {
      const r = await write();
      track.done('save', r.detail);
      lap('save');
      if (r.notice) cacheInfo.notice = cacheInfo.notice ? `${cacheInfo.notice} ${r.notice}` : r.notice;
    }
  }
  if (cacheInfo?.notice) warnings.push(cacheInfo.notice);
  return { panel, warnings, notes, load_ms, steps, tables, cache: cacheInfo, ...(summary ? { summary } : {}), ...(save ? { save } : {}) };
}

/** the engine's tables with their columns and row counts (for the SQL console) */
export function listTables(engine: SqlEngine): DatasetSummary['tables'] {
  const t = engine.query(`SELECT table_name AS t, estimated_size::BIGINT AS n FROM duckdb_tables() WHERE NOT internal ORDER BY table_name`);
  const c = engine.query(
    `SELECT table_name AS t, column_name AS c FROM duckdb_columns() WHERE NOT internal ORDER BY table_name, column_index`,
  );
  const cols = new Map<string, string[]>();
  for (let i = 0; i < c.numRows; i++) {
    const k = String(c.getChild('t')!.get(i));
    if (!cols.has(k)) cols.set(k, []);
    cols.get(k)!.push(String(c.getChild('c')!.get(i)));
  }
  return Array.from({ length: t.numRows }, (_, i) => {
    const name = String(t.getChild('t')!.get(i));
    return { name, columns: cols.get(name) ?? [], rows: Number(t.getChild('n')!.get(i)) };
  });
}

/** What the UI shows about a loaded panel, with the DMFM Fig. 3 / Fig. 4 series (industry shares at month ends). */
export function summarizePanel(
  panel: Panel,
  loaded: Omit<LoadedDataset, 'panel' | 'hydrateSql'>,
  tables: DatasetSummary['tables'] = [],
): DatasetSummary {
  if (loaded.summary)
    return {
      ...loaded.summary,
      notes: loaded.notes,
      warnings: loaded.warnings,
      load_ms: loaded.load_ms,
      load_steps: loaded.steps,
      tables,
      ...(loaded.cache ? { cache: loaded.cache } : {}),
    };
  const s = panelSummary(panel);
  const T = panel.dates.length,
    N = panel.tickers.length;
  const edges = sameIndustryEdgesPerStock(panel); // [T] every valid stock
  // [U] x [T] one Fig. 3 series per universe, nodes = members AND valid (universes are rebuilt monthly)
  const byUniverse = panel.universes.map((u) => ({ name: u.name, values: sameIndustryEdgesPerStock(panel, u) }));
  const prop = industryProportions(panel);
  const K = prop.industries.length;
  const me = T ? Array.from(monthEnds(panel.dates)) : [];
  const share = new Float32Array(me.length * K);
  me.forEach((t, i) => share.set(prop.share.subarray(t * K, (t + 1) * K), i * K));
  return {
    name: panel.source.name,
    kind: panel.source.kind,
    T,
    N,
    F: s.F,
    start: s.start,
    end: s.end,
    factorNames: panel.factorNames.slice(),
    factorGroups: panel.factorGroups.slice(),
    industryNames: panel.industryNames.slice(),
    horizons: panel.horizons.slice(),
    universes: panel.universes.map((u) => {
      let c = 0;
      for (let k = 0; k < T * N; k++) c += u.member[k] & panel.valid[k];
      return { name: u.name, description: u.description, meanMembers: T ? c / T : 0 };
    }),
    stocksPerDate: s.stocksPerDate,
    mb: s.mb,
    notes: loaded.notes,
    warnings: loaded.warnings,
    edgesPerStock: { dates: panel.dates.slice(), values: edges, byUniverse },
    industryProportion: { dates: me.map((t) => panel.dates[t]), industries: prop.industries, share },
    load_ms: loaded.load_ms,
    load_steps: loaded.steps,
    tables,
    ...(loaded.cache ? { cache: loaded.cache } : {}),
  };
}

/** A summary as JSON-safe data (typed arrays -> arrays, NaN -> null) for the panel cache's header; summaryFromJson undoes it. */
export function summaryToJson(s: DatasetSummary): unknown {
  const arr = (a: Float32Array) => Array.from(a, (v) => (Number.isNaN(v) ? null : v));
  return {
    ...s,
    edgesPerStock: {
      ...s.edgesPerStock,
      values: arr(s.edgesPerStock.values),
      byUniverse: s.edgesPerStock.byUniverse.map((u) => ({ ...u, values: arr(u.values) })),
    },
    industryProportion: { ...s.industryProportion, share: arr(s.industryProportion.share) },
  };
}

export function summaryFromJson(j: unknown): DatasetSummary {
  type J = Omit<DatasetSummary, 'edgesPerStock' | 'industryProportion'> & {
    edgesPerStock: { dates: string[]; values: (number | null)[]; byUniverse: { name: string; values: (number | null)[] }[] };
    industryProportion: { dates: string[]; industries: string[]; share: (number | null)[] };
  };
  const s = j as J;
  const f32 = (a: (number | null)[]) => Float32Array.from(a, (v) => (v === null ? NaN : v));
  return {
    ...s,
    edgesPerStock: {
      ...s.edgesPerStock,
      values: f32(s.edgesPerStock.values),
      byUniverse: s.edgesPerStock.byUniverse.map((u) => ({ ...u, values: f32(u.values) })),
    },
    industryProportion: { ...s.industryProportion, share: f32(s.industryProportion.share) },
  };
}
