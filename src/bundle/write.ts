/**
 * Write a run bundle (format.ts) from a finished run: the same code in Node (scripts/experiment.ts) and the browser
 * (the lab worker, for "Save run"). Needs parquet-wasm initialised (initParquetNode / initParquetBrowser).
 */
import { zipSync, strToU8, type Zippable } from 'fflate';
import type { Panel } from '../core/panel';
import { tableToParquet } from '../data/parquet';
import { runKey } from '../train/run-key';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleManifest } from './format';
import { encodeJson } from './json';
import { bundleRunKey, panelFingerprint } from './hash';
import { buildMetrics, type MethodOutput } from './metrics';
import { curvesTable, gridsTable, portfolioTable, relevanceTable, scoresTable, splitsTable } from './tables';
import { version as labVersion } from '../../package.json';

export { labVersion };

export interface BundleInput {
  name: string;
  producer: 'node' | 'browser';
  /** ISO date-time (default now) */
  created?: string;
  panel: Panel;
  /** dataset spec of the run, with the loader's notes and warnings */
  dataset: Record<string, unknown> & { notes?: string[]; warnings?: string[] };
  backend: { name: string; reason: string; probes?: unknown };
  methods: { label: string; output: MethodOutput }[];
  /** a metrics.json object already built (the headless runner's); default buildMetrics(...) */
  metrics?: unknown;
  shard?: BundleManifest['shard'];
  notes?: string[];
  /** the run key of the whole run (default: the methods' run keys hashed together; a shard passes the full run's) */
  runKey?: string;
  /** merge only: the dataset block of the parts' manifests (the merged panel holds the grids' period only) */
  datasetInfo?: BundleManifest['dataset'];
  /** merge only: the grids' first panel date index (default: the first test date of any method) */
  gridsFrom?: number;
  /** compactBundle only: manifest.storage (relevance.parquet is left out when storage.dropped names it) */
  storage?: BundleManifest['storage'];
}

/** the part of a method's result kept in methods/<i>.json (scores and channel values live in scores.parquet) */
function methodJson(o: MethodOutput) {
  const { scores: _s, scoresByHorizon: _sh, channels, ...rest } = o;
  return { ...rest, channels: (channels ?? []).map((c) => ({ spec: c.spec })) };
}

/** float columns stored with BYTE_STREAM_SPLIT (compresses float noise ~15-25% better under zstd) */
function floatEncodings(t: { schema: { fields: { name: string; typeId: number }[] } }): Record<string, 'byte_stream_split'> {
  // arrow Type.Float = 3
  return Object.fromEntries(t.schema.fields.filter((f) => f.typeId === 3).map((f) => [f.name, 'byte_stream_split' as const]));
}

/** Encode the bundle (zip bytes). */
export function writeBundle(b: BundleInput): Uint8Array {
  const created = b.created ?? new Date().toISOString();
  const results = b.methods.map(({ label, output }) => ({ label, r: output }));
  const labels = b.methods.map((m) => m.label);
  const files: Record<string, Uint8Array> = {};
  // row groups of 1M rows: parquet-wasm decodes the DMFM Quick scores ~4x faster than with 122880-row groups
  const pq = (name: string, t: Parameters<typeof tableToParquet>[0] & { schema: { fields: { name: string; typeId: number }[] } }) =>
    (files[name] = tableToParquet(t, { columnEncodings: floatEncodings(t), rowGroupSize: 1 << 20 }));

  pq('scores.parquet', scoresTable(b.panel, results, { label: false }));
  pq('portfolio.parquet', portfolioTable(results));
  pq('curves.parquet', curvesTable(results));
  pq('splits.parquet', splitsTable(results));
  const firstTest = Math.min(...b.methods.map((m) => (m.output.testIndex.length ? m.output.testIndex[0] : b.panel.dates.length)));
  const from = b.gridsFrom ?? (Number.isFinite(firstTest) ? firstTest : b.panel.dates.length);
  pq('grids.parquet', gridsTable(b.panel, from));
  const explained = b.methods.filter((m) => m.output.explanation).map((m) => ({ label: m.label, ex: m.output.explanation! }));
  if (explained.length && !b.storage?.dropped.includes('relevance.parquet'))
    pq('relevance.parquet', relevanceTable(b.panel, explained, labels));
  b.methods.forEach((m, i) => (files[`methods/${i}.json`] = strToU8(encodeJson(methodJson(m.output), `methods/${i}/`, files))));

  const metrics =
    b.metrics ?? buildMetrics({ name: b.name, created, panel: b.panel, dataset: b.dataset, backend: b.backend, methods: b.methods });
  files['metrics.json'] = strToU8(JSON.stringify(metrics, null, 2) + '\n');

  const p = b.panel;
  const { notes: _n, warnings: _w, ...spec } = b.dataset;
  const keys = b.methods.map((m) => runKey(m.output.run));
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    lab: labVersion,
    name: b.name,
    created,
    producer: b.producer,
    runKey: b.runKey ?? bundleRunKey(keys),
    dataset: b.datasetInfo ?? {
      spec,
      fingerprint: panelFingerprint(p),
      description: `${p.source.name}: ${p.dates.length} dates x ${p.tickers.length} stocks x ${p.factorNames.length} factors (${p.dates[0]}..${p.dates[p.dates.length - 1]})`,
      T: p.dates.length,
      N: p.tickers.length,
      F: p.factorNames.length,
      start: p.dates[0] ?? '',
      end: p.dates[p.dates.length - 1] ?? '',
      horizons: p.horizons,
    },
    backend: b.backend.name,
    methods: b.methods.map((m, i) => ({
      label: m.label,
      model: m.output.model.id,
      runKey: keys[i],
      run: m.output.run as unknown as Record<string, unknown>,
      backend: m.output.backend.backend,
      seed: m.output.run.seed,
      timings: m.output.timings,
      groups: m.output.groups.length,
    })),
    grids: {
      from,
      dates: p.dates.slice(from),
      tickers: p.tickers,
      horizons: p.horizons,
      universes: p.universes.map((u) => ({ name: u.name, description: u.description })),
    },
    parts: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.byteLength])),
    ...(b.shard ? { shard: b.shard } : {}),
    ...(b.notes?.length ? { notes: b.notes } : {}),
    ...(b.storage ? { storage: b.storage } : {}),
  };
  files['manifest.json'] = strToU8(JSON.stringify(manifest, null, 2) + '\n');
  // parquet entries are zstd-compressed already: stored; JSON and raw arrays: deflated
  const zip: Zippable = {};
  for (const [k, v] of Object.entries(files)) zip[k] = [v, { level: k.endsWith('.parquet') ? 0 : 6 }];
  return zipSync(zip, { mtime: new Date(created) });
}
