/**
 * FactorFrame (long rows) -> Panel (dense [T, N, F] typed arrays, masks, industries, labels, universes).
 *
 * One pass places every row at (t, n) with a running date index (rows are sorted by date) and the row's
 * ticker index; then each date's [N, F] slice is preprocessed in place (preprocess.ts). No per-element objects.
 * The stock axis is frame.tickers unchanged (ids stay stable when the date range is restricted).
 */
import { LabError } from '../core/errors';
import { dayToIso, isoToDay } from '../core/dates';
import type { Panel, UniverseDef } from '../core/panel';
import { panelBytes } from '../core/panel';
import type { PreprocessConfig } from '../core/run';
import type { FactorFrame } from './frame';
import { preprocessDates } from './preprocess';
import { preprocessDatesParallel, type CrossSectionPool, type ParallelOptions } from './cross-section-pool';
import { dollarVolumeUniverses, type UniverseSizes, defaultUniverseSizes } from './universes';

export interface BuildPanelOptions {
  /** factor names or group names to keep (in frame order); empty / absent = all */
  factors?: string[];
  /** keep dates >= start / <= end (ISO); universes still use the history before start */
  start?: string;
  end?: string;
  universeSizes?: UniverseSizes;
  /** refuse to allocate a panel above this many MB (default 1024); restrict dates or factors instead */
  maxMB?: number;
}

/** Fewest valid stocks a date needs; below it the whole date is set invalid. */
export const MIN_STOCKS_PER_DATE = 5;

/** Factor column indices selected by names or group names (empty = all), in frame order. */
export function selectFactors(frame: FactorFrame, wanted: string[] | undefined): number[] {
  const cols = frame.factors;
  if (!wanted || wanted.length === 0) return cols.map((_, j) => j);
  const want = new Set(wanted);
  const unknown = wanted.filter((w) => !cols.some((c) => c.name === w || c.group === w));
  if (unknown.length > 0) {
    const groups = [...new Set(cols.map((c) => c.group))];
    throw new LabError(
      `${frame.source.name}: unknown factor or group ${unknown.map((u) => `'${u}'`).join(', ')} (frame has ${cols.length} factor columns, ${frame.nRows} rows)`,
      `Expected one of the factor names ${cols.map((c) => c.name).join(', ')} or the groups ${groups.join(', ')}.`,
    );
  }
  return cols.map((c, j) => (want.has(c.name) || want.has(c.group) ? j : -1)).filter((j) => j >= 0);
}

/** Bytes a panel of these dimensions holds (x, valid, industry, fwd, ret, tradable, universes). */
export function estimatePanelBytes(T: number, N: number, F: number, H: number, nUniverses: number): number {
  return T * N * (4 * F + 1 + 4 + 4 * H + 4 + 1 + nUniverses);
}

/** Build the model-ready Panel from a FactorFrame: place rows, mask, preprocess per date, attach labels and universes. */
export function buildPanel(frame: FactorFrame, prep: PreprocessConfig, opts: BuildPanelOptions = {}): Panel {
  const { d, meta, sizes } = placeFrame(frame, prep, opts);
  return finishPanel(d, meta, prep, sizes);
}

/** buildPanel with the per-date preprocessing split across `pool`'s helpers (finishPanelParallel); the same panel. */
export async function buildPanelParallel(
  frame: FactorFrame,
  prep: PreprocessConfig,
  opts: BuildPanelOptions & { pool?: CrossSectionPool | null; parallel?: ParallelOptions } = {},
): Promise<Panel> {
  const { d, meta, sizes } = placeFrame(frame, prep, opts);
  return finishPanelParallel(d, meta, prep, sizes, opts.pool, opts.parallel);
}

/** buildPanel's placement pass: the frame's rows in a PanelDraft, and the panel's names */
function placeFrame(
  frame: FactorFrame,
  prep: PreprocessConfig,
  opts: BuildPanelOptions,
): { d: PanelDraft; meta: PanelMeta; sizes: UniverseSizes } {
  const nRows = frame.nRows;
  const N = frame.tickers.length;
  const what = `${frame.source.name} (${nRows} rows)`;
  if (frame.date.length < nRows || frame.ticker.length < nRows) {
    throw new LabError(`${what}: date/ticker columns hold ${frame.date.length}/${frame.ticker.length} entries, expected ${nRows}`);
  }
  // --- date axis over the whole frame (universes need history before `start`)
  const allDays: number[] = [];
  for (let r = 0; r < nRows; r++) {
    const d = frame.date[r];
    const last = allDays.length ? allDays[allDays.length - 1] : -Infinity;
    if (d > last) allDays.push(d);
    else if (d < last) {
      throw new LabError(
        `${what}: column 'date' is not sorted: row ${r} has ${dayToIso(d)} after ${dayToIso(last)}`,
        'Sort the rows by (date, ticker).',
      );
    }
  }
  const Tall = allDays.length;
  const t0 = opts.start ? lowerBound(allDays, isoToDay(opts.start)) : 0;
  const t1 = opts.end ? upperBound(allDays, isoToDay(opts.end)) : Tall; // dates [t0, t1)
  const T = t1 - t0;
  if (T <= 0) {
    const range = Tall ? `${dayToIso(allDays[0])}..${dayToIso(allDays[Tall - 1])}` : 'no dates';
    throw new LabError(`${what}: no dates between ${opts.start ?? 'the start'} and ${opts.end ?? 'the end'} (the frame covers ${range})`);
  }
  const sel = selectFactors(frame, opts.factors);
  const F = sel.length;
  if (F === 0) throw new LabError(`${what}: no factor columns to build a panel from`);
  const cols = sel.map((j) => frame.factors[j].values);
  const horizons = frame.fwd.map((h) => h.horizon);
  const H = horizons.length;
  const sizes = opts.universeSizes ?? defaultUniverseSizes;
  for (const c of cols) if (c.length < nRows) throw new LabError(`${what}: a factor column holds ${c.length} values, expected ${nRows}`);

  // --- single placement pass
  const d = allocPanelDraft(allDays, t0, t1, N, F, H, frame.universeColumns?.map((c) => c.name) ?? [], what, opts.maxMB);
  const { x, present, valid, industry, fwd, ret, dvAll } = d;
  const uniCols = frame.universeColumns ?? [];
  const fwdCols = frame.fwd.map((h) => h.values);
  const minHist = prep.minHistory;
  let ta = -1; // index into allDays of the current row
  let prevDay = -Infinity;
  for (let r = 0; r < nRows; r++) {
    const day = frame.date[r];
    if (day !== prevDay) {
      ta++;
      prevDay = day;
    }
    const n = frame.ticker[r];
    if (!(n >= 0 && n < N)) throw new LabError(`${what}: row ${r} has ticker index ${n}, expected 0..${N - 1}`);
    dvAll[ta * N + n] = frame.dollarVolume[r];
    if (ta < t0 || ta >= t1) continue;
    const t = ta - t0;
    const tn = t * N + n;
    if (present[tn]) throw new LabError(`${what}: duplicate row for ${frame.tickers[n]} on ${dayToIso(day)} (row ${r})`);
    present[tn] = 1;
    valid[tn] = frame.age[r] >= minHist ? 1 : 0;
    industry[tn] = frame.industry[r];
    ret[tn] = frame.ret[r];
    for (let h = 0; h < H; h++) fwd[h * T * N + tn] = fwdCols[h][r];
    const o = tn * F;
    for (let j = 0; j < F; j++) x[o + j] = cols[j][r];
    for (let u = 0; u < uniCols.length; u++) {
      const v = uniCols[u].values[r];
      if (v > 0) d.uniMember[u][tn] = 1;
    }
  }
  const meta: PanelMeta = {
    tickers: frame.tickers.slice(),
    factorNames: sel.map((j) => frame.factors[j].name),
    factorGroups: sel.map((j) => frame.factors[j].group),
    industries: frame.industries.slice(),
    horizons,
    source: frame.source,
  };
  return { d, meta, sizes };
}

/**
 * The dense arrays of a panel before per-date preprocessing: filled row by row by buildPanel (from a FactorFrame)
 * or batch by batch by factors.ts computeFactorPanel (straight from the SQL stream, no FactorFrame in between).
 * Dates [t0, t1) of allDays are the panel's; allDays as a whole feeds the universes (history before t0).
 */
export interface PanelDraft {
  /** day numbers of every date (ascending), Tall = allDays.length */
  allDays: ArrayLike<number>;
  t0: number;
  t1: number;
  N: number;
  F: number;
  H: number;
  /** [T, N, F] raw factor values (NaN = missing), preprocessed in place by finishPanel */
  x: Float32Array;
  /** [T, N] a row exists */
  present: Uint8Array;
  /** [T, N] enough history (age >= minHistory) */
  valid: Uint8Array;
  /** [T, N] industry id, -1 unknown */
  industry: Int32Array;
  /** [H, T, N] forward returns, NaN where unavailable */
  fwd: Float32Array;
  /** [T, N] daily return, NaN where unavailable */
  ret: Float32Array;
  /** [Tall, N] dollar volume for the universes, NaN where unknown */
  dvAll: Float32Array;
  /** user universe columns: names and [T, N] membership */
  uniNames: string[];
  uniMember: Uint8Array[];
}

/**
 * Allocate a PanelDraft (refusing sizes above maxMB, default 1024). `what` names the input in the error. `spare`: zeroed
 * memory already mapped (a helper's reservation, cross-section-pool.ts): x and fwd, the two big arrays, are views into
 * it when it is large enough and at most a quarter larger (its pages are not faulted in again here), else new arrays.
 */
export function allocPanelDraft(
  allDays: ArrayLike<number>,
  t0: number,
  t1: number,
  N: number,
  F: number,
  H: number,
  uniNames: string[],
  what: string,
  maxMB = 1024,
  spare?: ArrayBuffer | null,
): PanelDraft {
  const T = t1 - t0,
    Tall = allDays.length;
  const bytes = estimatePanelBytes(T, N, F, H, 4 + uniNames.length);
  if (bytes / 2 ** 20 > maxMB) {
    throw new LabError(
      `${what}: the panel would take ${(bytes / 2 ** 20).toFixed(0)} MB (${T} dates x ${N} stocks x ${F} factors), above the ${maxMB} MB limit`,
      'Restrict the date range (start/end) or select fewer factors.',
    );
  }
  // used when large enough, and not much larger: x and fwd keep the whole buffer alive as long as the panel lives
  const need = (T * N * F + H * T * N) * 4;
  const fits = spare != null && spare.byteLength >= need && spare.byteLength <= need * 1.25 + 2 ** 20;
  return {
    allDays,
    t0,
    t1,
    N,
    F,
    H,
    x: fits ? new Float32Array(spare, 0, T * N * F) : new Float32Array(T * N * F), // [T, N, F]
    present: new Uint8Array(T * N), // [T, N]
    valid: new Uint8Array(T * N), // [T, N]
    industry: new Int32Array(T * N).fill(-1), // [T, N]
    fwd: (fits ? new Float32Array(spare, T * N * F * 4, H * T * N) : new Float32Array(H * T * N)).fill(NaN), // [H, T, N]
    ret: new Float32Array(T * N).fill(NaN), // [T, N]
    dvAll: new Float32Array(Tall * N).fill(NaN), // [Tall, N]
    uniNames,
    uniMember: uniNames.map(() => new Uint8Array(T * N)), // [T, N] each
  };
}

/** Panel names and provenance that finishPanel attaches to a filled PanelDraft. */
export interface PanelMeta {
  tickers: string[];
  factorNames: string[];
  factorGroups: string[];
  industries: string[];
  horizons: number[];
  source: Panel['source'];
}

/** Preprocess every date of a filled draft in place (preprocess.ts), mark thin dates, build the universes. */
export function finishPanel(
  d: PanelDraft,
  meta: PanelMeta,
  prep: PreprocessConfig,
  sizes: UniverseSizes = defaultUniverseSizes,
  preprocessed?: Int32Array,
): Panel {
  const { x, valid, industry, present, N, F, t0, t1, allDays } = d;
  const T = t1 - t0;
  // --- per-date preprocessing (unless finishPanelParallel has done it: `preprocessed` = [T] valid stocks per date)
  const nValid = preprocessed ?? preprocessDates(x, valid, industry, T, N, F, prep, meta.industries.length);
  // --- the minimum cross-section
  const thinDates: number[] = [];
  for (let t = 0; t < T; t++) {
    if (nValid[t] < MIN_STOCKS_PER_DATE) {
      if (nValid[t] > 0) {
        valid.fill(0, t * N, (t + 1) * N);
        x.fill(0, t * N * F, (t + 1) * N * F);
      }
      thinDates.push(t);
    }
  }

  // --- universes: 'all' = present that day; monthly dollar-volume universes; user columns
  const dates = new Array<string>(T);
  for (let t = 0; t < T; t++) dates[t] = dayToIso(allDays[t0 + t]);
  const universes: UniverseDef[] = [{ name: 'all', description: 'every stock with a row that day', member: present.slice() }];
  for (const u of dollarVolumeUniverses(allDays, d.dvAll, N, sizes)) {
    universes.push({ ...u, member: t0 === 0 && t1 === allDays.length ? u.member : u.member.slice(t0 * N, t1 * N) });
  }
  d.uniNames.forEach((name, u) =>
    universes.push({ name, description: `user column '${name}' (value > 0 = member)`, member: d.uniMember[u] }),
  );

  const notes = [...(meta.source.notes ?? [])];
  if (thinDates.length > 0) {
    notes.push(
      `${thinDates.length} of ${T} dates have fewer than ${MIN_STOCKS_PER_DATE} valid stocks and are marked invalid: ${formatDateRuns(thinDates, dates)}`,
    );
  }
  return {
    dates,
    tickers: meta.tickers,
    factorNames: meta.factorNames,
    factorGroups: meta.factorGroups,
    x,
    valid,
    industry,
    industryNames: meta.industries,
    horizons: meta.horizons,
    fwd: d.fwd,
    ret: d.ret,
    tradable: present,
    universes,
    source: { name: meta.source.name, kind: meta.source.kind, notes },
  };
}

/**
 * finishPanel with the per-date preprocessing split across the pool's helper threads (cross-section-pool.ts); the
 * same panel as finishPanel (tested). Without a pool it is finishPanel.
 */
export async function finishPanelParallel(
  d: PanelDraft,
  meta: PanelMeta,
  prep: PreprocessConfig,
  sizes: UniverseSizes = defaultUniverseSizes,
  pool?: CrossSectionPool | null,
  opts: ParallelOptions = {},
): Promise<Panel> {
  const T = d.t1 - d.t0;
  const nValid = await preprocessDatesParallel(d.x, d.valid, d.industry, T, d.N, d.F, prep, meta.industries.length, pool, opts);
  return finishPanel(d, meta, prep, sizes, nValid);
}

export interface PanelSummary {
  T: number;
  N: number;
  F: number;
  H: number;
  start: string;
  end: string;
  /** dates with at least one valid stock */
  validDates: number;
  /** valid stocks per date over all T dates */
  stocksPerDate: { min: number; median: number; max: number };
  /** MB held by the typed arrays */
  mb: number;
}

/** Dimensions, date range, valid stocks per date (min / median / max) and memory of a panel. */
export function panelSummary(p: Panel): PanelSummary {
  const T = p.dates.length,
    N = p.tickers.length;
  const counts = new Float64Array(T);
  let validDates = 0;
  for (let t = 0; t < T; t++) {
    let c = 0;
    for (let n = 0; n < N; n++) c += p.valid[t * N + n];
    counts[t] = c;
    if (c > 0) validDates++;
  }
  counts.sort();
  const median = T === 0 ? 0 : T & 1 ? counts[T >> 1] : (counts[T / 2 - 1] + counts[T / 2]) / 2;
  return {
    T,
    N,
    F: p.factorNames.length,
    H: p.horizons.length,
    start: p.dates[0] ?? '',
    end: p.dates[T - 1] ?? '',
    validDates,
    stocksPerDate: { min: T ? counts[0] : 0, median, max: T ? counts[T - 1] : 0 },
    mb: panelBytes(p) / 2 ** 20,
  };
}

function lowerBound(a: number[], v: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}
function upperBound(a: number[], v: number): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] <= v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** "2010-01-04..2010-03-26 (60), 2012-05-01" for sorted date indices. */
function formatDateRuns(ts: number[], dates: string[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < ts.length && parts.length < 8) {
    let j = i;
    while (j + 1 < ts.length && ts[j + 1] === ts[j] + 1) j++;
    parts.push(j === i ? dates[ts[i]] : `${dates[ts[i]]}..${dates[ts[j]]} (${j - i + 1})`);
    i = j + 1;
  }
  if (i < ts.length) parts.push(`and ${ts.length - i} more`);
  return parts.join(', ');
}
