/**
 * Open a run bundle (format.ts): unzip within limits, validate every part (schema, shapes, finite numbers, sizes,
 * names as bounded text, no `__proto__` / `constructor` keys) and rebuild each method's result as the runner made it
 * (scores [H, D, N] and channels from scores.parquet), plus the label and return grids as a Panel for re-evaluation.
 * Every refusal is a BundleError naming the part. Needs parquet-wasm initialised. The same code in Node and the browser.
 */
import { unzipSync } from 'fflate';
import type * as arrow from 'apache-arrow';
import { dayToIso, isoToDay } from '../core/dates';
import type { Panel } from '../core/panel';
import { parquetToTable } from '../data/parquet';
import { BUNDLE_FORMAT, BUNDLE_VERSION, BundleError, LIMITS, type BundleManifest } from './format';
import { decodeJson, isObj } from './json';
import type { MethodOutput } from './metrics';
import { dayNumbers, numbers, stringCodes } from './tables';

export interface OpenedBundle {
  manifest: BundleManifest;
  metrics: Record<string, unknown>;
  methods: { label: string; output: MethodOutput }[];
  /** the label and return grids as a panel over the grids' dates (no factors: F = 0), for re-evaluation */
  grids: Panel;
  /** panel date index of the grids' first date: a method's testIndex minus this indexes `grids` */
  gridOffset: number;
  /** every entry's bytes (inflated), for re-saving, merging and exports */
  files: Record<string, Uint8Array>;
  /** size of the bundle file in bytes */
  bytes: number;
}

const NAME_RE = /^[A-Za-z0-9_.\-/]+$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Unzip within the limits (entry count, names, declared and actual sizes). */
export function unzipBundle(bytes: Uint8Array): Record<string, Uint8Array> {
  if (bytes.byteLength > LIMITS.totalBytes)
    throw new BundleError('file', `${(bytes.byteLength / 1048576).toFixed(1)} MB, more than the limit ${LIMITS.totalBytes / 1048576} MB`);
  if (bytes.byteLength < 22 || bytes[0] !== 0x50 || bytes[1] !== 0x4b)
    throw new BundleError('file', 'not a zip file (a run bundle is a zip)');
  let count = 0,
    declared = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (++count > LIMITS.entries) throw new BundleError('file', `more than ${LIMITS.entries} entries`);
        if (f.name.endsWith('/')) return false;
        if (!NAME_RE.test(f.name) || f.name.includes('..') || f.name.startsWith('/') || f.name.length > LIMITS.nameChars)
          throw new BundleError('file', `entry name ${JSON.stringify(f.name.slice(0, 80))} is not allowed`);
        if (f.originalSize > LIMITS.entryBytes)
          throw new BundleError(f.name, `declares ${f.originalSize} bytes, more than the limit ${LIMITS.entryBytes}`);
        declared += f.originalSize;
        if (declared > LIMITS.inflatedBytes) throw new BundleError('file', `inflates to more than ${LIMITS.inflatedBytes} bytes`);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof BundleError) throw e;
    throw new BundleError('file', `could not unzip it (${String((e as Error).message ?? e).slice(0, 120)})`);
  }
  const out: Record<string, Uint8Array> = Object.create(null);
  for (const [k, v] of Object.entries(files)) out[k] = v;
  return out;
}

// ---- small checkers (each names the part and the field) ----
const fail = (part: string, msg: string): never => {
  throw new BundleError(part, msg);
};
function str(part: string, v: unknown, field: string, max = LIMITS.nameChars): string {
  if (typeof v !== 'string') fail(part, `${field} must be text`);
  if ((v as string).length > max) fail(part, `${field} is longer than ${max} characters`);
  return v as string;
}
function int(part: string, v: unknown, field: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(part, `${field} must be an integer in [${min}, ${max}]`);
  return v as number;
}
function fin(part: string, v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(part, `${field} must be a finite number`);
  return v as number;
}
function obj(part: string, v: unknown, field: string): Record<string, unknown> {
  if (!isObj(v)) fail(part, `${field} must be an object`);
  return v as Record<string, unknown>;
}
function arr(part: string, v: unknown, field: string, max = LIMITS.rows): unknown[] {
  if (!Array.isArray(v)) fail(part, `${field} must be a list`);
  if ((v as unknown[]).length > max) fail(part, `${field} has more than ${max} entries`);
  return v as unknown[];
}
const strs = (part: string, v: unknown, field: string, max = LIMITS.rows) =>
  arr(part, v, field, max).map((x, i) => str(part, x, `${field}[${i}]`));
const isoList = (part: string, v: unknown, field: string) =>
  strs(part, v, field).map((d, i) =>
    ISO_RE.test(d) && Number.isFinite(isoToDay(d)) ? d : fail(part, `${field}[${i}] is not an ISO date`),
  );
function typed<T extends ArrayBufferView>(part: string, v: unknown, C: new (...a: never[]) => T, field: string, length?: number): T {
  if (!(v instanceof C)) fail(part, `${field} must be a ${C.name}`);
  const n = (v as unknown as { length: number }).length;
  if (length !== undefined && n !== length) fail(part, `${field} has ${n} values; ${length} expected`);
  return v as T;
}

function json(files: Record<string, Uint8Array>, name: string, required = true): unknown {
  const b = files[name];
  if (!b) return required ? fail(name, 'missing') : undefined;
  return decodeJson(new TextDecoder('utf-8', { fatal: false }).decode(b), name, (e) => files[e]);
}

function table(files: Record<string, Uint8Array>, name: string, columns: string[], required = true): arrow.Table | undefined {
  const b = files[name];
  if (!b) return required ? fail(name, 'missing') : undefined;
  let t: arrow.Table;
  try {
    t = parquetToTable(b, { fileName: name });
  } catch (e) {
    return fail(name, `not a readable parquet table (${String((e as Error).message).slice(0, 160)})`);
  }
  if (t.numRows > LIMITS.rows) fail(name, `${t.numRows} rows, more than ${LIMITS.rows}`);
  const have = t.schema.fields.map((f) => f.name);
  for (const c of columns) if (!have.includes(c)) fail(name, `column "${c}" is missing (has ${have.slice(0, 12).join(', ')})`);
  return t;
}

/** Validate the manifest's schema (the rest of the reader trusts its shape, never its names as markup). */
export function checkManifest(v: unknown): BundleManifest {
  const P = 'manifest.json';
  const m = obj(P, v, 'the manifest');
  if (m.format !== BUNDLE_FORMAT) fail(P, `format is ${JSON.stringify(String(m.format).slice(0, 40))}, not "${BUNDLE_FORMAT}"`);
  int(P, m.version, 'version', 1);
  if ((m.version as number) > BUNDLE_VERSION)
    fail(P, `version ${m.version} is newer than this lab reads (${BUNDLE_VERSION}); update the lab`);
  str(P, m.lab, 'lab');
  str(P, m.name, 'name');
  str(P, m.created, 'created');
  if (m.producer !== 'node' && m.producer !== 'browser') fail(P, 'producer must be "node" or "browser"');
  str(P, m.runKey, 'runKey');
  str(P, m.backend, 'backend');
  const d = obj(P, m.dataset, 'dataset');
  obj(P, d.spec, 'dataset.spec');
  str(P, d.fingerprint, 'dataset.fingerprint');
  str(P, d.description, 'dataset.description', 1000);
  for (const k of ['T', 'N', 'F']) int(P, d[k], `dataset.${k}`, 0, 10_000_000);
  arr(P, d.horizons, 'dataset.horizons', 64).forEach((h, i) => int(P, h, `dataset.horizons[${i}]`, 0, 10000));
  const methods = arr(P, m.methods, 'methods', LIMITS.methods);
  if (!methods.length && m.shard === undefined) fail(P, 'methods is empty');
  const labels = new Set<string>();
  methods.forEach((x, i) => {
    const f = `methods[${i}]`;
    const mm = obj(P, x, f);
    const label = str(P, mm.label, `${f}.label`);
    if (labels.has(label)) fail(P, `${f}.label ${JSON.stringify(label)} appears twice`);
    labels.add(label);
    str(P, mm.model, `${f}.model`);
    str(P, mm.runKey, `${f}.runKey`);
    obj(P, mm.run, `${f}.run`);
    str(P, mm.backend, `${f}.backend`);
    fin(P, mm.seed, `${f}.seed`);
    for (const [k, t] of Object.entries(obj(P, mm.timings, `${f}.timings`))) fin(P, t, `${f}.timings.${k}`);
    int(P, mm.groups, `${f}.groups`, 0, 100000);
  });
  const g = obj(P, m.grids, 'grids');
  int(P, g.from, 'grids.from', 0, 10_000_000);
  isoList(P, g.dates, 'grids.dates');
  const tickers = strs(P, g.tickers, 'grids.tickers', 10_000_000);
  if (new Set(tickers).size !== tickers.length) fail(P, 'grids.tickers has duplicates');
  arr(P, g.horizons, 'grids.horizons', 64).forEach((h, i) => int(P, h, `grids.horizons[${i}]`, 0, 10000));
  arr(P, g.universes, 'grids.universes', 64).forEach((u, i) => {
    const uu = obj(P, u, `grids.universes[${i}]`);
    str(P, uu.name, `grids.universes[${i}].name`);
    str(P, uu.description, `grids.universes[${i}].description`, 1000);
  });
  for (const [k, n] of Object.entries(obj(P, m.parts, 'parts'))) int(P, n, `parts.${k}`, 0, LIMITS.entryBytes);
  if (m.shard !== undefined) {
    const s = obj(P, m.shard, 'shard');
    const count = int(P, s.count, 'shard.count', 1, 100000);
    int(P, s.index, 'shard.index', 0, count - 1);
    strs(P, s.jobs, 'shard.jobs', 100000);
  }
  if (m.notes !== undefined) strs(P, m.notes, 'notes', 1000).forEach((n, i) => str(P, n, `notes[${i}]`, 100_000));
  if (m.storage !== undefined) {
    const s = obj(P, m.storage, 'storage');
    if (s.scores !== 'float32' && s.scores !== 'float32-rounded') fail(P, 'storage.scores must be "float32" or "float32-rounded"');
    int(P, s.mantissaBits, 'storage.mantissaBits', 0, 23);
    strs(P, s.rounded, 'storage.rounded', 64);
    if (s.horizons !== 'all' && s.horizons !== 'evaluated') fail(P, 'storage.horizons must be "all" or "evaluated"');
    strs(P, s.dropped, 'storage.dropped', 1000);
    int(P, s.originalBytes, 'storage.originalBytes', 0, LIMITS.totalBytes);
  }
  return m as unknown as BundleManifest;
}

/** Validate one method's JSON (methods/<i>.json) against the manifest. */
function checkMethod(part: string, v: unknown, man: BundleManifest, i: number) {
  const o = obj(part, v, 'the method');
  const run = obj(part, o.run, 'run');
  str(part, run.model, 'run.model');
  const model = obj(part, o.model, 'model');
  str(part, model.id, 'model.id');
  str(part, model.name, 'model.name');
  obj(part, model.config, 'model.config');
  if (model.id !== man.methods[i].model) fail(part, `model.id "${model.id}" differs from the manifest's "${man.methods[i].model}"`);
  const horizons = arr(part, o.horizons, 'horizons', 64).map((h, k) => int(part, h, `horizons[${k}]`, 0, 10000));
  if (!horizons.length) fail(part, 'horizons is empty');
  for (const h of horizons)
    if (!man.grids.horizons.includes(h)) fail(part, `horizon ${h} is not one of the grids' [${man.grids.horizons.join(', ')}]`);
  const evalHorizon = int(part, o.evalHorizon, 'evalHorizon', 0, 10000);
  if (!horizons.includes(evalHorizon)) fail(part, `evalHorizon ${evalHorizon} is not one of the horizons`);
  const tickers = strs(part, o.tickers, 'tickers', 10_000_000);
  if (tickers.length !== man.grids.tickers.length || tickers.some((t, k) => t !== man.grids.tickers[k]))
    fail(part, 'tickers differ from the manifest grids');
  const testDates = isoList(part, o.testDates, 'testDates');
  const testIndex = typed(part, o.testIndex, Int32Array, 'testIndex', testDates.length);
  testIndex.forEach((t, j) => {
    const k = t - man.grids.from;
    if (k < 0 || k >= man.grids.dates.length || man.grids.dates[k] !== testDates[j])
      fail(part, `testIndex[${j}] = ${t} does not point at test date ${testDates[j]} in the grids`);
  });
  const groups = arr(part, o.groups, 'groups', 100000);
  groups.forEach((g, k) => {
    const gg = obj(part, g, `groups[${k}]`);
    str(part, gg.label, `groups[${k}].label`);
    const h = obj(part, gg.history, `groups[${k}].history`);
    arr(part, h.epochs, `groups[${k}].history.epochs`, 100000);
    for (const s of ['train', 'valid', 'test']) strs(part, gg[s], `groups[${k}].${s}`, 2);
  });
  arr(part, o.horizonMetrics, 'horizonMetrics', 64).forEach((hm, k) => {
    const x = obj(part, hm, `horizonMetrics[${k}]`);
    int(part, x.horizon, `horizonMetrics[${k}].horizon`);
    for (const f of ['ic', 'rank_ic', 'icir', 'rank_icir'])
      if (typeof x[f] !== 'number') fail(part, `horizonMetrics[${k}].${f} must be a number`);
  });
  const ev = obj(part, o.eval, 'eval');
  for (const [k, x] of Object.entries(obj(part, ev.metrics, 'eval.metrics')))
    if (typeof x !== 'number') fail(part, `eval.metrics.${k} must be a number`);
  obj(part, ev.strategy, 'eval.strategy');
  const series = obj(part, ev.series, 'eval.series');
  const iso = isoList(part, series.iso, 'eval.series.iso');
  for (const k of ['portfolio', 'benchmark', 'excess', 'nav', 'benchNav', 'cumExcess', 'drawdown'])
    typed(part, series[k], Float64Array, `eval.series.${k}`, iso.length).forEach((x, j) => {
      if (!Number.isFinite(x)) fail(part, `eval.series.${k}[${j}] is not finite`);
    });
  const channels = arr(part, o.channels, 'channels', 64).map((c, k) => {
    const spec = obj(part, obj(part, c, `channels[${k}]`).spec, `channels[${k}].spec`);
    str(part, spec.name, `channels[${k}].spec.name`);
    if (spec.kind !== undefined) str(part, spec.kind, `channels[${k}].spec.kind`);
    return spec;
  });
  arr(part, o.alternatives ?? [], 'alternatives', 64).forEach((a, k) => {
    const aa = obj(part, a, `alternatives[${k}]`);
    str(part, aa.name, `alternatives[${k}].name`);
    str(part, aa.label, `alternatives[${k}].label`);
    obj(part, obj(part, aa.eval, `alternatives[${k}].eval`).metrics, `alternatives[${k}].eval.metrics`);
  });
  strs(part, o.warnings ?? [], 'warnings', 10000).forEach((w, k) => str(part, w, `warnings[${k}]`, 10000));
  if (o.universes !== undefined)
    arr(part, o.universes, 'universes', 64).forEach((u, k) => {
      const uu = obj(part, u, `universes[${k}]`);
      str(part, uu.universe, `universes[${k}].universe`);
      obj(part, uu.metrics, `universes[${k}].metrics`);
    });
  if (o.explanation !== undefined) {
    const ex = obj(part, o.explanation, 'explanation');
    strs(part, ex.factorNames, 'explanation.factorNames', 100000);
    strs(part, ex.factorGroups, 'explanation.factorGroups', 100000);
    strs(part, ex.groups, 'explanation.groups', 1000);
    const F = (ex.factorNames as string[]).length;
    arr(part, ex.dates, 'explanation.dates', 100000).forEach((d, k) => {
      const f = `explanation.dates[${k}]`;
      const dd = obj(part, d, f);
      str(part, dd.date, `${f}.date`);
      const stocks = typed(part, dd.stocks, Int32Array, `${f}.stocks`);
      const M = stocks.length;
      stocks.forEach((n) =>
        n >= 0 && n < man.grids.tickers.length ? 0 : fail(part, `${f}.stocks has a stock index ${n} outside the panel`),
      );
      typed(part, dd.relevance, Float32Array, `${f}.relevance`, M * F);
      for (const a of ['prediction', 'bias', 'eps', 'residual']) typed(part, dd[a], Float64Array, `${f}.${a}`, M);
      typed(part, dd.top, Int32Array, `${f}.top`).forEach((q) => (q >= 0 && q < M ? 0 : fail(part, `${f}.top points outside its stocks`)));
    });
  }
  return { testIndex, horizons, evalHorizon, channels };
}

/** Open and validate a bundle (zip bytes). */
export function readBundle(bytes: Uint8Array): OpenedBundle {
  const files = unzipBundle(bytes);
  const manifest = checkManifest(json(files, 'manifest.json'));
  const metrics = obj('metrics.json', json(files, 'metrics.json'), 'metrics');
  obj('metrics.json', metrics.models, 'models');

  const G = manifest.grids;
  const N = G.tickers.length,
    Tg = G.dates.length,
    Hp = G.horizons.length;
  const labels = manifest.methods.map((m) => m.label);

  // methods/<i>.json
  const parts = manifest.methods.map((_, i) => {
    const part = `methods/${i}.json`;
    const o = json(files, part) as Record<string, unknown>;
    return { part, o, ...checkMethod(part, o, manifest, i) };
  });

  // scores.parquet -> scoresByHorizon [H, D, N], scores [D, N], channels [C, D, N]
  const SP = 'scores.parquet';
  const st = table(files, SP, ['date', 'ticker', 'model', 'horizon', 'score'])!;
  const known = new Set(['date', 'ticker', 'model', 'horizon', 'score', 'label']);
  const channelCols = st.schema.fields.map((f) => f.name).filter((n) => !known.has(n));
  for (const c of channelCols)
    if (!parts.some((p) => p.channels.some((s) => s.name === c))) fail(SP, `column "${c}" is no method's channel`);
  const day = dayNumbers(st, 'date')!,
    tick = stringCodes(st, 'ticker')!,
    mod = stringCodes(st, 'model')!,
    hor = numbers(st, 'horizon')!,
    sc = numbers(st, 'score')!;
  const tickMap = tick.dict.map((t) => {
    const k = G.tickers.indexOf(t);
    return k >= 0 ? k : fail(SP, `ticker ${JSON.stringify(t.slice(0, 40))} is not one of the manifest's stocks`);
  });
  const modMap = mod.dict.map((l) => {
    const k = labels.indexOf(l);
    return k >= 0 ? k : fail(SP, `model ${JSON.stringify(l.slice(0, 40))} is not one of the manifest's methods`);
  });
  const outs = parts.map((p) => {
    const D = p.testIndex.length,
      H = p.horizons.length;
    const dayIdx = new Map<number, number>();
    (p.o.testDates as string[]).forEach((d, j) => dayIdx.set(isoToDay(d), j));
    const byH = new Float32Array(H * D * N).fill(NaN);
    const ch = p.channels.map((s) => ({ spec: s, values: new Float32Array((s.perHorizon ? H : 1) * D * N).fill(NaN) }));
    return { D, H, dayIdx, byH, ch, rows: 0 };
  });
  const chVals = channelCols.map((c) => ({ name: c, v: numbers(st, c)! }));
  // per method, per channel column: the method's channel it fills (undefined: the method has no such channel)
  const chOf = outs.map((o) => chVals.map((c) => o.ch.find((q) => q.spec.name === c.name)));
  for (let i = 0; i < st.numRows; i++) {
    const m = mod.codes[i] >= 0 ? modMap[mod.codes[i]] : fail(SP, `row ${i}: model is empty`);
    const o = outs[m],
      p = parts[m];
    const j = o.dayIdx.get(day[i]);
    if (j === undefined) fail(SP, `row ${i}: date ${dayToIso(day[i])} is not a test date of "${labels[m]}"`);
    const n = tick.codes[i] >= 0 ? tickMap[tick.codes[i]] : fail(SP, `row ${i}: ticker is empty`);
    const h = p.horizons.indexOf(hor[i]);
    if (h < 0) fail(SP, `row ${i}: horizon ${hor[i]} is not a horizon of "${labels[m]}"`);
    if (!Number.isFinite(sc[i])) fail(SP, `row ${i}: score is not a finite number`);
    const at = (h * o.D + j!) * N + n;
    if (!Number.isNaN(o.byH[at])) fail(SP, `row ${i}: a second score for one (date, stock, horizon, model)`);
    o.byH[at] = sc[i];
    o.rows++;
    for (let c = 0; c < chVals.length; c++) {
      const x = chVals[c].v[i];
      if (x === Infinity || x === -Infinity) fail(SP, `row ${i}: ${chVals[c].name} is infinite`);
      const k = chOf[m][c];
      if (k) k.values[((k.spec.perHorizon ? h : 0) * o.D + j!) * N + n] = x;
      else if (!Number.isNaN(x)) fail(SP, `row ${i}: "${labels[m]}" has no channel ${chVals[c].name}`);
    }
  }

  // grids.parquet -> a panel over the grids' dates
  const GP = 'grids.parquet';
  const gt = table(files, GP, [
    'date',
    'ticker',
    'ret',
    'tradable',
    'valid',
    ...G.horizons.map((h) => `fwd_${h}`),
    ...G.universes.map((_, k) => `member_${k}`),
  ])!;
  if (gt.numRows !== Tg * N) fail(GP, `${gt.numRows} rows; ${Tg} dates x ${N} stocks = ${Tg * N} expected`);
  const gd = dayNumbers(gt, 'date')!,
    gtk = stringCodes(gt, 'ticker')!;
  const gdays = G.dates.map(isoToDay);
  for (let t = 0; t < Tg; t++)
    for (let n = 0; n < N; n++) {
      const r = t * N + n;
      if (gd[r] !== gdays[t] || gtk.dict[gtk.codes[r]] !== G.tickers[n])
        fail(GP, `row ${r} is not (${G.dates[t]}, stock ${n}): rows must be date-major in the manifest's order`);
    }
  const f32 = (name: string) => {
    const v = Float32Array.from(numbers(gt, name)!);
    for (let k = 0; k < v.length; k++) if (v[k] === Infinity || v[k] === -Infinity) fail(GP, `column ${name} row ${k} is infinite`);
    return v;
  };
  const u8 = (name: string) => {
    const v = Uint8Array.from(numbers(gt, name)!);
    for (let k = 0; k < v.length; k++) if (v[k] > 1) fail(GP, `column ${name} row ${k} is not 0 or 1`);
    return v;
  };
  const fwd = new Float32Array(Hp * Tg * N);
  G.horizons.forEach((h, k) => fwd.set(f32(`fwd_${h}`), k * Tg * N));
  const grids: Panel = {
    dates: G.dates,
    tickers: G.tickers,
    factorNames: [],
    factorGroups: [],
    x: new Float32Array(0),
    valid: u8('valid'),
    industry: new Int32Array(Tg * N).fill(-1),
    industryNames: [],
    horizons: G.horizons,
    fwd,
    ret: f32('ret'),
    tradable: u8('tradable'),
    universes: G.universes.map((u, k) => ({ name: u.name, description: u.description, member: u8(`member_${k}`) })),
    source: { name: String((manifest.dataset.spec as { name?: unknown }).name ?? manifest.name), kind: 'prices' },
  };

  // the other tables: present, their columns, finite returns
  const pt = table(files, 'portfolio.parquet', ['date', 'model', 'portfolio_return', 'benchmark_return'])!;
  for (const c of ['portfolio_return', 'benchmark_return']) {
    const v = numbers(pt, c)!;
    for (let k = 0; k < v.length; k++) if (!Number.isFinite(v[k])) fail('portfolio.parquet', `${c} row ${k} is not finite`);
  }
  table(files, 'curves.parquet', ['model', 'group', 'epoch', 'train_loss', 'val_metric']);
  const spt = table(files, 'splits.parquet', ['model', 'group', 'label', 'test_start', 'test_end'])!;
  const want = parts.reduce((s, p) => s + (p.o.groups as unknown[]).length, 0);
  if (spt.numRows !== want) fail('splits.parquet', `${spt.numRows} rows; the methods have ${want} split groups`);
  table(files, 'relevance.parquet', ['date', 'ticker', 'model', 'factor', 'relevance'], false);

  // every part as large as the manifest says (an edited part; after the content checks, whose messages say more)
  for (const [k, n] of Object.entries(manifest.parts))
    if (k !== 'manifest.json' && files[k] && files[k].byteLength !== n) fail(k, `${files[k].byteLength} bytes; the manifest says ${n}`);
  const methods = parts.map((p, i) => {
    const o = outs[i];
    const h = p.horizons.indexOf(p.evalHorizon);
    const output = {
      ...p.o,
      scoresByHorizon: o.byH,
      scores: o.byH.slice(h * o.D * N, (h + 1) * o.D * N),
      channels: o.ch,
    } as unknown as MethodOutput;
    return { label: labels[i], output };
  });
  return { manifest, metrics, methods, grids, gridOffset: G.from, files, bytes: bytes.byteLength };
}
