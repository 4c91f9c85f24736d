/**
 * JSON with typed arrays and non-finite numbers, for the bundle's methods/<i>.json: a typed array becomes
 * {"$bin": "<entry>", "type": "Float32Array", "length": n} and its bytes a separate raw (little-endian) entry; NaN and
 * +-Infinity become {"$num": "NaN"}. Decoding is for untrusted input: keys `__proto__`, `constructor` and `prototype`
 * are refused, objects are built without a prototype chain to pollute, nesting and sizes are bounded.
 */
import { BundleError, LIMITS } from './format';

const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
} as const;
export type TypedName = keyof typeof TYPED;
type Typed = InstanceType<(typeof TYPED)[TypedName]>;

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** the bytes of a typed array, little-endian */
function bytesOf(v: Typed): Uint8Array {
  const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
  if (!littleEndian && v.BYTES_PER_ELEMENT > 1) swap(b, v.BYTES_PER_ELEMENT);
  return b;
}
function swap(b: Uint8Array, k: number) {
  for (let i = 0; i < b.length; i += k) b.subarray(i, i + k).reverse();
}

/** Encode `value` to JSON text; typed arrays go to `bins` under `${prefix}<k>.bin`. */
export function encodeJson(value: unknown, prefix: string, bins: Record<string, Uint8Array>): string {
  let k = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') return Number.isFinite(v) ? v : { $num: String(v) };
    if (v === null || typeof v !== 'object') return v;
    if (ArrayBuffer.isView(v)) {
      const name = v.constructor.name as TypedName;
      if (!(name in TYPED)) throw new Error(`bundle: cannot store a ${name}`);
      const entry = `${prefix}${k++}.bin`;
      bins[entry] = bytesOf(v as Typed);
      return { $bin: entry, type: name, length: (v as Typed).length };
    }
    if (Array.isArray(v)) return v.map(walk);
    const o: Record<string, unknown> = {};
    for (const [key, x] of Object.entries(v)) if (x !== undefined && typeof x !== 'function') o[key] = walk(x);
    return o;
  };
  return JSON.stringify(walk(value));
}

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Decode JSON text written by encodeJson. `part` names the entry in errors; `bin(entry)` returns a raw entry's bytes
 * (undefined when missing). Throws BundleError on a forbidden key, a bad tag, a missing or misfit array, depth.
 */
export function decodeJson(text: string, part: string, bin?: (entry: string) => Uint8Array | undefined): unknown {
  if (text.length > LIMITS.jsonBytes) throw new BundleError(part, `${text.length} characters, more than the limit ${LIMITS.jsonBytes}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new BundleError(part, `not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  const walk = (v: unknown, path: string, depth: number): unknown => {
    if (depth > LIMITS.depth) throw new BundleError(part, `nested deeper than ${LIMITS.depth} at ${path}`);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`, depth + 1));
    const src = v as Record<string, unknown>;
    const keys = Object.keys(src);
    for (const key of keys) if (FORBIDDEN.has(key)) throw new BundleError(part, `forbidden key "${key}" at ${path}`);
    if ('$num' in src) {
      const s = src.$num;
      if (keys.length !== 1 || (s !== 'NaN' && s !== 'Infinity' && s !== '-Infinity'))
        throw new BundleError(part, `bad number tag at ${path}`);
      return Number(s);
    }
    if ('$bin' in src) {
      const { $bin: entry, type, length } = src as { $bin: unknown; type: unknown; length: unknown };
      if (
        typeof entry !== 'string' ||
        typeof type !== 'string' ||
        !(type in TYPED) ||
        !Number.isSafeInteger(length) ||
        (length as number) < 0
      )
        throw new BundleError(part, `bad array reference at ${path}`);
      const C = TYPED[type as TypedName];
      const b = bin?.(entry);
      if (!b) throw new BundleError(part, `array ${path} refers to entry "${entry}", which the bundle does not have`);
      if (b.byteLength !== (length as number) * C.BYTES_PER_ELEMENT)
        throw new BundleError(
          entry,
          `${b.byteLength} bytes; ${length} x ${type} (${(length as number) * C.BYTES_PER_ELEMENT} bytes) expected`,
        );
      const copy = b.slice();
      if (!littleEndian && C.BYTES_PER_ELEMENT > 1) swap(copy, C.BYTES_PER_ELEMENT);
      return new C(copy.buffer);
    }
    // a plain object built key by key: JSON.parse made `__proto__` an own key above, and it was refused
    const o: Record<string, unknown> = {};
    for (const key of keys) o[key] = walk(src[key], `${path}.${key}`, depth + 1);
    return o;
  };
  return walk(raw, '$', 0);
}

/** `v` is a plain object (not null, not an array) */
export const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
