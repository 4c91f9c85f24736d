/**
 * The browser worker's cold load replies before the panel cache save (issue 15, data to panel): the summary comes
 * back with cache.saving while the store has not been written, CACHE_SAVED waits for the save and says how it ended,
 * and a next load waits for a save still running (so it can never read a half-written entry). The same dispatcher as
 * worker.ts, a Node DataIO, an in-memory store whose writes wait on a gate the test opens.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LabClient, type WorkerLike } from './client';
import { createDispatcher } from './dispatcher';
import { nodeDataIO } from './node-io';
import { defaultPreprocessing, type DatasetSpec } from '../core/run';
import { memoryBlobStore, PanelCache } from '../data/panel-cache';
import { tableToParquet } from '../data/parquet';
import { initParquetNode } from '../data/parquet-node';
import { priceFixture, pricesTable } from '../data/test-fixtures';

const base = nodeDataIO('/nonexistent');
afterAll(() => base.close());

/** an in-memory store whose puts of panels (not the small index) wait until `open()` */
function gatedStore() {
  const store = memoryBlobStore();
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const putsStarted: string[] = [];
  const putParts = store.putParts!.bind(store);
  store.putParts = async (name, parts) => {
    putsStarted.push(name);
    await gate;
    await putParts(name, parts);
  };
  return { store, open, putsStarted };
}

function client(cache: PanelCache): LabClient {
  const listeners: ((e: MessageEvent) => void)[] = [];
  const dispatch = createDispatcher({ io: () => ({ ...base, panelCache: async () => cache }) }, (msg, transfer) => {
    const m = structuredClone(msg, { transfer });
    setImmediate(() => listeners.forEach((l) => l({ data: m } as MessageEvent)));
  });
  const w: WorkerLike = {
    postMessage: (msg, transfer) => {
      const m = structuredClone(msg, { transfer });
      setImmediate(() => void dispatch(m as never));
    },
    addEventListener: (_t, l) => {
      listeners.push(l);
    },
  };
  return new LabClient(w, { baseUrl: 'http://localhost/lab/' });
}

const ticks = (n: number) => new Promise<void>((r) => setTimeout(r, n));

describe('cold load: reply first, panel cache save after', () => {
  it('the summary arrives while the save waits; CACHE_SAVED reports it; the next load waits for it', async () => {
    await initParquetNode();
    const bytes = tableToParquet(pricesTable(priceFixture(260, 5)));
    const { store, open, putsStarted } = gatedStore();
    const c = client(new PanelCache(store));
    const spec: DatasetSpec = { kind: 'file', name: 'fixture.parquet' };
    const prep = { ...defaultPreprocessing, minHistory: 20 };

    const s = await c.loadDataset(spec, prep, bytes.slice());
    // the reply came while the write is held at the gate: saving, nothing stored yet
    expect(s.cache).toMatchObject({ hit: false, store: 'memory', saving: true });
    expect(s.N).toBe(5);
    await ticks(20);
    expect(putsStarted).toHaveLength(1); // the save started after the reply ...
    const key = putsStarted[0];
    expect(store.blobs.has(key)).toBe(false); // ... and is still waiting

    // another load (other preprocessing: another key) waits for the running save before it reads the cache
    let secondDone = false;
    const second = c.loadDataset(spec, { ...prep, minHistory: 21 }, bytes.slice()).then((r) => ((secondDone = true), r));
    const saved = c.cacheSaved();
    await ticks(50);
    expect(secondDone).toBe(false);

    open();
    const outcome = await saved;
    expect(outcome).toMatchObject({ saved: true });
    expect(outcome!.detail).toMatch(/^\d+\.\d MB$/);
    expect(outcome!.ms).toBeGreaterThanOrEqual(0);
    expect(store.blobs.has(key)).toBe(true);
    const s2 = await second;
    expect(s2.cache).toMatchObject({ hit: false, saving: true });
    expect(await c.cacheSaved()).toMatchObject({ saved: true });
    expect(putsStarted).toHaveLength(2);
    expect(putsStarted[1]).not.toBe(key);

    // a fresh worker on the same store: the first panel is a hit, and no save is pending there
    const warm = client(new PanelCache(store));
    const h = await warm.loadDataset(spec, prep, bytes.slice());
    expect(h.cache).toMatchObject({ hit: true, key });
    expect([h.T, h.N]).toEqual([s.T, s.N]);
    expect(h.cache!.saving).toBeUndefined();
    expect(await warm.cacheSaved()).toBeNull();
  });

  it('a save that fails comes back as an outcome with a notice (never an error)', async () => {
    await initParquetNode();
    const bytes = tableToParquet(pricesTable(priceFixture(120, 4)));
    const store = memoryBlobStore();
    store.putParts = async () => {
      throw new Error('disk on fire');
    };
    const c = client(new PanelCache(store));
    const s = await c.loadDataset({ kind: 'file', name: 'f.parquet' }, { ...defaultPreprocessing, minHistory: 20 }, bytes);
    expect(s.cache?.saving).toBe(true);
    const o = await c.cacheSaved();
    expect(o).toMatchObject({ saved: false, detail: 'not saved' });
    expect(o!.notice).toMatch(/not saved \(disk on fire\)/);
  });
});
