/**
 * Saved group checkpoints of stopped runs, so a page reload keeps the split groups a long run already trained.
 * IndexedDB (database 'factor-lab', object store 'checkpoints', keyed by runKey) where the page has it; an in-memory
 * map otherwise (vitest in Node, a browser that refuses storage): then they last as long as the page.
 */
import type { RunConfig } from '../core/run';
import type { GroupCheckpoint } from './lab-api';
import { idbObjectStore } from './idb';

/** the key of the run that checkpoints belong to (src/train/run-key.ts), for the UI */
export { runKey } from '../train/run-key';

/** The finished groups of one run (one runKey), as saved. */
export interface SavedCheckpoint {
  runKey: string;
  /** what the Resume button names, e.g. 'MLP on us-large-cap-2012-2019' */
  label: string;
  /** the run that trained them (a resume trains exactly this run) */
  run: RunConfig;
  /** finished groups, by ascending group index */
  groups: GroupCheckpoint[];
  /** groups in the run's split plan (0 until the first group reports) */
  total: number;
  /** Date.now() of the last save */
  savedAt: number;
  /** "Compare methods": the runs still queued after this one (a resume trains them next, in order) */
  queue?: RunConfig[];
  /** the queue trains over seeds ("Seeds"): the results are labelled `<method>@<seed>` */
  seeded?: boolean;
}

export interface CheckpointStore {
  put(cp: SavedCheckpoint): Promise<void>;
  get(runKey: string): Promise<SavedCheckpoint | null>;
  /** the most recently saved checkpoint of any run */
  latest(): Promise<SavedCheckpoint | null>;
  delete(runKey: string): Promise<void>;
  /** 'indexeddb' or 'memory' */
  readonly kind: string;
}

const DB = 'factor-lab',
  STORE = 'checkpoints';

/** In-memory store (structured clones, like IndexedDB: later edits of a saved object do not change it). */
export function memoryCheckpointStore(): CheckpointStore {
  const m = new Map<string, SavedCheckpoint>();
  return {
    kind: 'memory',
    async put(cp) {
      m.set(cp.runKey, structuredClone(cp));
    },
    async get(key) {
      const c = m.get(key);
      return c ? structuredClone(c) : null;
    },
    async latest() {
      let best: SavedCheckpoint | null = null;
      for (const c of m.values()) if (!best || c.savedAt >= best.savedAt) best = c;
      return best ? structuredClone(best) : null;
    },
    async delete(key) {
      m.delete(key);
    },
  };
}

/** IndexedDB store on `idb` (database 'factor-lab', object store 'checkpoints', keyPath runKey). */
export function indexedDbCheckpointStore(idb: IDBFactory): CheckpointStore {
  const tx = idbObjectStore(idb, DB, STORE, 'runKey');
  return {
    kind: 'indexeddb',
    async put(cp) {
      await tx('readwrite', (s) => s.put(cp));
    },
    async get(key) {
      return ((await tx('readonly', (s) => s.get(key))) as SavedCheckpoint | undefined) ?? null;
    },
    async latest() {
      const all = (await tx('readonly', (s) => s.getAll())) as SavedCheckpoint[];
      return all.reduce<SavedCheckpoint | null>((b, c) => (!b || c.savedAt >= b.savedAt ? c : b), null);
    },
    async delete(key) {
      await tx('readwrite', (s) => s.delete(key));
    },
  };
}

let current: CheckpointStore | null = null;

/** The page's checkpoint store: IndexedDB when the environment has it, else in memory. */
export function checkpointStore(): CheckpointStore {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  return (current ??= idb ? indexedDbCheckpointStore(idb) : memoryCheckpointStore());
}

/** Replace the store (tests). */
export function setCheckpointStore(s: CheckpointStore): void {
  current = s;
}
