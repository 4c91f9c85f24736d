/**
 * The panel cache: a built Panel (its typed arrays and names) saved as one binary blob, keyed by the SHA-256 of the
 * data's fingerprint (SHA-256 of the file bytes), the dataset spec, the preprocessing settings and the lab version. A
 * valid hit skips parquet decoding, validation, the SQL factor pass and preprocessing.
 *
 * Blob layout (little-endian):
 *   [0, 8)    magic "FLPANEL1"
 *   [8, 12)   uint32 header length Lh (bytes of UTF-8 JSON)
 *   [12, 44)  checksum of every byte from 44 to the end (header + padding + payload; checksum44 below, 12 bytes, then
 *             zeros): checked on every read. Not SHA-256: hashing ~160 MB with SubtleCrypto took seconds on a busy 2-core
 *             machine, and this guards against torn or damaged writes, not tampering (the blob never leaves the origin)
 *   [44, 44 + Lh)  header JSON: {format, key, meta, panel names, arrays: [{name, type, offset, length}]}
 *   payload   each array at an 8-byte aligned offset (relative to the payload start, itself 8-byte aligned)
 * A read that fails any check (magic, length, checksum, header, array bounds, key) is a CorruptPanelCache: the entry
 * is deleted and the panel rebuilt; a corrupt cache is never used.
 *
 * Storage is a BlobStore (OPFS or IndexedDB in the browser: panel-cache-browser.ts; a Map in tests). PanelCache keeps
 * an index (most recently used first) and the last MAX_ENTRIES panels; a quota error evicts the others and retries once,
 * then gives up with a notice. Caching never fails a load: every problem becomes a notice.
 */
import type { Panel } from '../core/panel';
import type { DatasetSpec, PreprocessConfig } from '../core/run';
import { DEFAULT_HORIZONS, FACTOR_DEFS } from './factors-sql';

/** bump when the panel code changes what a given file + settings produce (factor SQL changes are hashed in anyway) */
export const PANEL_CACHE_VERSION = 'factor-lab 0.1.0 / panel-cache 1';
export const MAX_ENTRIES = 3;
const MAGIC = 'FLPANEL1';
const FIXED = 44;
const INDEX = 'index.json';

/** Named binary blobs (an OPFS directory, an IndexedDB object store, a Map). put may throw a QuotaExceededError. */
export interface BlobStore {
  /** 'opfs' | 'indexeddb' | 'memory' (shown to the user) */
  readonly kind: string;
  get(name: string): Promise<Uint8Array | null>;
  put(name: string, bytes: Uint8Array): Promise<void>;
  /** write the concatenation of `parts` (optional: a store without it gets the parts joined into one put) */
  putParts?(name: string, parts: Uint8Array[]): Promise<void>;
  delete(name: string): Promise<void>;
  list(): Promise<string[]>;
}

/** What a load knows besides the panel (saved with it, returned on a hit). */
export interface PanelCacheMeta {
  warnings: string[];
  notes: string[];
  /** the SQL console's tables as the cold load left them */
  tables: { name: string; columns: string[]; rows: number }[];
  /** ms per step of the cold load that built the panel */
  steps?: Record<string, number>;
  /** ms of that cold load */
  load_ms?: number;
  /** the dataset summary computed from the panel (JSON-safe; src/train/dataset.ts summaryToJson) */
  summary?: unknown;
}

export class CorruptPanelCache extends Error {
  constructor(why: string) {
    super(`the cached panel is corrupt: ${why}`);
    this.name = 'CorruptPanelCache';
  }
}

// ------------------------------------------------------------------ hashing and the key

const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

/** SHA-256 (hex) of bytes or a string, by the platform's SubtleCrypto (browser, worker and Node 20). */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** JSON with object keys sorted at every level (so {a, b} and {b, a} give one key); undefined fields dropped. */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
}

/** Fingerprint of a dataset's bytes: SHA-256 of the prices (or factor panel) file, and of the sectors file if any. */
export async function dataFingerprint(prices: Uint8Array, sectors?: Uint8Array): Promise<string> {
  return `sha256:${await sha256Hex(prices)}${sectors ? `+${await sha256Hex(sectors)}` : ''}`;
}

/**
 * The cache key: SHA-256 of the data fingerprint, the spec (kind, name, date range, synthetic settings), the
 * preprocessing settings, the lab version and the factor library (names, groups and SQL of FACTOR_DEFS, horizons).
 */
export async function panelCacheKey(fingerprint: string, spec: DatasetSpec, prep: PreprocessConfig): Promise<string> {
  const library = await sha256Hex(stableJson({ defs: FACTOR_DEFS, horizons: DEFAULT_HORIZONS }));
  const { kind, name, start, end, synthetic } = spec;
  return sha256Hex(
    stableJson({ version: PANEL_CACHE_VERSION, library, data: fingerprint, spec: { kind, name, start, end, synthetic }, prep }),
  );
}

// ------------------------------------------------------------------ the blob

/**
 * Three 32-bit lanes over the little-endian 32-bit words of `b` (zero-padded to 4 bytes): a Fletcher pair (sum, sum of
 * sums: any single changed word changes it, and moving a word changes the second) and an FNV-style multiply lane.
 */
export function checksum44(b: Uint8Array): Uint8Array {
  return checksum44Parts([b]);
}

/**
 * checksum44 of the concatenation of `parts` without building it: every part but the last must be a whole number of
 * 32-bit words (the words are the concatenation's).
 */
export function checksum44Parts(parts: Uint8Array[]): Uint8Array {
  let s1 = 0,
    s2 = 0,
    m = 0x811c9dc5,
    length = 0,
    tail = 0;
  // a plain loop (not a forEach callback): the running sums stay locals of this function, not a closure's context
  for (let k = 0; k < parts.length; k++) {
    const b = parts[k];
    const n = b.length >> 2;
    if (k < parts.length - 1 && n * 4 !== b.length) throw new Error('internal: checksum44Parts: a part is not a whole number of words');
    const words = b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, n) : new Uint32Array(b.slice(0, n * 4).buffer);
    for (let i = 0; i < n; i++) {
      const w = words[i];
      s1 = (s1 + w) | 0;
      s2 = (s2 + s1) | 0;
      m = Math.imul(m ^ w, 0x01000193);
    }
    for (let i = n * 4; i < b.length; i++) tail |= b[i] << (8 * (i - n * 4));
    length += b.length;
  }
  s1 = (s1 + tail) | 0;
  s2 = (s2 + s1) | 0;
  m = Math.imul(m ^ tail ^ length, 0x01000193);
  const out = new Uint8Array(32);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, s1 >>> 0, true);
  dv.setUint32(4, s2 >>> 0, true);
  dv.setUint32(8, m >>> 0, true);
  return out;
}

type ArrType = 'f32' | 'i32' | 'u8';
interface ArrEntry {
  name: string;
  type: ArrType;
  offset: number;
  length: number;
}
interface Header {
  format: 1;
  key: string;
  savedAt: string;
  meta: PanelCacheMeta;
  panel: Pick<Panel, 'dates' | 'tickers' | 'factorNames' | 'factorGroups' | 'industryNames' | 'horizons' | 'source'> & {
    universes: { name: string; description: string }[];
  };
  arrays: ArrEntry[];
  payloadBytes: number;
}

const align8 = (n: number) => (n + 7) & ~7;
const BYTES: Record<ArrType, number> = { f32: 4, i32: 4, u8: 1 };

function panelArrays(p: Panel): { name: string; type: ArrType; a: Float32Array | Int32Array | Uint8Array }[] {
  return [
    { name: 'x', type: 'f32', a: p.x },
    { name: 'valid', type: 'u8', a: p.valid },
    { name: 'industry', type: 'i32', a: p.industry },
    { name: 'fwd', type: 'f32', a: p.fwd },
    { name: 'ret', type: 'f32', a: p.ret },
    { name: 'tradable', type: 'u8', a: p.tradable },
    ...p.universes.map((u, i) => ({ name: `universe:${i}`, type: 'u8' as const, a: u.member })),
  ];
}

/** Panel + meta -> one blob (see the layout above). */
export async function encodePanel(key: string, panel: Panel, meta: PanelCacheMeta): Promise<Uint8Array> {
  return joinParts(encodePanelParts(key, panel, meta));
}

/** The parts' bytes in one array. */
export function joinParts(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The blob of encodePanel as parts whose concatenation is the blob: the fixed head with magic and checksum, the header
 * JSON with its padding, and each panel array as a view of the panel's own memory (no copy), followed by its padding
 * (with the array's last bytes when its length is not a whole number of words). A store that writes parts one after
 * another (OPFS) never holds the blob whole: on the full shared dataset that saves allocating and filling ~420 MB.
 */
export function encodePanelParts(key: string, panel: Panel, meta: PanelCacheMeta): Uint8Array[] {
  const arrs = panelArrays(panel);
  let off = 0;
  const arrays: ArrEntry[] = arrs.map(({ name, type, a }) => {
    const e = { name, type, offset: off, length: a.length };
    off = align8(off + a.byteLength);
    return e;
  });
  const header: Header = {
    format: 1,
    key,
    savedAt: new Date().toISOString(),
    meta,
    panel: {
      dates: panel.dates,
      tickers: panel.tickers,
      factorNames: panel.factorNames,
      factorGroups: panel.factorGroups,
      industryNames: panel.industryNames,
      horizons: panel.horizons,
      source: panel.source,
      universes: panel.universes.map((u) => ({ name: u.name, description: u.description })),
    },
    arrays,
    payloadBytes: off,
  };
  const hj = new TextEncoder().encode(JSON.stringify(header));
  const start = align8(FIXED + hj.length);
  const head = new Uint8Array(FIXED);
  head.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(head.buffer).setUint32(8, hj.length, true);
  const headerPart = new Uint8Array(start - FIXED); // JSON + zero padding to the payload (start - FIXED: whole words)
  headerPart.set(hj, 0);
  const body: Uint8Array[] = [headerPart];
  arrs.forEach(({ a }, i) => {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const whole = bytes.length & ~3;
    const end = i + 1 < arrays.length ? arrays[i + 1].offset : off;
    if (whole > 0) body.push(bytes.subarray(0, whole));
    // the last 0-3 bytes and the zeros up to the next array (whole words: array offsets are 8-byte aligned)
    const pad = new Uint8Array(end - arrays[i].offset - whole);
    pad.set(bytes.subarray(whole), 0);
    if (pad.length) body.push(pad);
  });
  head.set(checksum44Parts(body), 12);
  return [head, ...body];
}

/**
 * Blob -> Panel + meta, after checking magic, lengths, the SHA-256 and every array's bounds; the arrays are views into
 * the blob (no copy). Throws CorruptPanelCache on any mismatch (and when `key` is given and differs).
 */
export async function decodePanel(blob: Uint8Array, key?: string): Promise<{ panel: Panel; meta: PanelCacheMeta; savedAt: string }> {
  if (blob.length < FIXED || new TextDecoder().decode(blob.subarray(0, 8)) !== MAGIC) throw new CorruptPanelCache('not a panel cache blob');
  // own, 8-byte aligned bytes (typed-array views need aligned offsets)
  const bytes = blob.byteOffset % 8 === 0 ? blob : blob.slice();
  const hl = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  const start = align8(FIXED + hl);
  if (start > bytes.length) throw new CorruptPanelCache(`header length ${hl} is past the end (${bytes.length} bytes)`);
  const sum = checksum44(bytes.subarray(FIXED));
  const want = bytes.subarray(12, FIXED);
  if (sum.some((b, i) => b !== want[i])) throw new CorruptPanelCache('checksum mismatch');
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(FIXED, FIXED + hl))) as Header;
  } catch (e) {
    throw new CorruptPanelCache(`header is not JSON (${(e as Error).message})`);
  }
  if (h.format !== 1) throw new CorruptPanelCache(`format ${String(h.format)} (expected 1)`);
  if (key !== undefined && h.key !== key) throw new CorruptPanelCache('it was saved under another key');
  if (start + h.payloadBytes !== bytes.length)
    throw new CorruptPanelCache(`payload is ${bytes.length - start} bytes, expected ${h.payloadBytes}`);
  const view = (name: string) => {
    const e = h.arrays.find((a) => a.name === name);
    if (!e) throw new CorruptPanelCache(`array ${name} is missing`);
    if (e.offset % 8 !== 0 || e.offset + e.length * BYTES[e.type] > h.payloadBytes)
      throw new CorruptPanelCache(`array ${name} lies outside the payload`);
    const at = bytes.byteOffset + start + e.offset;
    return e.type === 'f32'
      ? new Float32Array(bytes.buffer, at, e.length)
      : e.type === 'i32'
        ? new Int32Array(bytes.buffer, at, e.length)
        : new Uint8Array(bytes.buffer, at, e.length);
  };
  const p = h.panel;
  const T = p.dates.length,
    N = p.tickers.length,
    F = p.factorNames.length,
    H = p.horizons.length;
  const sized = <A extends { length: number }>(name: string, a: A, n: number): A => {
    if (a.length !== n) throw new CorruptPanelCache(`array ${name} holds ${a.length} values, expected ${n}`);
    return a;
  };
  const panel: Panel = {
    dates: p.dates,
    tickers: p.tickers,
    factorNames: p.factorNames,
    factorGroups: p.factorGroups,
    industryNames: p.industryNames,
    horizons: p.horizons,
    source: p.source,
    x: sized('x', view('x') as Float32Array, T * N * F),
    valid: sized('valid', view('valid') as Uint8Array, T * N),
    industry: sized('industry', view('industry') as Int32Array, T * N),
    fwd: sized('fwd', view('fwd') as Float32Array, H * T * N),
    ret: sized('ret', view('ret') as Float32Array, T * N),
    tradable: sized('tradable', view('tradable') as Uint8Array, T * N),
    universes: p.universes.map((u, i) => ({ ...u, member: sized(u.name, view(`universe:${i}`) as Uint8Array, T * N) })),
  };
  return { panel, meta: h.meta, savedAt: h.savedAt };
}

// ------------------------------------------------------------------ the cache

export const isQuotaError = (e: unknown) =>
  e instanceof Error && (e.name === 'QuotaExceededError' || /quota/i.test(e.message) || (e as { code?: number }).code === 22);

export type CacheRead =
  | { hit: true; panel: Panel; meta: PanelCacheMeta; savedAt: string; store: string; ms: number; readMs: number; checkMs: number }
  | { hit: false; notice?: string; store: string };

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** The last MAX_ENTRIES panels in a BlobStore, most recently used first. */
export class PanelCache {
  constructor(
    readonly store: BlobStore,
    readonly maxEntries = MAX_ENTRIES,
  ) {}

  /** entry keys, most recently used first */
  async index(): Promise<string[]> {
    try {
      const b = await this.store.get(INDEX);
      const v = b ? (JSON.parse(new TextDecoder().decode(b)) as unknown) : [];
      return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : [];
    } catch {
      return [];
    }
  }

  private async setIndex(keys: string[]) {
    await this.store.put(INDEX, new TextEncoder().encode(JSON.stringify(keys)));
  }

  /** The panel saved under `key`: a hit, a miss, or a miss with a notice (corrupt entry discarded, storage failing). */
  async read(key: string): Promise<CacheRead> {
    const store = this.store.kind;
    const t0 = performance.now();
    let blob: Uint8Array | null;
    try {
      blob = await this.store.get(key);
    } catch (e) {
      return { hit: false, store, notice: `Panel cache (${store}): could not read it (${(e as Error).message}); the panel was rebuilt.` };
    }
    if (!blob) return { hit: false, store };
    const readMs = performance.now() - t0;
    try {
      const d = await decodePanel(blob, key);
      const checkMs = performance.now() - t0 - readMs;
      await this.setIndex([key, ...(await this.index()).filter((k) => k !== key)]).catch(() => {});
      return { hit: true, ...d, store, ms: performance.now() - t0, readMs, checkMs };
    } catch (e) {
      await this.drop(key);
      return {
        hit: false,
        store,
        notice: `Panel cache (${store}): ${(e as Error).message}; it was discarded and the panel rebuilt from the data.`,
      };
    }
  }

  /** Save a panel under `key`, keeping the last maxEntries. Returns a notice when it could not be saved (never throws). */
  async write(key: string, panel: Panel, meta: PanelCacheMeta): Promise<string | null> {
    const store = this.store.kind;
    let parts: Uint8Array[];
    try {
      parts = encodePanelParts(key, panel, meta);
    } catch (e) {
      return `Panel cache (${store}): the panel could not be serialised (${(e as Error).message}); it is not cached.`;
    }
    const others = (await this.index()).filter((k) => k !== key);
    const put = () => (this.store.putParts ? this.store.putParts(key, parts) : this.store.put(key, joinParts(parts)));
    const blobBytes = parts.reduce((a, p) => a + p.length, 0);
    try {
      await put();
    } catch (e) {
      await this.store.delete(key).catch(() => {}); // a partial write never stays
      if (!isQuotaError(e)) return `Panel cache (${store}): not saved (${(e as Error).message}).`;
      // storage full: make room by dropping every other cached panel, then try once more
      for (const k of others) await this.drop(k);
      others.length = 0;
      try {
        await put();
      } catch (e2) {
        await this.store.delete(key).catch(() => {});
        return `Panel cache (${store}): not saved: the browser's storage quota has no room for ${mb(blobBytes)} (${(e2 as Error).message}). The next load rebuilds the panel.`;
      }
    }
    const keep = [key, ...others].slice(0, this.maxEntries);
    try {
      await this.setIndex(keep);
      // evict what fell off the index, and any blob no index names (e.g. left by an interrupted write)
      for (const name of await this.store.list()) if (name !== INDEX && !keep.includes(name)) await this.store.delete(name);
    } catch (e) {
      return `Panel cache (${store}): saved, but its index could not be updated (${(e as Error).message}).`;
    }
    return null;
  }

  private async drop(key: string) {
    await this.store.delete(key).catch(() => {});
    const idx = await this.index();
    if (idx.includes(key)) await this.setIndex(idx.filter((k) => k !== key)).catch(() => {});
  }
}

/** A BlobStore in memory (tests; a page where neither OPFS nor IndexedDB is available gets no cache at all). */
export function memoryBlobStore(quotaBytes = Infinity): BlobStore & { blobs: Map<string, Uint8Array> } {
  const blobs = new Map<string, Uint8Array>();
  const used = () => [...blobs.values()].reduce((a, b) => a + b.length, 0);
  return {
    kind: 'memory',
    blobs,
    get: async (n) => blobs.get(n)?.slice() ?? null,
    put: async (n, b) => {
      if (used() - (blobs.get(n)?.length ?? 0) + b.length > quotaBytes)
        throw Object.assign(new Error(`quota of ${quotaBytes} bytes exceeded`), { name: 'QuotaExceededError' });
      blobs.set(n, b.slice());
    },
    async putParts(n, parts) {
      await this.put(n, joinParts(parts));
    },
    delete: async (n) => {
      blobs.delete(n);
    },
    list: async () => [...blobs.keys()],
  };
}
