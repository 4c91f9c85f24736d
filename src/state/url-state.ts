/**
 * The whole RunConfig in the URL hash, one `path=value` pair per leaf (tensorflow/playground state.ts):
 * `#dataset.kind=bundled&dataset.name=us-large-cap-2012-2019&universe=all&model=mlp&config.hidden=64&seed=42...`.
 * Read on load, written on every change, so a link reproduces the setup. Pure functions, no DOM.
 */
import { defaultRun, type RunConfig } from '../core/run';
import { BACKEND_PREFS, type BackendPref } from './lab-api';
import { MAX_SEEDS, parseSeedText } from './experiments';

type Leaf = string | number | boolean;

/** Allowed values of the enum-like fields; anything else in a URL falls back to the default. */
const ENUMS: Record<string, readonly string[]> = {
  'dataset.kind': ['bundled', 'synthetic', 'file', 'url'],
  'preprocessing.normalize': ['zscore', 'rank', 'none'],
  'preprocessing.missing': ['fill', 'mask'],
  'preprocessing.industryLevel': ['sector', 'sub_industry'],
  'preprocessing.extremeReturns': ['keep', 'clip', 'drop'],
  'split.kind': ['walkforward', 'rolling', 'fixed'],
  'strategy.kind': ['topquantile', 'longshort', 'topkdrop', 'modelweight'],
  backend: BACKEND_PREFS,
};
/** a setting a link may not carry (it needs the user's confirmation in the Data panel) */
const CONFIRM_ONLY = 'preprocessing.includeLabelLike';
/** RunConfig's top-level fields ('backend' is optional, so not in defaultRun) */
const TOP_KEYS = new Set([...Object.keys(defaultRun), 'backend', 'explain', 'holdout']);
/** objects whose keys are open-ended (model hyper-parameters, synthetic market settings, optional split/strategy fields) */
const OPEN_OBJECTS = ['config', 'dataset.synthetic', 'split', 'strategy', 'dataset'];

/**
 * Ranges of the numeric settings a link may carry: a value outside is clamped to the range (a non-integer where an
 * integer is needed is rounded), with a banner line naming the key, so an absurd link (`seed=1e308`,
 * `split.groups=1e12`, `split.gap=-100`) never reaches a late failure. Bounds are generous: a year is ~252 trading days.
 */
export const NUMERIC_RANGES: Record<string, { min: number; max: number; integer?: boolean }> = {
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  'preprocessing.madK': { min: 0, max: 1000 },
  'preprocessing.minHistory': { min: 0, max: 2520, integer: true },
  'split.groups': { min: 0, max: 200, integer: true },
  'split.gap': { min: 0, max: 504, integer: true },
  'split.windowMonths': { min: 1, max: 600, integer: true },
  'split.trainYears': { min: 0, max: 100, integer: true },
  'strategy.groups': { min: 2, max: 100, integer: true },
  'strategy.rebalance': { min: 1, max: 504, integer: true },
  'strategy.cost': { min: 0, max: 0.5 },
  'strategy.openCost': { min: 0, max: 0.5 },
  'strategy.closeCost': { min: 0, max: 0.5 },
  'strategy.k': { min: 1, max: 10000, integer: true },
  'strategy.n': { min: 0, max: 10000, integer: true },
  'strategy.eta': { min: 0, max: 1000 },
  'strategy.cap': { min: 0, max: 1 },
  'strategy.horizon': { min: 1, max: 252, integer: true },
  'strategy.lag': { min: 0, max: 63, integer: true },
  'dataset.synthetic.seed': { min: 0, max: 2 ** 31 - 1, integer: true },
  // FactorVAE Table 2: m stocks held out of training (a count, or a fraction of the test cross-section)
  'holdout.count': { min: 2, max: 100000, integer: true },
  'holdout.fraction': { min: 0.001, max: 0.999 },
  'holdout.seed': { min: 0, max: 2 ** 31 - 1, integer: true },
  'dataset.synthetic.nStocks': { min: 5, max: 5000, integer: true },
  'dataset.synthetic.nDays': { min: 60, max: 10000, integer: true },
  'dataset.synthetic.nIndustries': { min: 1, max: 200, integer: true },
  'dataset.synthetic.nFactors': { min: 6, max: 500, integer: true },
};
/** any other number in a link (synthetic market settings without a range) */
const ANY_NUMBER = { min: -1e6, max: 1e6 };
/** longest text value (dataset name, universe, a factor name) a link may carry, and the most factors */
export const MAX_TEXT = 1000;
export const MAX_FACTORS = 2000;

/** A value echoed in a banner: at most 60 characters (a 300,000-character name is not repeated in full). */
export const clipText = (v: string, n = 60): string =>
  v.length > n ? `${v.slice(0, n)}… (${v.length.toLocaleString('en-US')} characters)` : v;

/** Clamp a link's number to its key's range; returns the value and a banner line when it changed. */
function clampNumber(key: string, n: number): { value: number; warning?: string } {
  const r = NUMERIC_RANGES[key] ?? (key.startsWith('config.') ? undefined : ANY_NUMBER);
  if (!r) return { value: n };
  let v = Math.min(r.max, Math.max(r.min, n));
  if (r.integer) v = Math.round(v);
  if (v === n) return { value: n };
  const why = n < r.min || n > r.max ? `outside ${r.min}..${r.max}` : 'not a whole number';
  return { value: v, warning: `${key}=${clipText(String(n))}: ${why}; using ${v}` };
}

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

/**
 * The hash string (with leading '#') for a run, and the "Compare methods" setup when given; `seeds` (FactorVAE Table 1:
 * each compared method once per seed) as `seeds=1,2,3` when there is a list.
 */
export function runToHash(run: RunConfig, compare?: CompareSetup, seeds?: number[]): string {
  // using label-like columns as factors needs the user's confirmation in the Data panel: a link never carries it
  const pairs = flattenRun(run).filter(([k]) => k !== CONFIRM_ONLY);
  if (compare) {
    pairs.push(['compare', compare.ids.join(',')]);
    for (const [id, cfg] of Object.entries(compare.configs))
      for (const [k, v] of Object.entries(cfg)) if (v !== undefined && v !== null) pairs.push([`compareConfig.${id}.${k}`, String(v)]);
  }
  if (seeds?.length) pairs.push(['seeds', seeds.join(',')]);
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
  /** the link's "Seeds" list (absent when the link has no valid `seeds` key: the session keeps its own) */
  seeds?: number[];
}

/** Parse a location hash into a full run: unknown keys are ignored, bad values fall back to defaultRun. */
export function hashToRun(hash: string, base: RunConfig = defaultRun): ParsedHash {
  try {
    return parseHash(hash, base);
  } catch (e) {
    // never break start-up: a link the parser cannot read gives the defaults and says so
    return {
      run: structuredClone(base),
      present: false,
      warnings: [`this link could not be read (${clipText(e instanceof Error ? e.message : String(e), 120)}); using the default setup`],
      compare: null,
    };
  }
}

function parseHash(hash: string, base: RunConfig): ParsedHash {
  const run = structuredClone(base) as unknown as Record<string, unknown>;
  const warnings: string[] = [];
  let present = false;
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  let compare: CompareSetup | null = null;
  let seeds: number[] | undefined;
  const configs: CompareSetup['configs'] = {};
  if (!body) return { run: run as unknown as RunConfig, present, warnings, compare };
  const seen = new Set<string>();
  for (const part of body.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    let key: string;
    try {
      key = decodeURIComponent(rawKey);
    } catch {
      warnings.push(`setting name '${clipText(rawKey)}' is not valid URL encoding (a malformed %-escape); ignored`);
      continue;
    }
    let raw: string;
    try {
      raw = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
    } catch {
      warnings.push(
        `${clipText(key)}: value '${clipText(part.slice(eq + 1))}' is not valid URL encoding (a malformed %-escape); kept the default`,
      );
      continue;
    }
    if (key.length > 200) {
      warnings.push(`unknown setting '${clipText(key)}' ignored`);
      continue;
    }
    if (raw.length > MAX_TEXT) {
      warnings.push(
        `${key}: a value of ${raw.length.toLocaleString('en-US')} characters is too long (at most ${MAX_TEXT}); kept the default`,
      );
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
    if (key === 'seeds') {
      // "Seeds": at most MAX_SEEDS distinct whole numbers; a longer list keeps its first ones, a bad one is ignored
      const parts = raw
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
      try {
        seeds = parseSeedText(parts.slice(0, MAX_SEEDS).join(','));
        if (parts.length > MAX_SEEDS) warnings.push(`seeds: ${parts.length} seeds; at most ${MAX_SEEDS}, using ${seeds.join(',')}`);
        present = true;
      } catch (e) {
        warnings.push(`seeds=${clipText(raw)}: ${(e as Error).message.replace(/^Seeds: /, '')} Ignored`);
      }
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
    if (key === CONFIRM_ONLY) {
      warnings.push(`${key}: label-like columns are used as factors only after a confirmation in the Data panel; ignored`);
      continue;
    }
    if (!TOP_KEYS.has(path[0]) || path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      warnings.push(`unknown setting '${clipText(key)}' ignored`);
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
              .filter(Boolean)
              .slice(0, MAX_FACTORS);
    else if (typeof def === 'number' || NUMERIC_RANGES[key]) {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) {
        warnings.push(`${key}=${clipText(raw)}: expected a number, kept ${def ?? 'the default'}`);
        continue;
      }
      const c = clampNumber(key, n);
      if (c.warning) warnings.push(c.warning);
      value = c.value;
    } else if (typeof def === 'boolean') {
      if (raw !== 'true' && raw !== 'false') {
        warnings.push(`${key}=${clipText(raw)}: expected true or false, kept ${def}`);
        continue;
      }
      value = raw === 'true';
    } else if (typeof def === 'string') {
      const allowed = ENUMS[key];
      if (allowed && !allowed.includes(raw)) {
        warnings.push(`${key}=${clipText(raw)}: expected one of ${allowed.join(', ')}, kept ${def}`);
        continue;
      }
      value = raw;
    } else if (def !== undefined && typeof def === 'object') {
      warnings.push(`'${key}' is a group of settings, not a value; ignored`);
      continue;
    } else if (key === 'explain') {
      // optional top-level boolean (its object form { rule, epsilon } is set in the UI, not in links)
      if (raw !== 'true' && raw !== 'false') {
        warnings.push(`explain=${clipText(raw)}: expected true or false; ignored`);
        continue;
      }
      value = raw === 'true';
    } else if (key === 'backend') {
      if (!ENUMS.backend.includes(raw)) {
        warnings.push(`backend=${clipText(raw)}: expected one of ${ENUMS.backend.join(', ')}; using auto`);
        continue;
      }
      value = raw;
    } else if (ENUMS[key]) {
      // an optional enum field without a default (preprocessing.industryLevel)
      if (!ENUMS[key].includes(raw)) {
        warnings.push(`${key}=${clipText(raw)}: expected one of ${ENUMS[key].join(', ')}; ignored`);
        continue;
      }
      value = raw;
    } else {
      const parent = path.slice(0, -1).join('.');
      if (path.length < 2 || !OPEN_OBJECTS.includes(parent)) {
        warnings.push(`unknown setting '${clipText(key)}' ignored`);
        continue;
      }
      value = inferLeaf(raw);
      if (typeof value === 'number') {
        const c = clampNumber(key, value);
        if (c.warning) warnings.push(c.warning);
        value = c.value;
      }
    }
    setPath(run, path, value);
    present = true;
  }
  if (!compare && Object.keys(configs).length) warnings.push('compareConfig without a compare list ignored');
  return { run: run as unknown as RunConfig, present, warnings, compare, ...(seeds ? { seeds } : {}) };
}

/** `?backend=webgl` forces a backend; returns null when absent or not a known backend. */
export function readBackendParam(search: string): BackendPref | null {
  const v = new URLSearchParams(search).get('backend');
  return v && (BACKEND_PREFS as readonly string[]).includes(v) ? (v as BackendPref) : null;
}
