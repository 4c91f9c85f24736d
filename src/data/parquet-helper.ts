/**
 * A parquet row group decoded on a helper thread (cross-section-pool.ts) while the loading thread inserts the groups
 * before it into DuckDB (loadParquet): decoding and inserting take about as long each, so the load takes about half.
 * The file travels as a Blob (shared, not copied, when posted); the helper reads it into its own memory once per file
 * and keeps that copy for the file's next groups, until the load ends. The decoded group is exactly what the loading
 * thread would decode (the same parquet-wasm call on the same bytes); a failure is sent back as an error and the
 * loading thread decodes that group itself, with its own messages for a damaged file.
 */
import { decodeRowGroup } from './parquet';

export interface ParquetGroupJob {
  id: number;
  parquet: {
    /** which file (a new number per load): the helper's copy of the bytes is kept while the number is the same */
    file: number;
    /**
     * the file; null with group -1: only load parquet-wasm (so the first real group does not wait for it) and drop
     * the copy of the last file (sent when a load ends)
     */
    blob: Blob | null;
    group: number;
    batchSize: number;
    /** the columns to keep (undefined = all) */
    columns?: string[];
  };
}

let held: { file: number; bytes: Uint8Array } | null = null;

/** Decode the job's row group to an Arrow IPC stream (its own buffer, to transfer); `init` instantiates parquet-wasm. */
export async function runParquetJob(
  job: ParquetGroupJob,
  init: () => Promise<void>,
): Promise<{ reply: { id: number; ok: true; ipc: Uint8Array } | { id: number; ok: false; error: string }; transfer: ArrayBuffer[] }> {
  try {
    await init();
    const p = job.parquet;
    if (p.group < 0 || !p.blob) {
      held = null; // a warm-up, or the end of a load: no file to keep
      return { reply: { id: job.id, ok: true, ipc: new Uint8Array(0) }, transfer: [] };
    }
    if (!held || held.file !== p.file) {
      held = null; // the previous file's copy goes before the next is read
      held = { file: p.file, bytes: new Uint8Array(await p.blob.arrayBuffer()) };
    }
    const ipc = decodeRowGroup(held.bytes, p.group, p.batchSize, p.columns);
    const own = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength ? ipc : ipc.slice();
    return { reply: { id: job.id, ok: true, ipc: own }, transfer: [own.buffer as ArrayBuffer] };
  } catch (e) {
    return { reply: { id: job.id, ok: false, error: e instanceof Error ? e.message : String(e) }, transfer: [] };
  }
}
