/**
 * `npm run gallery`: the gallery of the papers' runs, finished runs a visitor opens in one click without training.
 * Each examples/gallery/<id>.json is an experiment config (scripts/experiment.ts) plus a "gallery" block (title,
 * description); the headless runner trains it, the run bundle is compacted (src/bundle/compact.ts) and written to
 * public/gallery/<id>.flrun.zip. A config with "combine": [ids] instead of models is the comparison: the methods of
 * those runs in one bundle (they must share the data, split, test period and strategy; a label two runs share, e.g.
 * linear, is taken once since its run is the same). public/gallery/index.json lists them all.
 *
 * usage: npm run gallery -- [--only dmfm,dfm] [--backend wasm|cpu|auto] [--out public/gallery] [--work out/gallery]
 *   --only     build these ids only (the index keeps the other entries already in it)
 *   --work     where the full runs go (checkpoints: a re-run resumes)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runExperiment, type ExperimentConfig } from './experiment';
import type { BackendName } from '../src/train/backend';
import { initParquetNode } from '../src/data/parquet-node';
import { readBundle, type OpenedBundle } from '../src/bundle/read';
import { compactBundle } from '../src/bundle/compact';
import { padPanel } from '../src/bundle/grids';
import { writeBundle } from '../src/bundle/write';
import { bundleRunKey } from '../src/bundle/hash';
import { BUNDLE_EXT } from '../src/bundle/format';

export interface GalleryConfig extends ExperimentConfig {
  gallery: { title: string; description: string };
  /** the comparison: ids of the gallery runs whose methods it holds */
  combine?: string[];
}

/** one entry of public/gallery/index.json (read by the Runs panel: src/state/gallery.ts) */
export interface GalleryEntry {
  id: string;
  file: string;
  title: string;
  description: string;
  methods: string[];
  dataset: string;
  /** first .. last test date */
  period: string;
  bytes: number;
  /** the full bundle's bytes before compaction */
  originalBytes: number;
  created: string;
}

const JSON_EXT = '.json';

/** The gallery configs of a folder, by id (file name), the combined ones last. */
export function readGalleryConfigs(dir: string): { id: string; config: GalleryConfig }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(JSON_EXT))
    .sort()
    .map((f) => {
      const config = JSON.parse(readFileSync(join(dir, f), 'utf8')) as GalleryConfig;
      if (!config.gallery?.title) throw new Error(`${join(dir, f)}: "gallery": { "title", "description" } is missing`);
      if (!config.combine && !config.models?.length) throw new Error(`${join(dir, f)}: needs "models" or "combine"`);
      return { id: basename(f, JSON_EXT), config };
    })
    .sort((a, b) => Number(!!a.config.combine) - Number(!!b.config.combine));
}

/**
 * One bundle holding the methods of several runs of the same data, split, test period and strategy (the comparison).
 * A label in two runs is taken from the first (the same run config gives the same result); refuses runs that differ.
 */
export function combineBundles(name: string, parts: { id: string; b: OpenedBundle }[]): Uint8Array {
  const first = parts[0].b;
  const same = (x: OpenedBundle) => {
    const a = x.methods[0].output.run,
      f = first.methods[0].output.run;
    const j = JSON.stringify;
    if (x.manifest.dataset.fingerprint !== first.manifest.dataset.fingerprint) return 'the data differ';
    if (j(a.split) !== j(f.split) || j(a.strategy) !== j(f.strategy) || a.universe !== f.universe) return 'the split or strategy differs';
    if (x.gridOffset !== first.gridOffset || j(x.manifest.grids) !== j(first.manifest.grids)) return 'the test period differs';
    return null;
  };
  for (const p of parts) {
    const why = same(p.b);
    if (why) throw new Error(`gallery: cannot combine ${p.id} with ${parts[0].id}: ${why}`);
  }
  const seen = new Set<string>();
  const methods: OpenedBundle['methods'] = [];
  const models: Record<string, unknown> = {};
  for (const { b } of parts)
    for (const m of b.methods) {
      if (seen.has(m.label)) continue;
      seen.add(m.label);
      methods.push(m);
      models[m.label] = (b.metrics.models as Record<string, unknown>)[m.label];
    }
  const m0 = first.manifest;
  const metrics = { ...first.metrics, name, models };
  return writeBundle({
    name,
    producer: 'node',
    created: m0.created,
    panel: padPanel(first),
    dataset: m0.dataset.spec,
    backend: { name: m0.backend, reason: '' },
    methods,
    metrics,
    runKey: bundleRunKey(parts.flatMap((p) => p.b.manifest.methods.map((m) => m.runKey))),
    datasetInfo: m0.dataset,
    gridsFrom: m0.grids.from,
  });
}

function entryOf(id: string, file: string, c: GalleryConfig, small: Uint8Array): GalleryEntry {
  const b = readBundle(small);
  const d = b.methods[0]?.output.testDates ?? [];
  return {
    id,
    file,
    title: c.gallery.title,
    description: c.gallery.description,
    methods: b.methods.map((m) => m.label),
    dataset: b.manifest.dataset.description,
    period: d.length ? `${d[0]} … ${d[d.length - 1]}` : '',
    bytes: small.byteLength,
    originalBytes: b.manifest.storage?.originalBytes ?? small.byteLength,
    created: b.manifest.created,
  };
}

export async function buildGallery(o: {
  configs: string;
  out: string;
  work: string;
  only?: string[];
  backend?: BackendName | 'auto';
  log?: (s: string) => void;
}): Promise<GalleryEntry[]> {
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  await initParquetNode();
  mkdirSync(o.out, { recursive: true });
  const indexPath = join(o.out, 'index.json');
  const index: GalleryEntry[] = existsSync(indexPath) ? (JSON.parse(readFileSync(indexPath, 'utf8')) as GalleryEntry[]) : [];
  const full = new Map<string, OpenedBundle>();
  const fullOf = (id: string) => {
    const p = join(o.work, id, `run${BUNDLE_EXT}`);
    if (!full.has(id)) {
      if (!existsSync(p)) throw new Error(`gallery: the run ${id} has no bundle at ${p} (build it: npm run gallery -- --only ${id})`);
      full.set(id, readBundle(new Uint8Array(readFileSync(p))));
    }
    return full.get(id)!;
  };
  for (const { id, config } of readGalleryConfigs(o.configs)) {
    if (o.only && !o.only.includes(id)) continue;
    const t0 = Date.now();
    let small: Uint8Array;
    if (config.combine) {
      const name = config.name ?? `gallery-${id}`;
      small = compactBundle(
        combineBundles(
          name,
          config.combine.map((c) => ({ id: c, b: fullOf(c) })),
        ),
      );
    } else {
      const { gallery: _g, combine: _c, ...exp } = config;
      await runExperiment(exp, join(o.work, id), { backend: o.backend ?? 'wasm', resume: true, log });
      full.delete(id);
      small = compactBundle(fullOf(id));
    }
    const file = `${id}${BUNDLE_EXT}`;
    writeFileSync(join(o.out, file), small);
    const e = entryOf(id, file, config, small);
    const k = index.findIndex((x) => x.id === id);
    if (k >= 0) index[k] = e;
    else index.push(e);
    log(
      `[gallery] ${file}: ${(small.byteLength / 1048576).toFixed(2)} MB (full ${(e.originalBytes / 1048576).toFixed(2)} MB), ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  // the index in the configs' order (runs, then the comparison)
  const order = readGalleryConfigs(o.configs).map((c) => c.id);
  index.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  writeFileSync(indexPath, JSON.stringify(index, null, 2) + '\n');
  const total = index.reduce((s, e) => s + e.bytes, 0);
  log(`[gallery] ${indexPath}: ${index.length} runs, ${(total / 1048576).toFixed(2)} MB in all`);
  return index;
}

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) if (argv[i].startsWith('--')) out[argv[i].slice(2)] = argv[i + 1] ?? '';
  return out;
}

if (process.argv[1] && /gallery\.ts$/.test(process.argv[1])) {
  const a = args(process.argv.slice(2));
  buildGallery({
    configs: a.configs || 'examples/gallery',
    out: a.out || 'public/gallery',
    work: a.work || 'out/gallery',
    only: a.only ? a.only.split(',') : undefined,
    backend: (a.backend as BackendName | 'auto') || undefined,
  }).catch((e) => {
    process.stderr.write(`[gallery] ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
    process.exit(1);
  });
}
