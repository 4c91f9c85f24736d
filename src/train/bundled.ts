/**
 * Where a bundled dataset's files live under public/data/ (served as data/ next to index.html).
 * The bundler (scripts/make-bundled-data.ts) writes `data/manifest.json`:
 * `[{ "id": "...", "file": "prices.parquet", "sectorsFile": "sectors.parquet", ... }]`; without a manifest the
 * convention `<name>.prices.parquet` (+ optional `<name>.sectors.parquet`) is tried.
 */
import { LabError } from '../core/errors';

export interface BundledEntry {
  name: string;
  prices: string;
  sectors?: string;
}
interface ManifestEntry {
  id: string;
  file: string;
  sectorsFile?: string;
  description?: string;
}

/** the files of bundled dataset `name` given the manifest (or null when there is none) */
export function bundledFiles(name: string, manifest: BundledEntry[] | null): BundledEntry {
  if (manifest) {
    const e = manifest.find((m) => m.name === name);
    if (!e)
      throw new LabError(
        `Bundled dataset "${name}" is not in data/manifest.json.`,
        `Bundled datasets: ${manifest.map((m) => m.name).join(', ') || 'none'}.`,
      );
    return e;
  }
  return { name, prices: `${name}.prices.parquet`, sectors: `${name}.sectors.parquet` };
}

/** Read a bundled dataset through `read(relativePath)` (null = file absent). */
export async function readBundledWith(
  name: string,
  read: (rel: string) => Promise<Uint8Array | null>,
): Promise<{ prices: Uint8Array; sectors?: Uint8Array; fileName: string }> {
  const m = await read('manifest.json');
  const manifest = m
    ? (JSON.parse(new TextDecoder().decode(m)) as ManifestEntry[]).map((e) => ({ name: e.id, prices: e.file, sectors: e.sectorsFile }))
    : null;
  const f = bundledFiles(name, manifest);
  const prices = await read(f.prices);
  if (!prices)
    throw new LabError(
      `Bundled dataset "${name}": file data/${f.prices} was not found.`,
      'Run `npm run data:bundle` to create the bundled data, or load a file.',
    );
  const sectors = f.sectors ? ((await read(f.sectors)) ?? undefined) : undefined;
  return { prices, sectors, fileName: f.prices };
}
