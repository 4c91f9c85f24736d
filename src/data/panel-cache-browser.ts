/**
 * The panel cache's browser stores (see panel-cache.ts): the Origin Private File System when the runtime has it (a
 * directory `panel-cache/`, one file per panel, written through a sync access handle inside the worker), else an
 * IndexedDB object store. Neither: no cache (null), the lab works as before.
 */
import { idbObjectStore } from '../core/idb';
import { PanelCache, type BlobStore } from './panel-cache';

interface SyncHandle {
  getSize(): number;
  read(b: Uint8Array, o: { at: number }): number;
  write(b: Uint8Array, o: { at: number }): number;
  truncate(n: number): void;
  flush(): void;
  close(): void;
}
type FileHandle = FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<SyncHandle> };

/** bytes written between two yields to the worker's event loop (a sync write of 16 MB takes ~0.1-0.3 s here) */
const CHUNK = 16 << 20;

const notFound = (e: unknown) => e instanceof DOMException && (e.name === 'NotFoundError' || e.name === 'TypeMismatchError');

async function opfsStore(): Promise<BlobStore | null> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (!storage?.getDirectory) return null;
  const root = await storage.getDirectory();
  const dir = await root.getDirectoryHandle('panel-cache', { create: true });
  // the parts one after another (the panel's arrays are written from its own memory: the blob is never built whole)
  async function putParts(name: string, parts: Uint8Array[]): Promise<void> {
    const fh = (await dir.getFileHandle(name, { create: true })) as FileHandle;
    if (fh.createSyncAccessHandle) {
      const h = await fh.createSyncAccessHandle();
      try {
        h.truncate(0);
        let at = 0,
          sinceYield = 0;
        for (const bytes of parts) {
          let done = 0;
          while (done < bytes.length) {
            const n = h.write(bytes.subarray(done, Math.min(bytes.length, done + CHUNK)), { at });
            if (n <= 0) throw new Error(`OPFS wrote ${at} bytes, then nothing`);
            done += n;
            at += n;
            sinceYield += n;
            // the worker answers other requests between chunks (the save runs after the load's reply)
            if (sinceYield >= CHUNK) {
              sinceYield = 0;
              await new Promise((r) => setTimeout(r, 0));
            }
          }
        }
        h.flush();
      } finally {
        h.close();
      }
      return;
    }
    const w = await fh.createWritable();
    try {
      for (const bytes of parts) await w.write(bytes as Uint8Array<ArrayBuffer>);
    } finally {
      await w.close();
    }
  }
  return {
    kind: 'opfs',
    async get(name) {
      let fh: FileHandle;
      try {
        fh = (await dir.getFileHandle(name)) as FileHandle;
      } catch (e) {
        if (notFound(e)) return null;
        throw e;
      }
      // a sync access handle reads straight into one buffer (getFile().arrayBuffer() was several times slower)
      if (fh.createSyncAccessHandle) {
        const h = await fh.createSyncAccessHandle();
        try {
          const out = new Uint8Array(h.getSize());
          let at = 0;
          while (at < out.length) {
            const n = h.read(out.subarray(at), { at });
            if (n <= 0) break;
            at += n;
          }
          return at === out.length ? out : out.subarray(0, at);
        } finally {
          h.close();
        }
      }
      return new Uint8Array(await (await fh.getFile()).arrayBuffer());
    },
    async put(name, bytes) {
      await putParts(name, [bytes]);
    },
    putParts,
    async delete(name) {
      try {
        await dir.removeEntry(name);
      } catch (e) {
        if (!notFound(e)) throw e;
      }
    },
    async list() {
      const out: string[] = [];
      for await (const k of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) out.push(k);
      return out;
    },
  };
}

function indexedDbStore(): BlobStore | null {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return null;
  const tx = idbObjectStore(idb, 'factor-lab-panel-cache', 'blobs', 'name');
  return {
    kind: 'indexeddb',
    get: async (name) => {
      const r = await tx<{ name: string; bytes: Uint8Array } | undefined>('readonly', (s) => s.get(name));
      return r ? r.bytes : null;
    },
    put: async (name, bytes) => {
      await tx('readwrite', (s) => s.put({ name, bytes }));
    },
    delete: async (name) => {
      await tx('readwrite', (s) => s.delete(name));
    },
    list: async () => (await tx('readonly', (s) => s.getAllKeys())).map(String),
  };
}

/** The browser's panel cache (OPFS, else IndexedDB), or null when neither works here. */
export async function browserPanelCache(): Promise<PanelCache | null> {
  try {
    const s = await opfsStore();
    if (s) return new PanelCache(s);
  } catch {
    /* OPFS refused (e.g. a private window): fall back to IndexedDB */
  }
  const s = indexedDbStore();
  return s ? new PanelCache(s) : null;
}
