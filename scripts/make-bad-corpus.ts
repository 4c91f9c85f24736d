/**
 * Write the bad-input corpus (scripts/bad-corpus.ts) to a folder for people and other tools: one file per file case,
 * `links.txt` with the URL cases, and `manifest.json` with every case's id, class, kind, file, expected outcome and the
 * message pattern. Usage: `npx tsx scripts/make-bad-corpus.ts [out-dir]` (default test-results/bad-corpus).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { badCorpus, type Encoders } from './bad-corpus';
import { initParquetNode } from '../src/data/parquet-node';
import { tableToParquet } from '../src/data/parquet';

async function main(): Promise<void> {
  const out = process.argv[2] ?? join('test-results', 'bad-corpus');
  mkdirSync(out, { recursive: true });
  await initParquetNode();
  const enc: Encoders = { parquet: (t, o) => tableToParquet(t, o), gzip: (b) => new Uint8Array(gzipSync(b)) };
  const manifest: Record<string, unknown>[] = [];
  const links: string[] = [];
  for (const c of badCorpus()) {
    if (c.kind === 'url') {
      links.push(`${c.id}\t${c.hash.length > 200 ? `${c.hash.slice(0, 200)}… (${c.hash.length} characters)` : c.hash}`);
      manifest.push({ id: c.id, cls: c.cls, kind: c.kind, hash: c.hash.slice(0, 200), expect: c.expect, match: String(c.match) });
      continue;
    }
    // a safe file name on disk (the case's own name, markup included, is in the manifest)
    const ext = c.name.match(/\.(parquet|csv\.gz|csv)$/)?.[0] ?? '.bin';
    const disk = `${c.id}${ext}`;
    writeFileSync(join(out, disk), c.make(enc));
    manifest.push({ id: c.id, cls: c.cls, kind: c.kind, file: disk, name: c.name, expect: c.expect, match: String(c.match) });
  }
  writeFileSync(join(out, 'links.txt'), links.join('\n') + '\n');
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1));
  const n = (o: string) => manifest.filter((m) => m.expect === o).length;
  console.log(`${manifest.length} cases written to ${out}: ${n('error')} error, ${n('warning')} warning, ${n('handled')} handled`);
}

void main();
