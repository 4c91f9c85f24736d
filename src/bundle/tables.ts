/**
 * The bundle's tables as Arrow tables (written as parquet by write.ts; the headless runner writes the same tables next
 * to the bundle). One implementation of each, shared by scripts/experiment.ts, the bundle writer and the reader.
 */
import * as arrow from 'apache-arrow';
import { isoToDay } from '../core/dates';
import type { Panel } from '../core/panel';
import type { RunResult } from '../train/types';
import type { RunExplanation } from '../explain/run';

const dateVector = (days: Int32Array) => arrow.makeVector(arrow.makeData({ type: new arrow.DateDay(), length: days.length, data: days }));
const dictVector = (codes: Int32Array, dict: string[]) => {
  const d = arrow.vectorFromArray(dict, new arrow.Utf8());
  return arrow.makeVector(
    arrow.makeData({ type: new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()), length: codes.length, data: codes, dictionary: d }),
  );
};

/** the fields of a result the tables read (RunResult or the browser's TrainOutput) */
export type TableResult = Pick<RunResult, 'scoresByHorizon' | 'testIndex' | 'horizons' | 'channels' | 'eval' | 'groups'>;

/**
 * scores rows: every (test date, stock in the cross-section, horizon) of every run (score and, unless `label: false`, the
 * forward return it is judged against), with one column per output
 * channel any run has (sigma, weight, alternative scores such as DMFM's fhat; a per-date channel repeats on every
 * horizon's row; NaN for a run without that channel)
 */
export function scoresTable(
  panel: Pick<Panel, 'dates' | 'tickers' | 'fwd'>,
  results: { label: string; r: TableResult }[],
  o: { label?: boolean } = {},
): arrow.Table {
  const T = panel.dates.length,
    N = panel.tickers.length;
  let rows = 0;
  for (const { r } of results) for (let k = 0; k < r.scoresByHorizon.length; k++) if (Number.isFinite(r.scoresByHorizon[k])) rows++;
  const date = new Int32Array(rows),
    ticker = new Int32Array(rows),
    model = new Int32Array(rows),
    horizon = new Int32Array(rows);
  const score = new Float32Array(rows),
    label = new Float32Array(rows);
  const channelNames = [...new Set(results.flatMap(({ r }) => (r.channels ?? []).map((c) => c.spec.name)))];
  const channelCols = Object.fromEntries(channelNames.map((c) => [c, new Float32Array(rows).fill(NaN)]));
  const dayOf = panel.dates.map(isoToDay);
  let i = 0;
  results.forEach(({ r }, m) => {
    const D = r.testIndex.length,
      H = r.horizons.length;
    for (let h = 0; h < H; h++)
      for (let j = 0; j < D; j++) {
        const t = r.testIndex[j];
        for (let n = 0; n < N; n++) {
          const s = r.scoresByHorizon[(h * D + j) * N + n];
          if (!Number.isFinite(s)) continue;
          date[i] = dayOf[t];
          ticker[i] = n;
          model[i] = m;
          horizon[i] = r.horizons[h];
          score[i] = s;
          label[i] = panel.fwd[(h * T + t) * N + n];
          for (const c of r.channels ?? []) channelCols[c.spec.name][i] = c.values[((c.spec.perHorizon ? h : 0) * D + j) * N + n];
          i++;
        }
      }
  });
  return new arrow.Table({
    date: dateVector(date),
    ticker: dictVector(ticker, panel.tickers),
    model: dictVector(
      model,
      results.map((x) => x.label),
    ),
    horizon: arrow.makeVector(horizon),
    score: arrow.makeVector(score),
    // the label (forward return) column: the runner's scores.parquet has it; a bundle leaves it out (its grids hold
    // every forward return, and the column would be ~40% of the bundle)
    ...(o.label === false ? {} : { label: arrow.makeVector(label) }),
    ...Object.fromEntries(channelNames.map((c) => [c, arrow.makeVector(channelCols[c])])),
  });
}

/** portfolio rows: the daily backtest series of every run */
export function portfolioTable(results: { label: string; r: Pick<TableResult, 'eval'> }[]): arrow.Table {
  const days: number[] = [],
    model: number[] = [],
    port: number[] = [],
    bench: number[] = [];
  results.forEach(({ r }, m) => {
    const s = r.eval.series;
    for (let k = 0; k < s.iso.length; k++) {
      days.push(isoToDay(s.iso[k]));
      model.push(m);
      port.push(s.portfolio[k]);
      bench.push(s.benchmark[k]);
    }
  });
  return new arrow.Table({
    date: dateVector(Int32Array.from(days)),
    model: dictVector(
      Int32Array.from(model),
      results.map((x) => x.label),
    ),
    portfolio_return: arrow.makeVector(Float64Array.from(port)),
    benchmark_return: arrow.makeVector(Float64Array.from(bench)),
  });
}

/** relevance rows: every explained (month end, stock, factor) of every explained run (see scripts/experiment.ts) */
export function relevanceTable(
  panel: Pick<Panel, 'tickers'>,
  explained: { label: string; ex: RunExplanation }[],
  labels: string[],
): arrow.Table {
  const date: number[] = [],
    ticker: number[] = [],
    model: number[] = [],
    factor: number[] = [],
    rel: number[] = [];
  const names = [...new Set(explained.flatMap(({ ex }) => ex.factorNames)), '(bias)', '(epsilon)'];
  const fIdx = new Map(names.map((n, i) => [n, i]));
  for (const { label, ex } of explained) {
    const m = labels.indexOf(label),
      F = ex.factorNames.length;
    const fcodes = ex.factorNames.map((n) => fIdx.get(n)!);
    const withTerms = ex.method === 'lrp-epsilon';
    for (const d of ex.dates) {
      const day = isoToDay(d.date);
      d.stocks.forEach((n, k) => {
        const push = (f: number, v: number) => {
          date.push(day);
          ticker.push(n);
          model.push(m);
          factor.push(f);
          rel.push(v);
        };
        for (let f = 0; f < F; f++) push(fcodes[f], d.relevance[k * F + f]);
        if (withTerms) {
          push(fIdx.get('(bias)')!, d.bias[k]);
          push(fIdx.get('(epsilon)')!, d.eps[k]);
        }
      });
    }
  }
  return new arrow.Table({
    date: dateVector(Int32Array.from(date)),
    ticker: dictVector(Int32Array.from(ticker), panel.tickers),
    model: dictVector(Int32Array.from(model), labels),
    factor: dictVector(Int32Array.from(factor), names),
    relevance: arrow.makeVector(Float32Array.from(rel)),
  });
}

/** curves rows: every epoch of every split group of every run (train loss, validation loss term, validation metric) */
export function curvesTable(results: { label: string; r: Pick<TableResult, 'groups'> }[]): arrow.Table {
  const model: number[] = [],
    group: number[] = [],
    epoch: number[] = [],
    loss: number[] = [],
    val: number[] = [],
    ms: number[] = [];
  results.forEach(({ r }, m) =>
    r.groups.forEach((g, gi) =>
      g.history.epochs.forEach((e) => {
        model.push(m);
        group.push(gi);
        epoch.push(e.epoch);
        loss.push(e.terms.loss ?? NaN);
        val.push(e.valMetric ?? NaN);
        ms.push(e.ms);
      }),
    ),
  );
  return new arrow.Table({
    model: dictVector(
      Int32Array.from(model),
      results.map((x) => x.label),
    ),
    group: arrow.makeVector(Int32Array.from(group)),
    epoch: arrow.makeVector(Int32Array.from(epoch)),
    train_loss: arrow.makeVector(Float64Array.from(loss)),
    val_metric: arrow.makeVector(Float64Array.from(val)),
    ms: arrow.makeVector(Float64Array.from(ms)),
  });
}

/** splits rows: the split plan as trained (one row per model and group; first / last ISO date of each segment) */
export function splitsTable(results: { label: string; r: Pick<TableResult, 'groups'> }[]): arrow.Table {
  const rows = results.flatMap(({ label, r }) => r.groups.map((g, gi) => ({ label, gi, g })));
  const col = (f: (x: (typeof rows)[number]) => string) => arrow.vectorFromArray(rows.map(f), new arrow.Utf8());
  return new arrow.Table({
    model: col((x) => x.label),
    group: arrow.makeVector(Int32Array.from(rows.map((x) => x.gi))),
    label: col((x) => x.g.label),
    train_start: col((x) => x.g.train[0]),
    train_end: col((x) => x.g.train[1]),
    valid_start: col((x) => x.g.valid[0]),
    valid_end: col((x) => x.g.valid[1]),
    test_start: col((x) => x.g.test[0]),
    test_end: col((x) => x.g.test[1]),
  });
}

/**
 * grids rows: the panel from date index `from` to its end, every stock: the daily return, tradable and valid flags, the
 * forward return of every horizon and membership of every universe: what evaluate() reads to re-evaluate the scores
 * of the test dates with another strategy (holding days follow the formation dates, so the period after `from` is
 * enough). Row order: date-major, then stock (row = (t - from) * N + n).
 */
export function gridsTable(panel: Panel, from: number): arrow.Table {
  const T = panel.dates.length,
    N = panel.tickers.length,
    Tg = Math.max(0, T - from);
  const rows = Tg * N;
  const date = new Int32Array(rows),
    ticker = new Int32Array(rows);
  const days = panel.dates.map(isoToDay);
  for (let t = 0; t < Tg; t++)
    for (let n = 0; n < N; n++) {
      date[t * N + n] = days[from + t];
      ticker[t * N + n] = n;
    }
  const cols: Record<string, arrow.Vector> = {
    date: dateVector(date),
    ticker: dictVector(ticker, panel.tickers),
    ret: arrow.makeVector(panel.ret.slice(from * N, T * N)),
    tradable: arrow.makeVector(panel.tradable.slice(from * N, T * N)),
    valid: arrow.makeVector(panel.valid.slice(from * N, T * N)),
  };
  panel.horizons.forEach((h, k) => (cols[`fwd_${h}`] = arrow.makeVector(panel.fwd.slice((k * T + from) * N, (k * T + T) * N))));
  panel.universes.forEach((u, k) => (cols[`member_${k}`] = arrow.makeVector(u.member.slice(from * N, T * N))));
  return new arrow.Table(cols);
}

/** A column's values as numbers (one typed array over all chunks). */
export function numbers(t: arrow.Table, name: string): ArrayLike<number> | undefined {
  const c = t.getChild(name);
  if (!c) return undefined;
  const out = c.toArray() as ArrayLike<number>;
  return out;
}

/** A string (dictionary or utf8) column as codes into a dictionary; a date column as day numbers ('date' kind). */
export function stringCodes(t: arrow.Table, name: string): { codes: Int32Array; dict: string[] } | undefined {
  const c = t.getChild(name);
  if (!c) return undefined;
  const codes = new Int32Array(c.length);
  const dict: string[] = [];
  const index = new Map<string, number>();
  let off = 0;
  for (const d of c.data) {
    if (arrow.DataType.isDictionary(d.type) && d.dictionary) {
      const local = Array.from({ length: d.dictionary.length }, (_, i) => {
        const s = String(d.dictionary!.get(i));
        let k = index.get(s);
        if (k === undefined) {
          k = dict.length;
          dict.push(s);
          index.set(s, k);
        }
        return k;
      });
      const v = d.values as ArrayLike<number>;
      for (let i = 0; i < d.length; i++) codes[off + i] = d.nullCount && !d.getValid(i) ? -1 : local[Number(v[i])];
    } else {
      const vec = arrow.makeVector(d);
      for (let i = 0; i < d.length; i++) {
        const x = vec.get(i);
        if (x === null || x === undefined) {
          codes[off + i] = -1;
          continue;
        }
        const s = String(x);
        let k = index.get(s);
        if (k === undefined) {
          k = dict.length;
          dict.push(s);
          index.set(s, k);
        }
        codes[off + i] = k;
      }
    }
    off += d.length;
  }
  return { codes, dict };
}

/** A date column as day numbers since 1970-01-01 (DateDay or DateMillisecond). */
export function dayNumbers(t: arrow.Table, name: string): Int32Array | undefined {
  const c = t.getChild(name);
  if (!c) return undefined;
  const out = new Int32Array(c.length);
  let off = 0;
  for (const d of c.data) {
    const vec = arrow.makeVector(d);
    // a day-unit date column (tableFromIPC gives Date_ with unit DAY, not the DateDay subclass): its int32 days as they are
    const dayUnit = arrow.DataType.isDate(d.type) && (d.type as arrow.Date_).unit === arrow.DateUnit.DAY;
    if (dayUnit && d.values instanceof Int32Array && !d.nullCount) out.set(d.values.subarray(0, d.length), off);
    else
      for (let i = 0; i < d.length; i++) {
        const x = vec.get(i) as unknown;
        const ms = x instanceof Date ? x.getTime() : typeof x === 'number' || typeof x === 'bigint' ? Number(x) : NaN;
        out[off + i] = Math.round(ms / 86400000);
      }
    off += d.length;
  }
  return out;
}
