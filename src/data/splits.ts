/**
 * Leakage-free train / validation / test splits over the panel's trading-day list.
 *
 * Every segment is a half-open range of date indices [start, end) into `Panel.dates`.
 * Within a group the segments are ordered: train, (purge), valid, gap, test; valid, gap and test are contiguous.
 *
 * Leakage rule (all protocols). A label at date t is fwd[h][t] = P[t+1+h] / P[t+1] - 1 (see Panel.fwd), so
 * it is only known at close t+1+h. A prediction at the first test date s is made at close s. Hence every
 * training or validation date t must satisfy  t + 1 + h <= s  for every horizon h, i.e. the last H = max(h)
 * dates before s are held out: gap = s - (end of train/valid) >= H.
 * Purge (walk-forward, fixed). The same rule holds between training and validation, because validation drives
 * early stopping: every training date t has t + 1 + H <= v (the first validation date), i.e. the last H dates
 * before validation are dropped from training (`purge`), so no training label is realised after validation starts.
 * Rolling groups have no validation segment. `checkSplits` verifies both rules.
 *
 * Protocols
 * - walkforward (DMFM sec. 4 "Dataset Construction"; E2EAI sec. 5): one group per half-year of test period.
 *   Training expands from the first date and ends H trading days before validation (the purge); validation is
 *   the half-year before the test half-year minus its last `gap` trading days (default: its last calendar month,
 *   as in DMFM, raised to >= H); test is the half-year. Tests of consecutive groups are consecutive half-years and stitch into one OOS series.
 * - rolling (Deep Factor Model sec. 4.2): monthly cross-sections. At month-end m a model is trained on the
 *   month-end samples of the previous `windowMonths` (60) months whose labels are realised by m, predicts at m
 *   and is used for the month [m, next month-end). Slides by one month. No validation segment.
 * - fixed (FactorVAE "Experiment Settings": train 2010-2017, valid 2018, test 2019-2020): fixed boundaries
 *   (ISO, inclusive ends); validation's last `gap` (>= H) dates become the gap, training's last H dates the purge.
 */
import type { SplitConfig } from '../core/run';
import { LabError } from '../core/errors';

/** A half-open range of date indices [start, end). */
export interface Segment {
  start: number;
  end: number;
}

export interface SplitGroup {
  /** 0-based group number (chronological) */
  index: number;
  /** e.g. '2016H1' (walkforward), '2016-03' (rolling), 'fixed' */
  label: string;
  train: Segment;
  /**
   * training dates dropped before validation (their labels reach into it): the last H dates before `valid`; empty
   * without validation. Optional for hand-made plans; makeSplits always sets it.
   */
  purge?: Segment;
  valid: Segment;
  /** held-out dates between validation (or train) and test; length >= the longest label horizon */
  gap: Segment;
  test: Segment;
  /** rolling only: the month-end date indices inside `train` that are the monthly training cross-sections */
  trainSamples?: Int32Array;
}

export interface SplitPlan {
  kind: SplitConfig['kind'];
  groups: SplitGroup[];
  /** longest label horizon the gaps were sized for */
  maxHorizon: number;
  /** notes for the UI (e.g. a gap raised to the horizon, a window clipped at the data start) */
  warnings: string[];
}

const year = (iso: string) => +iso.slice(0, 4);
const month = (iso: string) => +iso.slice(5, 7);
const halfYearKey = (iso: string) => year(iso) * 2 + (month(iso) > 6 ? 1 : 0);
const halfYearLabel = (key: number) => `${Math.floor(key / 2)}H${(key % 2) + 1}`;

/** First index i with dates[i] >= iso (dates.length if none). Dates are ascending ISO strings. */
export function lowerBound(dates: string[], iso: string): number {
  let lo = 0,
    hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dates[mid] < iso) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with dates[i] > iso (an inclusive ISO end becomes an exclusive index). */
export function upperBound(dates: string[], iso: string): number {
  let lo = 0,
    hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dates[mid] <= iso.slice(0, 10)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Indices of the last trading day of each calendar month; the final date always counts as a month end. */
export function monthEnds(dates: string[]): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < dates.length; i++) {
    if (i === dates.length - 1 || dates[i].slice(0, 7) !== dates[i + 1].slice(0, 7)) out.push(i);
  }
  return Int32Array.from(out);
}

/** Contiguous runs of dates sharing a key (half-years, months), as [start, end) with the key. */
function blocks(dates: string[], key: (iso: string) => number): { key: number; start: number; end: number }[] {
  const out: { key: number; start: number; end: number }[] = [];
  for (let i = 0; i < dates.length; i++) {
    const k = key(dates[i]);
    if (out.length && out[out.length - 1].key === k) out[out.length - 1].end = i + 1;
    else out.push({ key: k, start: i, end: i + 1 });
  }
  return out;
}

function checkDates(dates: string[]) {
  if (dates.length < 2) throw new LabError(`splits: the panel has ${dates.length} date(s); a split needs at least two.`);
  for (let i = 1; i < dates.length; i++) {
    if (!(dates[i] > dates[i - 1]))
      throw new LabError(`splits: dates must be strictly ascending ISO strings; row ${i} (${dates[i]}) follows ${dates[i - 1]}.`);
  }
}

/** Build the split plan for a run. `horizons` are the panel's label horizons (trading days); the gap covers the longest. */
export function makeSplits(dates: string[], cfg: SplitConfig, horizons: number[]): SplitPlan {
  checkDates(dates);
  const maxHorizon = Math.max(0, ...horizons);
  switch (cfg.kind) {
    case 'walkforward':
      return walkForwardSplits(dates, cfg, maxHorizon);
    case 'rolling':
      return rollingSplits(dates, cfg, maxHorizon);
    case 'fixed':
      return fixedSplit(dates, cfg, maxHorizon);
    default:
      throw new LabError(`splits: unknown split kind '${(cfg as SplitConfig).kind}'; expected walkforward, rolling or fixed.`);
  }
}

/**
 * DMFM / E2EAI walk-forward: one group per test half-year. Group with test half-year b: train = [0, start of b-1 - H),
 * purge = the H dates before half-year b-1, valid = half-year b-1 without its last `gap` days, gap = those days,
 * test = half-year b.
 * `cfg.start` picks the first test half-year (the half-year containing it); `cfg.groups` how many (0 = all);
 * `cfg.trainYears` > 0 keeps only that many years (whole half-years) of training before the validation half-year.
 * Without a start, `groups > 0` takes the last `groups` half-years, else every half-year with >= 1 year of training.
 */
export function walkForwardSplits(dates: string[], cfg: SplitConfig, maxHorizon: number): SplitPlan {
  const hy = blocks(dates, halfYearKey);
  const warnings: string[] = [];
  const nWanted = Math.max(0, Math.floor(cfg.groups ?? 0));
  const MIN_FIRST = 2; // test block index >= 2: one validation half-year plus at least one training half-year
  let first: number;
  if (cfg.start) {
    const i = lowerBound(dates, cfg.start);
    if (i >= dates.length) throw new LabError(`splits: walk-forward start ${cfg.start} is after the last date ${dates[dates.length - 1]}.`);
    first = hy.findIndex((b) => b.start <= i && i < b.end);
    if (hy[first].start !== i)
      warnings.push(
        `walk-forward start ${cfg.start} is inside half-year ${halfYearLabel(hy[first].key)}; the test starts at the half-year's first date ${dates[hy[first].start]}.`,
      );
    if (first < MIN_FIRST) {
      throw new LabError(
        `splits: walk-forward start ${cfg.start} leaves ${first} half-year(s) before the test; need at least ${MIN_FIRST} (one for training, one for validation).`,
        `Choose a start on or after ${dates[hy[Math.min(MIN_FIRST, hy.length - 1)].start]}.`,
      );
    }
  } else if (nWanted > 0) {
    first = Math.max(MIN_FIRST, hy.length - nWanted);
  } else {
    first = MIN_FIRST + 1; // default: at least one full year of training
  }
  let last = nWanted > 0 ? Math.min(hy.length, first + nWanted) : hy.length;
  if (first >= hy.length) {
    throw new LabError(
      `splits: the panel spans ${hy.length} half-year(s) (${dates[0]} to ${dates[dates.length - 1]}); walk-forward needs at least ${first + 1}.`,
      'Load a longer date range or use a fixed split.',
    );
  }
  if (nWanted > 0 && last - first < nWanted) warnings.push(`walk-forward: ${nWanted} groups requested, the data allows ${last - first}.`);
  last = Math.max(last, first + 1);
  const trainYears = Math.max(0, Number(cfg.trainYears ?? 0) || 0);
  const trainHalves = trainYears > 0 ? Math.max(1, Math.round(trainYears * 2)) : 0;
  if (trainYears > 0 && trainYears < 0.5)
    warnings.push(`walk-forward: a training window of ${trainYears} years is less than one half-year; one half-year is used.`);

  const groups: SplitGroup[] = [];
  for (let b = first; b < last; b++) {
    const v = hy[b - 1],
      t = hy[b];
    // DMFM: "we exclude the last month data from the validation set" -> default gap = trading days of that month
    let gap = cfg.gap ?? v.end - lowerBound(dates, dates[v.end - 1].slice(0, 7));
    if (gap < maxHorizon) {
      if (groups.length === 0) warnings.push(`gap raised from ${gap} to ${maxHorizon} trading days to cover the longest label horizon.`);
      gap = maxHorizon;
    }
    if (gap >= v.end - v.start) {
      throw new LabError(
        `splits: a gap of ${gap} trading days leaves no validation dates in half-year ${halfYearLabel(v.key)} (${v.end - v.start} dates).`,
        'Use a shorter gap or shorter label horizons.',
      );
    }
    // trainYears > 0: only the last 2 * trainYears half-years before the validation half-year b-1
    const trainFirst = trainHalves > 0 ? Math.max(0, b - 1 - trainHalves) : 0;
    // purge: training labels must be realised by the first validation date (t + 1 + H <= v.start)
    const trainEnd = Math.max(hy[trainFirst].start, v.start - maxHorizon);
    if (trainEnd <= hy[trainFirst].start) {
      throw new LabError(
        `splits: the ${maxHorizon}-day purge before validation half-year ${halfYearLabel(v.key)} leaves no training dates.`,
        'Use a longer training window (trainYears) or shorter label horizons.',
      );
    }
    groups.push({
      index: groups.length,
      label: halfYearLabel(t.key),
      train: { start: hy[trainFirst].start, end: trainEnd },
      purge: { start: trainEnd, end: v.start },
      valid: { start: v.start, end: t.start - gap },
      gap: { start: t.start - gap, end: t.start },
      test: { start: t.start, end: t.end },
    });
  }
  return { kind: 'walkforward', groups, maxHorizon, warnings };
}

/**
 * Deep Factor Model rolling protocol: one group per month-end m (test = [m, next month-end)). Training samples are
 * the month-ends of the previous `windowMonths` months, restricted to dates t with t + 1 + H <= m (labels realised).
 * `cfg.start`: first prediction month (first month-end >= start); default: the first month with a full window
 * (or, when `groups > 0`, the last `groups` months).
 */
export function rollingSplits(dates: string[], cfg: SplitConfig, maxHorizon: number): SplitPlan {
  const me = monthEnds(dates);
  const W = Math.max(1, Math.floor(cfg.windowMonths ?? 60));
  const gap = Math.max(Math.floor(cfg.gap ?? 0), maxHorizon);
  const nWanted = Math.max(0, Math.floor(cfg.groups ?? 0));
  const warnings: string[] = [];
  const lastJ = me.length - 2; // the final month-end has no following month to hold
  let j0: number;
  if (cfg.start) {
    j0 = me.findIndex((i) => dates[i] >= cfg.start!.slice(0, 10));
    if (j0 < 0 || j0 > lastJ)
      throw new LabError(`splits: rolling start ${cfg.start} leaves no month to predict (data ends ${dates[dates.length - 1]}).`);
  } else if (nWanted > 0) {
    j0 = Math.max(W, lastJ + 1 - nWanted);
  } else {
    j0 = W;
  }
  if (j0 > lastJ) {
    throw new LabError(
      `splits: the panel has ${me.length} month-ends; a ${W}-month rolling window needs at least ${W + 2}.`,
      'Use a shorter Window (months), a later first prediction month, or a longer date range.',
    );
  }
  if (j0 < W) warnings.push(`rolling: the first ${W - j0} window(s) are shorter than ${W} months (data starts ${dates[0]}).`);
  const jEnd = nWanted > 0 ? Math.min(lastJ + 1, j0 + nWanted) : lastJ + 1;
  if (nWanted > 0 && jEnd - j0 < nWanted) warnings.push(`rolling: ${nWanted} months requested, the data allows ${jEnd - j0}.`);

  const groups: SplitGroup[] = [];
  for (let j = j0; j < jEnd; j++) {
    const testStart = me[j];
    const trainStart = me[Math.max(0, j - W)];
    const trainEnd = testStart - gap;
    if (trainEnd <= trainStart) {
      if (groups.length === 0 && j === jEnd - 1)
        throw new LabError(`splits: rolling window before ${dates[testStart]} is empty after the ${gap}-day gap.`);
      warnings.push(`rolling: month ${dates[testStart].slice(0, 7)} skipped (no training dates before the ${gap}-day gap).`);
      continue;
    }
    const samples: number[] = [];
    for (let k = Math.max(0, j - W); k < j; k++) if (me[k] < trainEnd) samples.push(me[k]);
    groups.push({
      index: groups.length,
      label: dates[testStart].slice(0, 7),
      train: { start: trainStart, end: trainEnd },
      purge: { start: trainEnd, end: trainEnd },
      valid: { start: trainEnd, end: trainEnd },
      gap: { start: trainEnd, end: testStart },
      test: { start: testStart, end: me[j + 1] },
      trainSamples: Int32Array.from(samples),
    });
  }
  return { kind: 'rolling', groups, maxHorizon, warnings };
}

/**
 * FactorVAE fixed split: train [start, trainEnd], valid (trainEnd, validEnd], test (validEnd, testEnd] (ISO, inclusive).
 * The last max(gap, H) validation dates become the gap; when validation keeps dates, the last H training dates
 * become the purge. Without boundaries: test = the last two calendar years,
 * valid = the year before, train = the rest (FactorVAE's 8/1/2-year shape); with fewer than 4 years, 60/20/20 by date.
 */
export function fixedSplit(dates: string[], cfg: SplitConfig, maxHorizon: number): SplitPlan {
  const T = dates.length;
  const warnings: string[] = [];
  const a = cfg.start ? lowerBound(dates, cfg.start) : 0;
  let b: number, c: number, d: number;
  if (!cfg.trainEnd !== !cfg.validEnd) {
    throw new LabError(
      `splits: a fixed split needs both trainEnd and validEnd (got trainEnd ${cfg.trainEnd ?? 'none'}, validEnd ${cfg.validEnd ?? 'none'}).`,
      'Give both, or neither for the default last-two-years test.',
    );
  }
  if (cfg.trainEnd && cfg.validEnd) {
    b = upperBound(dates, cfg.trainEnd);
    c = upperBound(dates, cfg.validEnd);
    d = cfg.testEnd ? upperBound(dates, cfg.testEnd) : T;
  } else {
    const y0 = year(dates[a]),
      y1 = year(dates[T - 1]);
    if (y1 - y0 + 1 >= 4) {
      c = lowerBound(dates, `${y1 - 1}-01-01`);
      b = lowerBound(dates, `${y1 - 2}-01-01`);
    } else {
      b = a + Math.floor((T - a) * 0.6);
      c = a + Math.floor((T - a) * 0.8);
    }
    d = T;
    warnings.push(
      `fixed split: no boundaries given; using train ${dates[a]}..${dates[b - 1]}, valid ${dates[b]}..${dates[c - 1]}, test ${dates[c]}..${dates[d - 1]}.`,
    );
  }
  if (!(a < b && b <= c && c < d)) {
    throw new LabError(
      `splits: fixed boundaries give train [${a}, ${b}), valid [${b}, ${c}), test [${c}, ${d}) over ${T} dates; each of train and test needs at least one date, in order.`,
      'Check start <= trainEnd < validEnd < testEnd.',
    );
  }
  const gap = Math.max(Math.floor(cfg.gap ?? 0), maxHorizon);
  const gapStart = Math.max(a, c - gap);
  if (gapStart < b)
    warnings.push(`fixed split: the ${gap}-day gap is longer than validation; training ends at ${dates[Math.max(a, gapStart - 1)]}.`);
  if (gapStart <= a) throw new LabError(`splits: the ${gap}-day gap before the test leaves no training dates.`);
  const validStart = Math.min(b, gapStart);
  const trainEnd = validStart < gapStart ? validStart - maxHorizon : validStart; // purge only before a validation segment
  if (trainEnd <= a)
    throw new LabError(
      `splits: the ${maxHorizon}-day purge before validation (${dates[validStart]}) leaves no training dates.`,
      'Move trainEnd later or use shorter label horizons.',
    );
  return {
    kind: 'fixed',
    groups: [
      {
        index: 0,
        label: 'fixed',
        train: { start: a, end: trainEnd },
        purge: { start: trainEnd, end: validStart },
        valid: { start: validStart, end: gapStart },
        gap: { start: gapStart, end: c },
        test: { start: c, end: d },
      },
    ],
    maxHorizon,
    warnings,
  };
}

/** [T] 1 on the dates of every group's test segment: the stitched out-of-sample period. */
export function stitchedTestMask(plan: SplitPlan, T: number): Uint8Array {
  const m = new Uint8Array(T);
  for (const g of plan.groups) m.fill(1, g.test.start, Math.min(T, g.test.end));
  return m;
}

/** [T] index of the group whose test segment holds each date, -1 elsewhere (to stitch per-group predictions). */
export function testGroupOfDate(plan: SplitPlan, T: number): Int32Array {
  const m = new Int32Array(T).fill(-1);
  for (const g of plan.groups) m.fill(g.index, g.test.start, Math.min(T, g.test.end));
  return m;
}

export interface TimelineRow {
  group: number;
  label: string;
  segment: 'train' | 'purge' | 'valid' | 'gap' | 'test';
  startIndex: number;
  /** exclusive */
  endIndex: number;
  /** first and last (inclusive) ISO date of the segment */
  from: string;
  to: string;
  days: number;
}

/** Rows for the split timeline chart: one bar per non-empty segment per group. */
export function splitTimeline(plan: SplitPlan, dates: string[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (const g of plan.groups) {
    for (const segment of ['train', 'purge', 'valid', 'gap', 'test'] as const) {
      const s = g[segment];
      if (!s || s.end <= s.start) continue;
      rows.push({
        group: g.index,
        label: g.label,
        segment,
        startIndex: s.start,
        endIndex: s.end,
        from: dates[s.start],
        to: dates[s.end - 1],
        days: s.end - s.start,
      });
    }
  }
  return rows;
}

/**
 * Leakage check: returns one message per violation (empty = clean). For every group and every horizon h:
 * segments ordered and inside [0, T); each train/valid date t has t + 1 + h <= test start; with a validation
 * segment, each train date t has t + 1 + h <= validation start (the purge); test segments disjoint; rolling samples
 * inside train.
 */
export function checkSplits(plan: SplitPlan, horizons: number[], T: number): string[] {
  const bad: string[] = [];
  let prevTestEnd = -1;
  for (const g of plan.groups) {
    const seq = g.purge ? [g.train, g.purge, g.valid, g.gap, g.test] : [g.train, g.valid, g.gap, g.test];
    for (let i = 0; i < seq.length; i++) {
      if (seq[i].start > seq[i].end || seq[i].start < 0 || seq[i].end > T)
        bad.push(`group ${g.label}: segment ${i} [${seq[i].start}, ${seq[i].end}) out of order or out of range`);
      if (i > 0 && seq[i].start < seq[i - 1].end) bad.push(`group ${g.label}: segment ${i} starts before segment ${i - 1} ends`);
    }
    if (g.test.end <= g.test.start) bad.push(`group ${g.label}: empty test`);
    if (g.train.end <= g.train.start) bad.push(`group ${g.label}: empty train`);
    const lastSeen = Math.max(g.train.end, g.valid.end) - 1;
    for (const h of horizons) {
      if (lastSeen + 1 + h > g.test.start)
        bad.push(`group ${g.label}: horizon ${h}: label of date ${lastSeen} reaches date ${lastSeen + 1 + h} > test start ${g.test.start}`);
      if (g.valid.end > g.valid.start && g.train.end + h > g.valid.start)
        bad.push(
          `group ${g.label}: horizon ${h}: label of training date ${g.train.end - 1} reaches date ${g.train.end + h} > validation start ${g.valid.start}`,
        );
    }
    if (g.test.start < prevTestEnd) bad.push(`group ${g.label}: test overlaps the previous group's test`);
    prevTestEnd = g.test.end;
    if (g.trainSamples)
      for (const s of g.trainSamples) if (s < g.train.start || s >= g.train.end) bad.push(`group ${g.label}: sample ${s} outside train`);
  }
  return bad;
}
