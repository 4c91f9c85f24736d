/**
 * loadPanel with a panel cache (an in-memory BlobStore): the first load builds the panel from parquet and saves it,
 * the second is a hit that skips every build step and gives the same panel; the SQL tables come back on demand; a
 * corrupt entry is discarded (warning) and the panel rebuilt; other preprocessing is another key (a miss).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPreprocessing, type DatasetSpec } from '../core/run';
import type { Panel } from '../core/panel';
import { tableToParquet } from '../data/parquet';
import { initParquetNode } from '../data/parquet-node';
import { priceFixture, pricesTable } from '../data/test-fixtures';
import { PanelCache, memoryBlobStore } from '../data/panel-cache';
import { listTables, loadPanel, summarizePanel, type LoadProgress } from './dataset';
import { nodeDataIO } from './node-io';

const io = nodeDataIO('/nonexistent');
afterAll(() => io.close());

function samePanel(a: Panel, b: Panel) {
  for (const k of ['dates', 'tickers', 'factorNames', 'factorGroups', 'industryNames', 'horizons'] as const) expect(b[k]).toEqual(a[k]);
  for (const k of ['x', 'valid', 'industry', 'fwd', 'ret', 'tradable'] as const) expect(Array.from(b[k]), k).toEqual(Array.from(a[k]));
  expect(b.universes.map((u) => Array.from(u.member))).toEqual(a.universes.map((u) => Array.from(u.member)));
}

describe('loadPanel with the panel cache', () => {
  it('cold: builds and saves; warm: a hit with the same panel, build steps skipped, SQL tables on first use', async () => {
    await initParquetNode();
    const prices = tableToParquet(pricesTable(priceFixture(260, 5)));
    const store = memoryBlobStore();
    const cacheIo = { ...io, panelCache: async () => new PanelCache(store) };
    const spec: DatasetSpec = { kind: 'file', name: 'fixture.parquet' };
    const prep = { ...defaultPreprocessing, minHistory: 20 };
    const cold: LoadProgress[] = [];
    const a = await loadPanel(cacheIo, spec, prep, prices, undefined, { onProgress: (p) => cold.push(p) });
    expect(a.cache).toMatchObject({ hit: false, store: 'memory' });
    expect(a.cache!.key).toMatch(/^[0-9a-f]{64}$/);
    expect(a.tables!.map((t) => t.name)).toContain('prices');
    // every step ran, in order, and the last report has them all done with a time
    const last = cold[cold.length - 1].steps;
    expect(last.map((s) => s.id)).toEqual(['read', 'cache', 'engine', 'parquet', 'validate', 'factors', 'preprocess', 'save']);
    expect(last.every((s) => s.state === 'done' && s.ms! >= 0)).toBe(true);
    // each step was reported running before it was done
    for (const id of ['parquet', 'validate', 'factors', 'preprocess', 'save'])
      expect(
        cold.some((p) => p.steps.find((s) => s.id === id)!.state === 'running'),
        id,
      ).toBe(true);
    expect(store.blobs.has(a.cache!.key)).toBe(true);

    // the engine forgets the tables (as a fresh worker would): the hit must not need them
    const engine = await io.engine();
    engine.run('DROP TABLE IF EXISTS prices');
    const warm: LoadProgress[] = [];
    const b = await loadPanel(cacheIo, spec, prep, prices, undefined, { onProgress: (p) => warm.push(p) });
    expect(b.cache).toMatchObject({ hit: true, store: 'memory', key: a.cache!.key });
    samePanel(a.panel, b.panel);
    const wl = warm[warm.length - 1].steps;
    expect(wl.filter((s) => s.state === 'done').map((s) => s.id)).toEqual(['read', 'cache']);
    expect(wl.filter((s) => s.state === 'skipped').map((s) => s.id)).toEqual([
      'engine',
      'parquet',
      'validate',
      'factors',
      'preprocess',
      'save',
    ]);
    expect(b.notes.at(-1)).toMatch(/Panel loaded from the browser's panel cache \(memory/);
    // the summary of the hit equals the cold one (what the Data panel shows), load time aside
    const strip = (s: ReturnType<typeof summarizePanel>) => ({ ...s, load_ms: 0, load_steps: undefined, cache: undefined, notes: [] });
    expect(strip(summarizePanel(b.panel, b, b.tables))).toEqual(strip(summarizePanel(a.panel, a, a.tables)));
    // SQL tables: listed from the cache, created on demand from the file bytes
    expect(b.tables).toEqual(a.tables);
    expect(listTables(engine).some((t) => t.name === 'prices')).toBe(false);
    await b.hydrateSql!();
    const rows = engine.query('SELECT count(*)::INTEGER AS n FROM prices').getChild('n')!.get(0);
    expect(rows).toBe(a.tables!.find((t) => t.name === 'prices')!.rows);
  });

  it('a corrupt cached panel is discarded with a warning and rebuilt; other preprocessing is a miss', async () => {
    await initParquetNode();
    const prices = tableToParquet(pricesTable(priceFixture(200, 6)));
    const store = memoryBlobStore();
    const cacheIo = { ...io, panelCache: async () => new PanelCache(store) };
    const spec: DatasetSpec = { kind: 'file', name: 'fixture2.parquet' };
    const prep = { ...defaultPreprocessing, minHistory: 20 };
    const a = await loadPanel(cacheIo, spec, prep, prices);
    const blob = store.blobs.get(a.cache!.key)!;
    blob[Math.floor(blob.length * 0.75)] ^= 0x40; // one bit of a factor value flipped on disk
    const b = await loadPanel(cacheIo, spec, prep, prices);
    expect(b.cache!.hit).toBe(false);
    expect(b.warnings.at(-1)).toMatch(/corrupt: checksum mismatch; it was discarded and the panel rebuilt/);
    samePanel(a.panel, b.panel); // rebuilt from the data, not read from the bad blob
    // the rebuilt panel was saved again: the next load is a clean hit
    expect((await loadPanel(cacheIo, spec, prep, prices)).cache!.hit).toBe(true);
    const c = await loadPanel(cacheIo, spec, { ...prep, normalize: 'rank' }, prices);
    expect(c.cache!.hit).toBe(false);
    expect(c.cache!.key).not.toBe(a.cache!.key);
  });
});
