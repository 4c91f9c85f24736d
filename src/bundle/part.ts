/**
 * The partial bundle of a sharded run (`npm run experiment -- --shard i/n` writes `part-<i-1>-of-<n>.flrun.zip`) and
 * the checks that join the parts (`npm run merge`). The same code in Node and the browser (fflate, no node:fs).
 *
 * A run is cut into JOBS: one job = one (model entry, split group) pair, listed model entry by model entry (the
 * config's order, after --models and seeds) and within an entry group by group (the split plan's order):
 *   job j = k * G + g   (entry k, group g, G groups per entry)
 * except a warm-started rolling model (each month starts from the previous month's weights), which is ONE job holding
 * all its groups. Shard i of n (0-based i) runs the jobs j with j mod n = i.
 *
 * A part is a zip of:
 *   manifest.json                  format 'factor-lab-run-part', the run key, the shard, the whole job list, the
 *                                  experiment config (what the merge reloads the data and re-evaluates with), the
 *                                  dataset fingerprint and the backend
 *   checkpoints/<k>/g<g>.json      each finished group of entry k: the group checkpoint the runner hands out
 *                                  (src/train/types.ts GroupCheckpoint: record, scores [H, Dg, N], channels), with
 *                                  its typed arrays as raw entries checkpoints/<k>/g<g>/<m>.bin (json.ts)
 */
import { strToU8, zipSync, type Zippable } from 'fflate';
import type { GroupCheckpoint } from '../train/types';
import { BundleError } from './format';
import { decodeJson, encodeJson, isObj } from './json';
import { unzipBundle } from './read';

export const PART_FORMAT = 'factor-lab-run-part';
export const PART_VERSION = 1;

/** One job of a sharded run: a model entry's split group(s). */
export interface ShardJob {
  /** e.g. 'mlp group 2/3 (2019H1)', or 'dfm (all 12 groups, warm-started)' */
  name: string;
  /** the model entry's label and its index in the run's entries */
  label: string;
  entry: number;
  /** split plan indices this job trains (one, or all of a warm-started rolling model) */
  groups: number[];
}

export interface PartManifest {
  format: typeof PART_FORMAT;
  version: number;
  lab: string;
  name: string;
  created: string;
  /** the whole run's key (bundleRunKey of every entry's runKey): equal on every part of one run */
  runKey: string;
  /** 0-based index and count */
  shard: { index: number; count: number };
  /** every job of the run, in job order (the same list on every part) */
  jobs: ShardJob[];
  /** each entry's label and runKey (the checkpoints' key), in entry order */
  entries: { label: string; runKey: string }[];
  /** the experiment config (scripts/experiment.ts ExperimentConfig) and its --models filter */
  config: Record<string, unknown>;
  models?: string[];
  /** directory the config's relative `files` paths were resolved against on the shard's machine */
  baseDir?: string;
  /** panelFingerprint of the data the shard trained on */
  fingerprint: string;
  backend: string;
}

/** The jobs of a run: entry by entry, group by group; `warm[k]` makes entry k one job of all its groups. */
export function shardJobs(entries: { label: string; groups: string[]; warm: boolean }[]): ShardJob[] {
  return entries.flatMap((e, k) => {
    const G = e.groups.length;
    if (e.warm)
      return [{ name: `${e.label} (all ${G} groups, warm-started)`, label: e.label, entry: k, groups: e.groups.map((_, g) => g) }];
    return e.groups.map((gl, g) => ({ name: `${e.label} group ${g + 1}/${G} (${gl})`, label: e.label, entry: k, groups: [g] }));
  });
}

/** the jobs of shard `index` of `count` (0-based): j mod count = index */
export const jobsOfShard = (jobs: ShardJob[], index: number, count: number): ShardJob[] => jobs.filter((_, j) => j % count === index);

/** Encode a part: its manifest and the checkpoints of its jobs' groups. */
export function writePart(manifest: Omit<PartManifest, 'format' | 'version'>, checkpoints: GroupCheckpoint[][]): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  checkpoints.forEach((cps, k) => {
    for (const cp of cps) {
      const base = `checkpoints/${k}/g${cp.groupIndex}`;
      files[`${base}.json`] = strToU8(encodeJson(cp, `${base}/`, files));
    }
  });
  const m: PartManifest = { format: PART_FORMAT, version: PART_VERSION, ...manifest };
  files['manifest.json'] = strToU8(JSON.stringify(m, null, 2) + '\n');
  const zip: Zippable = {};
  for (const [k, v] of Object.entries(files)) zip[k] = [v, { level: 6 }];
  return zipSync(zip, { mtime: new Date(m.created) });
}

export interface OpenedPart {
  /** the file name, for messages */
  file: string;
  manifest: PartManifest;
  /** checkpoints by entry index (only the groups of this part's jobs) */
  checkpoints: Map<number, GroupCheckpoint[]>;
}

/** Open a part (untrusted): every refusal is a BundleError naming the file and the entry or job. */
export function readPart(bytes: Uint8Array, file: string): OpenedPart {
  const files = unzipBundle(bytes);
  const P = `${file}: manifest.json`;
  const fail = (part: string, msg: string): never => {
    throw new BundleError(part, msg);
  };
  if (!files['manifest.json']) fail(file, 'no manifest.json: not a part of a sharded run');
  const m = decodeJson(new TextDecoder().decode(files['manifest.json']), P);
  if (!isObj(m)) return fail(P, 'must be an object');
  if (m.format !== PART_FORMAT)
    fail(
      P,
      m.format === 'factor-lab-run'
        ? 'a full run bundle, not a part of a sharded run: nothing to merge'
        : `format is ${JSON.stringify(String(m.format).slice(0, 40))}, not "${PART_FORMAT}"`,
    );
  if (m.version !== PART_VERSION) fail(P, `version ${String(m.version).slice(0, 20)}; this lab reads version ${PART_VERSION}`);
  for (const f of ['name', 'created', 'runKey', 'fingerprint', 'backend', 'lab'])
    if (typeof m[f] !== 'string') fail(P, `${f} must be text`);
  const sh = m.shard as PartManifest['shard'];
  if (!isObj(sh) || !Number.isInteger(sh.count) || sh.count < 1 || !Number.isInteger(sh.index) || sh.index < 0 || sh.index >= sh.count)
    fail(P, 'shard must be { index, count } with 0 <= index < count');
  if (!Array.isArray(m.entries) || !m.entries.every((e) => isObj(e) && typeof e.label === 'string' && typeof e.runKey === 'string'))
    fail(P, 'entries must be a list of { label, runKey }');
  const entries = m.entries as PartManifest['entries'];
  if (
    !Array.isArray(m.jobs) ||
    !m.jobs.every(
      (j) =>
        isObj(j) &&
        typeof j.name === 'string' &&
        typeof j.label === 'string' &&
        Number.isInteger(j.entry) &&
        (j.entry as number) >= 0 &&
        (j.entry as number) < entries.length &&
        Array.isArray(j.groups) &&
        j.groups.every((g) => Number.isInteger(g) && g >= 0),
    )
  )
    fail(P, 'jobs must be a list of { name, label, entry, groups }');
  if (!isObj(m.config)) fail(P, 'config must be an object (the experiment config)');
  const manifest = m as unknown as PartManifest;

  // the checkpoints of this part's jobs, each one present and of the run's key
  const checkpoints = new Map<number, GroupCheckpoint[]>();
  for (const job of jobsOfShard(manifest.jobs, sh.index, sh.count)) {
    for (const g of job.groups) {
      const name = `checkpoints/${job.entry}/g${g}.json`;
      const where = `${file}: job "${job.name}"`;
      if (!files[name]) fail(where, `${name} is missing (the shard did not finish this job)`);
      const cp = decodeJson(new TextDecoder().decode(files[name]), `${file}: ${name}`, (e) => files[e]);
      if (!isObj(cp)) return fail(where, `${name} must be an object`);
      const shape = cp.shape;
      if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((x) => Number.isInteger(x) && x >= 0))
        fail(where, `${name}: shape must be [H, Dg, N]`);
      const [H, D, N] = shape as number[];
      if (!(cp.scores instanceof Float32Array) || cp.scores.length !== H * D * N)
        fail(where, `${name}: scores must be ${H} x ${D} x ${N} float32 values`);
      if (cp.groupIndex !== g) fail(where, `${name} holds group ${String(cp.groupIndex)}, not ${g}`);
      if (cp.runKey !== entries[job.entry].runKey)
        fail(where, `${name} belongs to another run (key ${String(cp.runKey)}, not ${entries[job.entry].runKey})`);
      if (!isObj(cp.record) || typeof cp.label !== 'string') fail(where, `${name}: record and label are required`);
      const list = checkpoints.get(job.entry) ?? [];
      list.push(cp as unknown as GroupCheckpoint);
      checkpoints.set(job.entry, list);
    }
  }
  return { file, manifest, checkpoints };
}

/**
 * Check that `parts` are the shards of one run, every shard once and every job once, and gather each entry's
 * checkpoints in group order. Returns the first part's manifest (config, models, backend) and the checkpoints per entry.
 */
export function joinParts(parts: OpenedPart[]): { manifest: PartManifest; checkpoints: GroupCheckpoint[][] } {
  const P = 'merge';
  if (!parts.length) throw new BundleError(P, 'no parts to merge');
  const first = parts[0];
  const m0 = first.manifest;
  const { count } = m0.shard;
  const jobsText = JSON.stringify(m0.jobs);
  const byShard = new Map<number, OpenedPart>();
  for (const p of parts) {
    const m = p.manifest;
    const jobs = jobsOfShard(m.jobs, m.shard.index, m.shard.count);
    const tag = `part ${p.file} (shard ${m.shard.index + 1}/${m.shard.count}, jobs ${jobs.map((j) => j.name).join(', ') || 'none'})`;
    if (m.runKey !== m0.runKey)
      throw new BundleError(P, `${tag} belongs to another run (key ${m.runKey}, not ${m0.runKey} of ${first.file})`);
    if (m.fingerprint !== m0.fingerprint)
      throw new BundleError(P, `${tag} was run on other data (fingerprint ${m.fingerprint}, not ${m0.fingerprint} of ${first.file})`);
    if (m.shard.count !== count || JSON.stringify(m.jobs) !== jobsText)
      throw new BundleError(
        P,
        `${tag} was cut into another set of jobs or shards than ${first.file} (${count} shards, ${m0.jobs.length} jobs)`,
      );
    if (m.backend !== m0.backend)
      throw new BundleError(P, `${tag} trained on the ${m.backend} backend, ${first.file} on ${m0.backend}: one run trains on one backend`);
    const twin = byShard.get(m.shard.index);
    if (twin)
      throw new BundleError(
        P,
        `job ${jobs.map((j) => `"${j.name}"`).join(', ') || '(none)'} appears twice: in ${twin.file} and in ${p.file} (both shard ${m.shard.index + 1}/${count})`,
      );
    byShard.set(m.shard.index, p);
  }
  const missing = m0.jobs.filter((_, j) => !byShard.has(j % count));
  if (missing.length) {
    const shards = [...new Set(m0.jobs.map((_, j) => j % count).filter((i) => !byShard.has(i)))].map((i) => `${i + 1}/${count}`);
    throw new BundleError(
      P,
      `job(s) ${missing.map((j) => `"${j.name}"`).join(', ')} in no part: the part of shard(s) ${shards.join(', ')} is missing`,
    );
  }
  const shardsWithoutJobs = Array.from({ length: count }, (_, i) => i).filter((i) => !byShard.has(i));
  if (shardsWithoutJobs.length)
    throw new BundleError(P, `shard(s) ${shardsWithoutJobs.map((i) => `${i + 1}/${count}`).join(', ')} missing`);
  // every entry's groups in group order, each from the part whose job holds it
  const checkpoints: GroupCheckpoint[][] = m0.entries.map(() => []);
  m0.jobs.forEach((job, j) => {
    const p = byShard.get(j % count)!;
    const cps = p.checkpoints.get(job.entry) ?? [];
    for (const g of job.groups) {
      const cp = cps.find((c) => c.groupIndex === g);
      if (!cp) throw new BundleError(P, `part ${p.file} lacks group ${g + 1} of job "${job.name}"`);
      checkpoints[job.entry].push(cp);
    }
  });
  for (const cps of checkpoints) cps.sort((a, b) => a.groupIndex - b.groupIndex);
  return { manifest: m0, checkpoints };
}
