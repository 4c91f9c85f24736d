/**
 * Deterministic hand-made inputs for the data-layer tests: Arrow tables built in memory (apache-arrow), loaded into
 * DuckDB through parquet bytes (parquet-wasm) exactly as a user's file would be.
 */
import * as arrow from 'apache-arrow';
import { makeRng } from '../core/rng';
import { dayToIso, isoToDay } from '../core/dates';
import type { RefPriceRow } from './factors-reference';

export type ColumnSpec =
  | { kind: 'date'; values: (number | null)[] } // days since epoch
  | { kind: 'utf8'; values: (string | null)[] }
  | { kind: 'f64'; values: (number | null)[] }
  | { kind: 'i64'; values: (number | null)[] }
  | { kind: 'i32'; values: (number | null)[] };

/** Build an apache-arrow Table from plain column specs. */
export function makeTable(cols: Record<string, ColumnSpec>): arrow.Table {
  const vecs: Record<string, arrow.Vector> = {};
  for (const [name, c] of Object.entries(cols)) {
    switch (c.kind) {
      case 'date':
        vecs[name] = arrow.vectorFromArray(
          c.values.map((d) => (d === null ? null : new Date(d * 86_400_000))),
          new arrow.DateDay(),
        );
        break;
      case 'utf8':
        vecs[name] = arrow.vectorFromArray(c.values, new arrow.Utf8());
        break;
      case 'f64':
        vecs[name] = arrow.vectorFromArray(c.values, new arrow.Float64());
        break;
      case 'i64':
        vecs[name] = arrow.vectorFromArray(
          c.values.map((v) => (v === null ? null : BigInt(v))),
          new arrow.Int64(),
        );
        break;
      case 'i32':
        vecs[name] = arrow.vectorFromArray(c.values, new arrow.Int32());
        break;
    }
  }
  return new arrow.Table(vecs);
}

/** Weekdays from `startIso`, `n` of them, as day numbers. */
export function weekdays(startIso: string, n: number): number[] {
  const out: number[] = [];
  for (let d = isoToDay(startIso); out.length < n; d++) {
    const wd = new Date(d * 86_400_000).getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d);
  }
  return out;
}

/**
 * 5 tickers x `days` weekdays of random-walk prices (seeded):
 *  AAA, BBB, CCC full history; DDD lists on day 40; EEE misses its days 100..104 (a gap inside its history).
 *  adj_close = close * adjustment factor (0.97 before day 150: a back-adjusted dividend), so adj != close.
 *  AAA day 50 is a doji (open = high = low = close); BBB day 70 has volume 0.
 */
export function priceFixture(days = 300, seed = 7): RefPriceRow[] {
  const rng = makeRng(seed);
  const cal = weekdays('2015-01-01', days);
  const tickers = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE'];
  const rows: RefPriceRow[] = [];
  for (const [k, ticker] of tickers.entries()) {
    let close = 20 + 15 * k;
    for (let i = 0; i < days; i++) {
      const prevClose = close;
      close = prevClose * Math.exp(0.02 * rng.normal() + 0.0003);
      const open = prevClose * Math.exp(0.006 * rng.normal());
      let high = Math.max(open, close) * (1 + 0.01 * rng.uniform());
      let low = Math.min(open, close) * (1 - 0.01 * rng.uniform());
      let volume = Math.round(1e6 * Math.exp(0.4 * rng.normal()) * (1 + k));
      if (ticker === 'DDD' && i < 40) continue;
      if (ticker === 'EEE' && i >= 100 && i <= 104) continue;
      let o = open;
      const c = close;
      if (ticker === 'AAA' && i === 50) {
        o = c;
        high = c;
        low = c;
      }
      if (ticker === 'BBB' && i === 70) volume = 0;
      const af = i < 150 ? 0.97 : 1;
      rows.push({ day: cal[i], ticker, open: o, high, low, close: c, adj: c * af, volume });
    }
  }
  return rows;
}

/** The fixture as an Arrow table with the shared dataset's column names and types, rows sorted by (date, ticker). */
export function pricesTable(rows: RefPriceRow[]): arrow.Table {
  const s = [...rows].sort((a, b) => a.day - b.day || (a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : 0));
  return makeTable({
    date: { kind: 'date', values: s.map((r) => r.day) },
    ticker: { kind: 'utf8', values: s.map((r) => r.ticker) },
    open: { kind: 'f64', values: s.map((r) => r.open) },
    high: { kind: 'f64', values: s.map((r) => r.high) },
    low: { kind: 'f64', values: s.map((r) => r.low) },
    close: { kind: 'f64', values: s.map((r) => r.close) },
    adj_close: { kind: 'f64', values: s.map((r) => r.adj) },
    volume: { kind: 'i64', values: s.map((r) => r.volume) },
  });
}

export const iso = dayToIso;
