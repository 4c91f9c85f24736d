/**
 * Merge the partial bundles of a sharded run into one:
 *   npm run merge -- parts/*.flrun.zip --out run.flrun.zip
 * Each part comes from `npm run experiment -- --config <run.json> --out <dir> --shard i/n` on any machine (deploy/ has
 * templates for a Kubernetes Indexed Job, a Slurm array and a GitHub Actions matrix). The parts must belong to the
 * same run (run key, dataset fingerprint, job list); the result is the bundle one machine would have written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { initParquetNode } from '../src/data/parquet-node';
import { readBundle } from '../src/bundle/read';
import { mergeBundles } from '../src/bundle/merge';

export async function mergeFiles(files: string[], out: string, log: (s: string) => void = (s) => process.stderr.write(s + '\n')) {
  await initParquetNode();
  const parts = files.map((f) => {
    const b = readBundle(new Uint8Array(readFileSync(f)));
    log(
      `[merge] ${f}: shard ${(b.manifest.shard?.index ?? -1) + 1}/${b.manifest.shard?.count ?? '?'} (${b.methods.map((m) => m.label).join(', ') || 'no job'})`,
    );
    return b;
  });
  const bytes = mergeBundles(parts);
  writeFileSync(out, bytes);
  log(`[merge] wrote ${out}: ${(bytes.byteLength / 1048576).toFixed(2)} MB`);
  return bytes;
}

async function main() {
  const argv = process.argv.slice(2);
  const o = argv.indexOf('--out');
  const out = o >= 0 ? argv[o + 1] : undefined;
  const files = argv.filter((a, i) => (a !== '--out' && i !== o + 1) || o < 0);
  if (!out || !files.length) {
    process.stderr.write('usage: npm run merge -- <part.flrun.zip>... --out <run.flrun.zip>\n');
    process.exit(2);
  }
  await mergeFiles(files, out);
}

if (process.argv[1] && /merge\.ts$/.test(process.argv[1]))
  main().catch((e) => {
    process.stderr.write(`[merge] ${e.message}\n${e.hint ? `  hint: ${e.hint}\n` : ''}`);
    process.exit(1);
  });
