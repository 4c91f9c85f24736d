/**
 * Merge the parts of a sharded run into the bundle one machine would have written:
 *   npm run merge -- parts/*.flrun.zip --out run.flrun.zip [--config run.json] [--keep <dir>]
 * Each part comes from `npm run experiment -- --config <run.json> --out <dir> --shard i/n` on any machine (deploy/ has
 * templates for a Kubernetes Indexed Job, a Slurm array and a GitHub Actions matrix) and holds the finished split
 * groups of its jobs (src/bundle/part.ts: one job = one (model entry, split group) pair). The parts must be the shards
 * of one run (run key, dataset fingerprint, job list, backend), every shard once and every job once. The merge then
 * loads the data again (the config the parts carry; --config to find its `files` elsewhere), puts every group back and
 * runs the headless runner itself (scripts/experiment.ts runExperiment with `checkpoints`): the same evaluation,
 * explanations, tables and metrics.json as an unsharded run, so the bundle equals that run's (timings and date aside).
 * --keep <dir> keeps the runner's other outputs there (metrics.json, scores.parquet, ...).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { joinParts, readPart } from '../src/bundle/part';
import { BUNDLE_EXT } from '../src/bundle/format';
import { runExperiment, type ExperimentConfig } from './experiment';
import type { BackendName } from '../src/train/backend';

export async function mergeFiles(
  files: string[],
  out: string,
  o: { config?: string; keep?: string; log?: (s: string) => void } = {},
): Promise<Record<string, unknown>> {
  const log = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  const parts = files.map((f) => {
    const p = readPart(new Uint8Array(readFileSync(f)), f);
    const m = p.manifest;
    log(
      `[merge] ${f}: shard ${m.shard.index + 1}/${m.shard.count} of run ${m.runKey} (${[...p.checkpoints.values()].flat().length} groups)`,
    );
    return p;
  });
  const { manifest, checkpoints } = joinParts(parts);
  const config = (o.config ? JSON.parse(readFileSync(o.config, 'utf8')) : manifest.config) as ExperimentConfig;
  const baseDir = o.config ? dirname(resolve(o.config)) : manifest.baseDir;
  const work = o.keep ?? mkdtempSync(join(tmpdir(), 'factor-lab-merge-'));
  try {
    const metrics = (await runExperiment(config, work, {
      backend: manifest.backend as BackendName,
      only: manifest.models,
      baseDir,
      checkpoints,
      log,
      // the run must be the parts' run: the same key, on the same data
      check: ({ runKey, fingerprint }) => {
        if (runKey !== manifest.runKey)
          throw new Error(
            `merge: the config${o.config ? ` ${o.config}` : ''} gives run key ${runKey}, the parts ${manifest.runKey} (${parts[0].file})`,
          );
        if (fingerprint !== manifest.fingerprint)
          throw new Error(`merge: the data loaded now (fingerprint ${fingerprint}) is not the parts' (${manifest.fingerprint})`);
      },
    })) as Record<string, unknown>;
    copyFileSync(join(work, `run${BUNDLE_EXT}`), out);
    log(`[merge] wrote ${out} (${parts.length} parts, ${manifest.jobs.length} jobs)`);
    return metrics;
  } finally {
    if (!o.keep) rmSync(work, { recursive: true, force: true });
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const flags: Record<string, string> = {};
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (['--out', '--config', '--keep'].includes(argv[i])) flags[argv[i].slice(2)] = argv[++i];
    else files.push(argv[i]);
  }
  if (!flags.out || !files.length) {
    process.stderr.write(`usage: npm run merge -- <part${BUNDLE_EXT}>... --out <run${BUNDLE_EXT}> [--config <run.json>] [--keep <dir>]\n`);
    process.exit(2);
  }
  await mergeFiles(files, flags.out, { config: flags.config, keep: flags.keep });
}

if (process.argv[1] && basename(process.argv[1]) === 'merge.ts')
  main().catch((e) => {
    process.stderr.write(`[merge] ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
    process.exit(1);
  });
