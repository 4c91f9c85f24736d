import { describe, expect, it } from 'vitest';
import { defaultPreprocessing, type DatasetSpec } from '../core/run';
import type { Panel } from '../core/panel';
import { panelFromSynthetic } from './synthetic';
import {
  CorruptPanelCache,
  PanelCache,
  checksum44,
  checksum44Parts,
  dataFingerprint,
  decodePanel,
  encodePanel,
  encodePanelParts,
  joinParts,
  memoryBlobStore,
  panelCacheKey,
  sha256Hex,
  stableJson,
} from './panel-cache';

const small = () =>
  panelFromSynthetic({ nStocks: 30, nDays: 140, nIndustries: 4, nFactors: 6, seed: 3 }, { ...defaultPreprocessing, minHistory: 5 });
const meta = {
  warnings: ['w1'],
  notes: ['n1'],
  tables: [{ name: 'prices', columns: ['date', 'ticker'], rows: 12 }],
  steps: { parquet: 5 },
};
const spec: DatasetSpec = { kind: 'bundled', name: 'us-large-cap-2012-2019' };

/** every field of two panels equal, NaN = NaN (typed arrays compared element by element through Array.from) */
function expectSamePanel(a: Panel, b: Panel) {
  for (const k of ['dates', 'tickers', 'factorNames', 'factorGroups', 'industryNames', 'horizons', 'source'] as const)
    expect(b[k]).toEqual(a[k]);
  for (const k of ['x', 'valid', 'industry', 'fwd', 'ret', 'tradable'] as const) {
    expect(b[k].constructor).toBe(a[k].constructor);
    expect(Array.from(b[k]), k).toEqual(Array.from(a[k]));
  }
  expect(b.universes.map((u) => [u.name, u.description, Array.from(u.member)])).toEqual(
    a.universes.map((u) => [u.name, u.description, Array.from(u.member)]),
  );
}

describe('panel cache key', () => {
  it('SHA-256 is the standard one (FIPS 180-2 test vector "abc")', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('is stable under key order and changes with the data, the spec and every preprocessing setting', async () => {
    expect(stableJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe('{"a":{"d":[1,{"e":3,"f":2}]},"b":1}');
    const fp = await dataFingerprint(new Uint8Array([1, 2, 3]));
    expect(fp).toBe(`sha256:${await sha256Hex(new Uint8Array([1, 2, 3]))}`);
    const base = await panelCacheKey(fp, spec, defaultPreprocessing);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    // same inputs, other key order: same key
    const reordered = Object.fromEntries(Object.entries(defaultPreprocessing).reverse()) as typeof defaultPreprocessing;
    expect(await panelCacheKey(fp, { name: spec.name, kind: 'bundled' }, reordered)).toBe(base);
    const others = await Promise.all([
      panelCacheKey(await dataFingerprint(new Uint8Array([1, 2, 4])), spec, defaultPreprocessing),
      panelCacheKey(await dataFingerprint(new Uint8Array([1, 2, 3]), new Uint8Array([9])), spec, defaultPreprocessing),
      panelCacheKey(fp, { ...spec, start: '2015-01-02' }, defaultPreprocessing),
      panelCacheKey(fp, { ...spec, name: 'other' }, defaultPreprocessing),
      panelCacheKey(fp, spec, { ...defaultPreprocessing, madK: 3 }),
      panelCacheKey(fp, spec, { ...defaultPreprocessing, normalize: 'rank' }),
      panelCacheKey(fp, spec, { ...defaultPreprocessing, missing: 'mask' }),
      panelCacheKey(fp, spec, { ...defaultPreprocessing, industryNeutral: true }),
      panelCacheKey(fp, spec, { ...defaultPreprocessing, minHistory: 20 }),
      panelCacheKey(fp, spec, { ...defaultPreprocessing, industryLevel: 'sub_industry' }),
    ]);
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });
});

describe('panel cache blob', () => {
  it('checksum44: worked value, and it changes with a flipped bit, two swapped words, a dropped trailing byte', () => {
    // words (LE) 1 and 2: s1 = 1 -> 3, s2 = 1 -> 4; tail: none (8 bytes)
    const b = new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]);
    const dv = new DataView(checksum44(b).buffer);
    expect([dv.getUint32(0, true), dv.getUint32(4, true)]).toEqual([3, 1 + 3 + 3]); // s2 = 1 + 3 + (3 + 0 tail)
    const hexOf = (x: Uint8Array) => Array.from(checksum44(x)).join(',');
    const base = hexOf(b);
    expect(hexOf(new Uint8Array([1, 0, 0, 0, 3, 0, 0, 0]))).not.toBe(base);
    expect(hexOf(new Uint8Array([2, 0, 0, 0, 1, 0, 0, 0]))).not.toBe(base);
    expect(hexOf(new Uint8Array([1, 0, 0, 0, 2, 0, 0]))).not.toBe(base);
  });

  it('checksum44Parts equals checksum44 of the joined bytes; the parts of a panel with odd-length arrays decode the same', async () => {
    const bytes = Uint8Array.from({ length: 103 }, (_, i) => (i * 37 + 11) & 255);
    const want = Array.from(checksum44(bytes));
    expect(Array.from(checksum44Parts([bytes.subarray(0, 40), bytes.subarray(40, 100), bytes.subarray(100)]))).toEqual(want);
    expect(Array.from(checksum44Parts([bytes.subarray(0, 0), bytes]))).toEqual(want);
    expect(() => checksum44Parts([bytes.subarray(0, 41), bytes.subarray(41)])).toThrow(/whole number of words/);
    // 31 stocks x 141 days = 4371 cells: the u8 arrays end mid-word, their last bytes travel with the padding
    const p = panelFromSynthetic(
      { nStocks: 31, nDays: 141, nIndustries: 4, nFactors: 7, seed: 4 },
      { ...defaultPreprocessing, minHistory: 5 },
    );
    expect(p.valid.length % 4).not.toBe(0);
    const parts = encodePanelParts('k2', p, meta);
    // the panel's arrays are written from its own memory (no copy of x)
    expect(parts.some((q) => q.buffer === p.x.buffer)).toBe(true);
    const d = await decodePanel(joinParts(parts), 'k2');
    expectSamePanel(p, d.panel);
    // a store that takes parts gets the same bytes as one put of the joined blob
    const store = memoryBlobStore();
    const cache = new PanelCache(store);
    expect(await cache.write('k2', p, meta)).toBeNull();
    const r = await cache.read('k2');
    expect(r.hit).toBe(true);
    if (r.hit) expectSamePanel(p, r.panel);
  });

  it('round-trips a panel and its meta exactly (views into the blob, 8-byte aligned)', async () => {
    const p = small();
    const blob = await encodePanel('k1', p, meta);
    // header + payload: the payload alone holds every array's bytes
    const arrays =
      p.x.byteLength + p.valid.byteLength + p.industry.byteLength + p.fwd.byteLength + p.ret.byteLength + p.tradable.byteLength;
    expect(blob.length).toBeGreaterThan(arrays + p.universes.reduce((a, u) => a + u.member.length, 0));
    const d = await decodePanel(blob, 'k1');
    expectSamePanel(p, d.panel);
    expect(d.meta).toEqual(meta);
    expect(d.panel.x.byteOffset % 8).toBe(0);
    // a blob at an odd offset of a larger buffer (as a store may hand it back) decodes the same
    const shifted = new Uint8Array(blob.length + 3);
    shifted.set(blob, 3);
    expectSamePanel(p, (await decodePanel(shifted.subarray(3))).panel);
  });

  it('refuses a flipped byte anywhere (header or payload), a truncated blob, a foreign blob and another key', async () => {
    const blob = await encodePanel('k1', small(), meta);
    for (const at of [60, Math.floor(blob.length / 2), blob.length - 1]) {
      const bad = blob.slice();
      bad[at] ^= 0x01;
      await expect(decodePanel(bad, 'k1'), `byte ${at}`).rejects.toThrow(/checksum mismatch/);
    }
    await expect(decodePanel(blob.subarray(0, blob.length - 8), 'k1')).rejects.toThrow(CorruptPanelCache);
    await expect(decodePanel(new TextEncoder().encode('PAR1 not a panel cache blob at all, long enough to read'))).rejects.toThrow(
      /not a panel cache blob/,
    );
    await expect(decodePanel(blob, 'k2')).rejects.toThrow(/another key/);
  });
});

describe('PanelCache', () => {
  it('miss, save, hit: the hit is the same panel', async () => {
    const store = memoryBlobStore();
    const c = new PanelCache(store);
    const p = small();
    expect(await c.read('a')).toEqual({ hit: false, store: 'memory' });
    expect(await c.write('a', p, meta)).toBeNull();
    const r = await c.read('a');
    expect(r.hit).toBe(true);
    if (r.hit) expectSamePanel(p, r.panel);
  });

  it('a corrupt entry is discarded with a notice, never used, and deleted from the store and the index', async () => {
    const store = memoryBlobStore();
    const c = new PanelCache(store);
    await c.write('a', small(), meta);
    const blob = store.blobs.get('a')!;
    blob[blob.length - 5] ^= 0xff; // one payload byte (the last universe's membership) flipped on disk
    const r = await c.read('a');
    expect(r.hit).toBe(false);
    expect(!r.hit && r.notice).toMatch(/corrupt: checksum mismatch; it was discarded/);
    expect(store.blobs.has('a')).toBe(false);
    expect(await c.index()).toEqual([]);
    expect(await c.read('a')).toEqual({ hit: false, store: 'memory' }); // gone: a plain miss now
  });

  it('keeps the last 3, least recently used evicted first (a hit counts as a use)', async () => {
    const store = memoryBlobStore();
    const c = new PanelCache(store);
    const p = small();
    for (const k of ['a', 'b', 'c']) await c.write(k, p, meta);
    expect(await c.index()).toEqual(['c', 'b', 'a']);
    expect((await c.read('a')).hit).toBe(true); // a is now the most recent
    await c.write('d', p, meta); // 4 entries: b (least recent) goes
    expect(await c.index()).toEqual(['d', 'a', 'c']);
    expect([...store.blobs.keys()].sort()).toEqual(['a', 'c', 'd', 'index.json']);
    expect((await c.read('b')).hit).toBe(false);
  });

  it('a quota error evicts the other panels and retries; if the panel alone does not fit, a notice and nothing stored', async () => {
    const p = small();
    const size = (await encodePanel('a', p, meta)).length;
    // room for two panels (+ the index): the third write hits the quota, evicts a and b, then fits
    const store = memoryBlobStore(2 * size + 200);
    const c = new PanelCache(store);
    expect(await c.write('a', p, meta)).toBeNull();
    expect(await c.write('b', p, meta)).toBeNull();
    expect(await c.write('c', p, meta)).toBeNull();
    expect(await c.index()).toEqual(['c']);
    expect([...store.blobs.keys()].sort()).toEqual(['c', 'index.json']);
    // a store smaller than one panel: not saved, says so with the size, the earlier index left consistent
    const tiny = memoryBlobStore(size - 1);
    const c2 = new PanelCache(tiny);
    const notice = await c2.write('a', p, meta);
    expect(notice).toMatch(/quota has no room for [\d.]+ MB/);
    expect(tiny.blobs.has('a')).toBe(false);
    expect((await c2.read('a')).hit).toBe(false);
  });

  it('a store that fails to read or write gives notices, never an exception', async () => {
    const broken = {
      kind: 'indexeddb',
      get: async () => {
        throw new Error('disk gone');
      },
      put: async () => {
        throw new Error('disk gone');
      },
      delete: async () => {},
      list: async () => [],
    };
    const c = new PanelCache(broken);
    expect(await c.read('a')).toEqual({ hit: false, store: 'indexeddb', notice: expect.stringMatching(/could not read it \(disk gone\)/) });
    expect(await c.write('a', small(), meta)).toMatch(/not saved \(disk gone\)/);
  });
});
