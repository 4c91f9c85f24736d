/**
 * The whole RunConfig in the URL hash, one `path=value` pair per leaf (tensorflow/playground state.ts):
 * `#dataset.kind=bundled&dataset.name=us-large-cap-2012-2019&universe=all&model=mlp&config.hidden=64&seed=42...`.
 * Read on load, written on every change, so a link reproduces the setup. Pure functions, no DOM.
 */
import { defaultRun, type RunConfig } from '../core/run';
import { BACKEND_PREFS, type BackendPref } from './lab-api';

type Leaf = string | number | boolean;

/** Allowed values of the enum-like fields; anything else in a URL falls back to the default. */
const ENUMS: Record<string, readonly string[]> = {
  'dataset.kind': ['bundled', 'synthetic', 'file', 'url'],
  'preprocessing.normalize': ['zscore', 'rank', 'none'],
  'preprocessing.missing': ['fill', 'mask'],
  'preprocessing.industryLevel': ['sector', 'sub_industry'],
  'split.kind': ['walkforward', 'rolling', 'fixed'],
  'strategy.kind': ['topquantile', 'longshort', 'topkdrop', 'modelweight'],
  backend: BACKEND_PREFS,
};
/** RunConfig's top-level fields ('backend' is optional, so not in defaultRun) */
const TOP_KEYS = new Set([...Object.keys(defaultRun), 'backend']);
/** objects whose keys are open-ended (model hyper-parameters, synthetic market settings, optional split/strategy fields) */
const OPEN_OBJECTS = ['config', 'dataset.synthetic', 'split', 'strategy', 'dataset'];

/** Flatten a run into ordered [path, value] pairs; arrays become comma lists, undefined is skipped. */
export function flattenRun(run: RunConfig): [string, string][] {
  const out: [string, string][] = [];
  const walk = (v: unknown, path: string) => {
    if (v === undefined || v === null) return;
    if (Array.isArray(v)) out.push([path, v.join(',')]);
    else if (typeof v === 'object') for (const [k, c] of Object.entries(v as Record<string, unknown>)) walk(c, path ? `${path}.${k}` : k);
    else out.push([path, String(v)]);
  };
  walk(run, '');
  return out;
}

const enc = (s: string) => encodeURIComponent(s).replace(/%2C/gi, ',').replace(/%3A/gi, ':').replace(/%2F/gi, '/');

/**
 * "Compare methods" in the link: the ticked model ids (`compare=linear,mlp,dmfm`) and the hyper-parameters a preset set
 * for them (`compareConfig.<model>.<key>=value`), so a shared link trains the same comparison.
 */
export interface CompareSetup {
  ids: string[];
  configs: Record<string, Record<string, Leaf>>;
}

/** The hash string (with leading '#') for a run, and the "Compare methods" setup when given. */
export function runToHash(run: RunConfig, compare?: CompareSetup): string {
  const pairs = flattenRun(run);
  if (compare) {
    pairs.push(['compare', compare.ids.join(',')]);
    for (const [id, cfg] of Object.entries(compare.configs))
      for (const [k, v] of Object.entries(cfg)) if (v !== undefined && v !== null) pairs.push([`compareConfig.${id}.${k}`, String(v)]);
  }
  return '#' + pairs.map(([k, v]) => `${k}=${enc(v)}`).join('&');
}

const SAFE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function getPath(obj: unknown, path: string[]): unknown {
  let o = obj as Record<string, unknown> | undefined;
  for (const p of path) {
    if (o === undefined || o === null || typeof o !== 'object') return undefined;
    o = o[p] as Record<string, unknown> | undefined;
  }
  return o;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown) {
  let o = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const p = path[i];
    if (typeof o[p] !== 'object' || o[p] === null || Array.isArray(o[p])) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[path[path.length - 1]] = value;
}

/** Parse a leaf with no default to guide it: booleans, finite numbers, else the string. */
function inferLeaf(raw: string): Leaf {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  return raw;
}

export interface ParsedHash {
  run: RunConfig;
  /** true when the hash carried at least one recognised key */
  present: boolean;
  /** human-readable notes on keys that were ignored or values that fell back to defaults */
  warnings: string[];
  /** the link's "Compare methods" setup (null when the link has no `compare` key: the session keeps its own) */
  compare: CompareSetup | null;
}

/** Parse a location hash into a full run: unknown keys are ignored, bad values fall back to defaultRun. */
export function hashToRun(hash: string, base: RunConfig = defaultRun): ParsedHash {
  const run = structuredClone(base) as unknown as Record<string, unknown>;
  const warnings: string[] = [];
  let present = false;
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  let compare: CompareSetup | null = null;
  const configs: CompareSetup['configs'] = {};
  if (!body) return { run: run as unknown as RunConfig, present, warnings, compare };
  const seen = new Set<string>();
  for (const part of body.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    let raw: string;
    try {
      raw = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
    } catch {
      warnings.push(`${key}: not valid URL encoding`);
      continue;
    }
    const path = key.split('.');
    if (key === 'compare') {
      const ids = raw
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      const bad = ids.filter((x) => !SAFE_NAME.test(x));
      if (bad.length) warnings.push(`compare: '${bad.join(', ')}' is not a model id; ignored`);
      compare = { ids: ids.filter((x) => SAFE_NAME.test(x)), configs };
      present = true;
      continue;
    }
    if (path[0] === 'compareConfig') {
      if (path.length !== 3 || !SAFE_NAME.test(path[1]) || !SAFE_NAME.test(path[2])) {
        warnings.push(`unknown setting '${key}' ignored`);
        continue;
      }
      (configs[path[1]] ??= {})[path[2]] = inferLeaf(raw);
      continue;
    }
    if (!TOP_KEYS.has(path[0]) || path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      warnings.push(`unknown setting '${key}' ignored`);
      continue;
    }
    // a leaf replaces the default wholesale for open objects like config: start from {} the first time we see one
    if (path[0] === 'config' && !seen.has('config')) {
      run.config = {};
      seen.add('config');
    }
    const def = getPath(base, path);
    let value: unknown;
    if (Array.isArray(def) || key === 'factors')
      value =
        raw === ''
          ? []
          : raw
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
    else if (typeof def === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) {
        warnings.push(`${key}=${raw}: expected a number, kept ${def}`);
        continue;
      }
      value = n;
    } else if (typeof def === 'boolean') {
      if (raw !== 'true' && raw !== 'false') {
        warnings.push(`${key}=${raw}: expected true or false, kept ${def}`);
        continue;
      }
      value = raw === 'true';
    } else if (typeof def === 'string') {
      const allowed = ENUMS[key];
      if (allowed && !allowed.includes(raw)) {
        warnings.push(`${key}=${raw}: expected one of ${allowed.join(', ')}, kept ${def}`);
        continue;
      }
      value = raw;
    } else if (def !== undefined && typeof def === 'object') {
      warnings.push(`'${key}' is a group of settings, not a value; ignored`);
      continue;
    } else if (key === 'backend') {
      if (!ENUMS.backend.includes(raw)) {
        warnings.push(`backend=${raw}: expected one of ${ENUMS.backend.join(', ')}; using auto`);
        continue;
      }
      value = raw;
    } else if (ENUMS[key]) {
      // an optional enum field without a default (preprocessing.industryLevel)
      if (!ENUMS[key].includes(raw)) {
        warnings.push(`${key}=${raw}: expected one of ${ENUMS[key].join(', ')}; ignored`);
        continue;
      }
      value = raw;
    } else {
      const parent = path.slice(0, -1).join('.');
      if (path.length < 2 || !OPEN_OBJECTS.includes(parent)) {
        warnings.push(`unknown setting '${key}' ignored`);
        continue;
      }
      value = inferLeaf(raw);
    }
    setPath(run, path, value);
    present = true;
  }
  if (!compare && Object.keys(configs).length) warnings.push('compareConfig without a compare list ignored');
  return { run: run as unknown as RunConfig, present, warnings, compare };
}

/** `?backend=webgl` forces a backend; returns null when absent or not a known backend. */
export function readBackendParam(search: string): BackendPref | null {
  const v = new URLSearchParams(search).get('backend');
  return v && (BACKEND_PREFS as readonly string[]).includes(v) ? (v as BackendPref) : null;
}
