/**
 * Merge the partial bundles of a sharded run (`npm run experiment -- --shard i/n`, one per shard) into the bundle one
 * machine would have written: the parts must carry the same run key, dataset fingerprint and job list, every shard
 * index once, every job once. Methods come in the job order; metrics.json's models too. Pure (Node and browser).
 */
import { BundleError } from './format';
import type { OpenedBundle } from './read';
import { padPanel } from './grids';
import { writeBundle } from './write';

export function mergeBundles(parts: OpenedBundle[]): Uint8Array {
  const P = 'merge';
  if (!parts.length) throw new BundleError(P, 'no parts to merge');
  const first = parts[0].manifest;
  if (!first.shard) throw new BundleError(P, `${first.name} is not a shard (no manifest.shard): nothing to merge`);
  const { count, jobs } = first.shard;
  const seen = new Set<number>();
  for (const p of parts) {
    const m = p.manifest;
    if (!m.shard) throw new BundleError(P, `a part is a full bundle, not a shard (${m.name})`);
    if (m.runKey !== first.runKey)
      throw new BundleError(P, `part ${m.shard.index + 1}/${m.shard.count} belongs to another run (key ${m.runKey}, not ${first.runKey})`);
    if (m.dataset.fingerprint !== first.dataset.fingerprint)
      throw new BundleError(P, `part ${m.shard.index + 1} was run on other data (fingerprint ${m.dataset.fingerprint})`);
    if (m.shard.count !== count || JSON.stringify(m.shard.jobs) !== JSON.stringify(jobs))
      throw new BundleError(
        P,
        `part ${m.shard.index + 1} was cut into another set of shards (${m.shard.count} shards, jobs ${m.shard.jobs.join(', ')})`,
      );
    if (seen.has(m.shard.index)) throw new BundleError(P, `shard ${m.shard.index + 1}/${count} appears twice`);
    seen.add(m.shard.index);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) throw new BundleError(P, `shard(s) ${missing.map((i) => `${i + 1}/${count}`).join(', ')} missing`);

  const byLabel = new Map<string, { part: OpenedBundle; k: number }>();
  for (const p of parts)
    p.methods.forEach((m, k) => {
      if (byLabel.has(m.label)) throw new BundleError(P, `job ${JSON.stringify(m.label)} is in two parts`);
      if (!jobs.includes(m.label)) throw new BundleError(P, `job ${JSON.stringify(m.label)} is not one of the run's jobs`);
      byLabel.set(m.label, { part: p, k });
    });
  const absent = jobs.filter((j) => !byLabel.has(j));
  if (absent.length) throw new BundleError(P, `job(s) ${absent.join(', ')} are in no part`);

  // the grids: the part whose grids start first holds every later date (each runs to the panel's end)
  const base = parts.reduce((a, b) => (b.gridOffset < a.gridOffset ? b : a));
  const methods = jobs.map((j) => {
    const { part, k } = byLabel.get(j)!;
    return part.methods[k];
  });
  type Metrics = Record<string, unknown> & { models: Record<string, unknown>; table4?: { model: string }[] };
  const m0 = parts.find((p) => p.manifest.shard!.index === 0)!.metrics as Metrics;
  const models: Record<string, unknown> = {};
  for (const j of jobs) models[j] = (byLabel.get(j)!.part.metrics as Metrics).models[j];
  const t4 = parts.flatMap((p) => (p.metrics as Metrics).table4 ?? []);
  const metrics: Metrics = { ...m0, models };
  if (t4.length) metrics.table4 = jobs.map((j) => t4.find((r) => r.model === j)!).filter(Boolean);
  else delete metrics.table4;
  // table4 sits before models in a runner's metrics.json: keep that order
  const ordered = Object.fromEntries(
    Object.entries(metrics)
      .filter(([k]) => k !== 'models')
      .concat([['models', models]]),
  );

  return writeBundle({
    name: first.name,
    producer: first.producer,
    created: first.created,
    panel: padPanel(base),
    dataset: first.dataset.spec,
    backend: { name: first.backend, reason: '' },
    methods,
    metrics: ordered,
    runKey: first.runKey,
    datasetInfo: first.dataset,
    gridsFrom: base.gridOffset,
    notes: first.notes,
  });
}
