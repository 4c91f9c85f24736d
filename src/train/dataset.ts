/**
 * DatasetSpec -> Panel, the same on both runtimes. The runtime-specific pieces (SQL engine, parquet-wasm
 * initialisation, reading bundled files) come in through `DataIO`, so the worker passes browser versions and
 * the headless runner Node versions.
 *   synthetic:             data/synthetic panelFromSynthetic
 *   bundled / file / url:  parquet or CSV -> DuckDB (loadTableFile; raw table dropped once validated) -> validateInput ->
 *                          computeFactorPanel (prices: factors streamed straight into the panel) or
 *                          factorPanelToFrame + buildPanel (factor panel)
 */
import type { Panel } from '../core/panel';
import type { DatasetSpec, PreprocessConfig } from '../core/run';
import { LabError } from '../core/errors';
import type { SqlEngine } from '../data/sql-engine';
import { loadTableFile } from '../data/table-file';
import { pricesInputColumns, validateInput, validateSectors, type ValidationResult } from '../data/schema';
import { computeFactorPanel, factorPanelToFrame, lastTimings } from '../data/factors';
import { buildPanel, panelSummary } from '../data/panel';
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
}

export interface LoadedDataset {
  panel: Panel;
  warnings: string[];
  notes: string[];
  load_ms: number;
  /** ms per step of the load (parquet, validate, market, stocks, sort, factors, preprocess / panel) */
  steps?: Record<string, number>;
}

/** Load the dataset `spec` into a Panel; `bytes` (and `sectorsBytes`) for a user file (kind 'file'). */
export async function loadPanel(
  io: DataIO,
  spec: DatasetSpec,
  prep: PreprocessConfig,
  bytes?: Uint8Array,
  sectorsBytes?: Uint8Array,
): Promise<LoadedDataset> {
  const t0 = performance.now();
  if (spec.kind === 'synthetic') {
    const panel = panelFromSynthetic(spec.synthetic ?? {}, prep, { start: spec.start, end: spec.end });
    return { panel, warnings: [], notes: panel.source.notes ?? [], load_ms: performance.now() - t0 };
  }
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
  const steps: Record<string, number> = {};
  let t1 = performance.now();
  const lap = (k: string) => {
    steps[k] = performance.now() - t1;
    t1 = performance.now();
  };
  await io.initParquet();
  const engine = await io.engine();
  lap('init');
  // a prices file: only the columns validation reads are decoded (e.g. not dividend, split)
  const loaded = await loadTableFile(engine, 'raw_input', prices, { fileName, selectColumns: pricesInputColumns });
  lap('parquet');
  let v: ValidationResult;
  try {
    // prices are written in (ticker, date) order: the order the factor pass streams, so it needs no sorted copy
    v = validateInput(engine, 'raw_input', {
      file: fileName,
      order: 'ticker',
      fileColumns: loaded.fileColumns,
      extremeReturns: prep.extremeReturns,
      includeLabelLike: prep.includeLabelLike,
    });
  } finally {
    engine.run('DROP TABLE IF EXISTS raw_input'); // the clean table is a copy: free the raw one now
  }
  const warnings = [...v.warnings],
    notes = [...v.notes];
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
    let sectorsTable: string | undefined;
    if (sectors) {
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
    lap('validate');
    panel = computeFactorPanel(
      engine,
      { prices: v.table, sectors: sectorsTable, start: spec.start, end: spec.end, name: spec.name, industryLevel: prep.industryLevel },
      prep,
    );
    for (const [k, ms] of Object.entries(lastTimings)) steps[k === 'panel' ? 'preprocess' : k] = ms;
  } else if (v.shape === 'factors') {
    lap('validate');
    panel = buildPanel(
      factorPanelToFrame(engine, v.table, { columns: v.columns, start: spec.start, end: spec.end, name: spec.name }),
      prep,
    );
    lap('panel');
  } else {
    throw new LabError(
      `${fileName}: this is a sectors file (ticker, sector); a dataset needs prices (date, ticker, close, ...) or a factor panel.`,
      'Load the prices file first, then add the sectors file next to it.',
    );
  }
  notes.push(...(panel.source.notes ?? []));
  return { panel, warnings, notes, load_ms: performance.now() - t0, steps };
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
export function summarizePanel(panel: Panel, loaded: Omit<LoadedDataset, 'panel'>, tables: DatasetSummary['tables'] = []): DatasetSummary {
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
  };
}
