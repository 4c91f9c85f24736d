/**
 * The signal tear sheet as the UI keeps it (plain arrays, structured-cloneable): converted from the engine's
 * SignalViews (src/eval/signal-views.ts), with ISO dates and tickers in place of indices.
 */
import type { SignalViews } from '../eval/signal-views';

export interface SignalSheet {
  /** mean rank IC per panel horizon, +- se (Newey-West) */
  icDecay: { horizon: number; mean: number; se: number; dates: number }[];
  /** mean within-industry rank IC (empty without industries) */
  industryIc: { name: string; mean: number; se: number; dates: number; stocks: number }[];
  /** cumulative return per score quantile [G][D] (0 = lowest score) and the top-minus-bottom spread [D], gross */
  quantiles: { groups: number; dates: string[]; cum: number[][]; spread: number[]; annual: number[] };
  /** rank autocorrelation [R] and quantile turnover [G][R] between consecutive rebalances */
  rank: { dates: string[]; autocorr: number[]; turnover: number[][]; meanTurnover: number[]; meanAutocorr: number };
  /** histogram of the portfolio's daily net returns (edges [B + 1], counts [B]) and its moments */
  distribution: {
    edges: number[];
    counts: number[];
    n: number;
    mean: number;
    std: number;
    skew: number;
    kurtosis: number;
    var5: number;
    cvar5: number;
  };
  /** the book at each rebalance (execution date): tickers and weights, largest first */
  book: { dates: string[]; holdings: { ticker: string; weight: number }[][] };
}

/** Engine views -> UI. `dateOf`: ISO date of a panel date index; `tickers`: the panel's stock ids (else '#<index>'). */
export function toSignalSheet(s: SignalViews, dateOf: (t: number) => string, tickers?: string[]): SignalSheet {
  const iso = (d: ArrayLike<number>) => Array.from(d, dateOf);
  const G = s.quantiles.groups,
    D = s.quantiles.day.length,
    R = s.rank.formation.length;
  const b = s.book;
  return {
    icDecay: s.icDecay.map((r) => ({ ...r })),
    industryIc: s.industryIc.map(({ name, mean, se, dates: n, stocks }) => ({ name, mean, se, dates: n, stocks })),
    quantiles: {
      groups: G,
      dates: iso(s.quantiles.day),
      cum: Array.from({ length: G }, (_, g) => Array.from(s.quantiles.cum.subarray(g * D, (g + 1) * D))),
      spread: Array.from(s.quantiles.spread),
      annual: Array.from(s.quantiles.annual),
    },
    rank: {
      dates: iso(s.rank.formation),
      autocorr: Array.from(s.rank.autocorr),
      turnover: Array.from({ length: G }, (_, g) => Array.from({ length: R }, (_, i) => s.rank.turnover[i * G + g])),
      meanTurnover: Array.from(s.rank.meanTurnover),
      meanAutocorr: s.rank.meanAutocorr,
    },
    distribution: { ...s.distribution, edges: Array.from(s.distribution.edges), counts: Array.from(s.distribution.counts) },
    book: {
      dates: iso(b.day),
      holdings: Array.from(b.day, (_, r) => {
        const h: { ticker: string; weight: number }[] = [];
        for (let k = b.start[r]; k < b.start[r + 1]; k++)
          h.push({ ticker: tickers?.[b.stock[k]] ?? `#${b.stock[k]}`, weight: b.weight[k] });
        return h.sort((x, y) => Math.abs(y.weight) - Math.abs(x.weight) || (x.ticker < y.ticker ? -1 : 1));
      }),
    },
  };
}

/** ISO date of every panel date index an EvalResult names (evaluation, holding and rebalance days). */
export function evalDateOf(e: {
  evalDates: ArrayLike<number>;
  evalIso: string[];
  series: { day: ArrayLike<number>; iso: string[] };
  rebalances: { day: ArrayLike<number>; iso: string[] };
}): (t: number) => string {
  const m = new Map<number, string>();
  for (const [d, s] of [
    [e.evalDates, e.evalIso],
    [e.series.day, e.series.iso],
    [e.rebalances.day, e.rebalances.iso],
  ] as const)
    for (let i = 0; i < d.length; i++) m.set(d[i], s[i]);
  return (t) => m.get(t) ?? `#${t}`;
}

/** The book in force on an ISO date: the last rebalance executed on or before it (null before the first). */
export function bookOn(sheet: SignalSheet, iso: string): { date: string; holdings: { ticker: string; weight: number }[] } | null {
  let i = -1;
  for (let r = 0; r < sheet.book.dates.length && sheet.book.dates[r] <= iso; r++) i = r;
  return i < 0 ? null : { date: sheet.book.dates[i], holdings: sheet.book.holdings[i] };
}
