/**
 * Daily backtests of score-driven portfolios over [T, N] typed arrays. No tfjs.
 *
 * Timing (no look-ahead). A score at date t uses information up to close t. With execution lag L (the strategy's
 * `lag`, default 1) the trade decided from the scores of formation date t is executed at close t + L, and the
 * portfolio then earns the daily returns ret[t+L+1], ret[t+L+2], ... until the next rebalance. L = 1 trades at the
 * next day's close (Qlib's backtest trades on the previous day's prediction); L = 0 trades at the close that formed
 * the score, which is optimistic (factors such as the 1-day reversal use that very close). Weights drift with returns
 * between rebalances: w_i <- w_i (1 + r_i) / (1 + R), R = sum_i w_i r_i (cash, weight 1 - sum w, earns 0).
 * The returned series is indexed by the day a return is earned; the cost of a rebalance at close t is charged in
 * the return of day t+1:  r_net = (1 - cost) (1 + R) - 1.
 *
 * Costs. Trades move the drifted weights w to the target weights w*; cost = sum_i c_i |w*_i - w_i| as a fraction of
 * NAV, with c_i = openCost for buys and closeCost for sells (both = `cost` for topquantile, longshort and
 * modelweight; DMFM: 0.4% of the traded amount). The second-order effect of the cost on the traded amount is ignored.
 * Turnover per rebalance is one-way: sum |w* - w| / 2. The first rebalance builds the portfolio from cash.
 *
 * Suspended / missing prices: a stock with tradable[t, n] = 0 on an execution date is neither bought nor sold (its
 * weight is carried over unchanged). A held stock with a NaN return on a day earns 0 that day (price unchanged).
 *
 * Delistings. A stock's last price is its last date with tradable = 1 (without `tradable`: its last finite return).
 * A stock still held on the first day after its last price (no later price in the data) is liquidated at the close
 * of that day at its last price: it earns 0 that day (delisting return 0), its weight goes to cash, the sell cost
 * (closeCost x |w|; openCost to cover a short) is charged in the next day's return like a rebalance cost, and it no
 * longer holds a TopK-Drop slot. These forced sales are listed in `delisted`, not in the rebalance turnover.
 */
import type { StrategyConfig } from '../core/run';
import { LabError } from '../core/errors';
import { quantileOf } from './ic';
import { SortScratch, ascendingOrder } from './metrics';

export interface ResolvedStrategy {
  kind: StrategyConfig['kind'];
  /** quantile groups (topquantile: 10 -> top decile; longshort: 5 -> quintiles) */
  groups: number;
  /** rebalance every n formation dates */
  rebalance: number;
  openCost: number;
  closeCost: number;
  k: number;
  n: number;
  /** TDrisk risk aversion (used only when sigma is given) */
  eta: number;
  /** modelweight per-stock cap (1 = none) */
  cap: number;
  /** label horizon (trading days) for IC and quantile returns */
  horizon: number;
  /** execution lag in trading days: the scores of date t are traded at close t + lag (1 = next day's close) */
  lag: number;
}

/**
 * Defaults per strategy. topquantile: top 10%, every 21 days, 0.4% (DMFM). longshort: quintiles, every 21 days,
 * no cost (Deep Factor Model reports gross returns). topkdrop: k 50, n 5, daily, open 0.05% / close 0.15%
 * (FactorVAE / Qlib). modelweight: every 21 days, 0.4%, no cap. Every kind: execution lag 1 (trade at the next
 * day's close), label horizon 20.
 */
export function resolveStrategy(s: StrategyConfig): ResolvedStrategy {
  const kind = s.kind;
  const baseCost = s.cost ?? (kind === 'longshort' ? 0 : 0.004);
  const r: ResolvedStrategy = {
    kind,
    groups: Math.floor(s.groups ?? (kind === 'longshort' ? 5 : 10)),
    rebalance: Math.max(1, Math.floor(s.rebalance ?? (kind === 'topkdrop' ? 1 : 21))),
    openCost: kind === 'topkdrop' ? (s.openCost ?? 0.0005) : baseCost,
    closeCost: kind === 'topkdrop' ? (s.closeCost ?? 0.0015) : baseCost,
    k: Math.floor(s.k ?? 50),
    n: Math.floor(s.n ?? 5),
    eta: s.eta ?? 1,
    cap: s.cap ?? 1,
    horizon: s.horizon ?? 20,
    lag: s.lag ?? 1,
  };
  if (!['topquantile', 'longshort', 'topkdrop', 'modelweight'].includes(kind))
    throw new LabError(`strategy: unknown kind '${kind}'; expected topquantile, longshort, topkdrop or modelweight.`);
  if (r.groups < 2) throw new LabError(`strategy: groups = ${r.groups}; need at least 2 quantile groups.`);
  if (r.k < 1 || r.n < 0) throw new LabError(`strategy: TopK-Drop needs k >= 1 and n >= 0 (got k = ${r.k}, n = ${r.n}).`);
  if (!(r.cap > 0)) throw new LabError(`strategy: cap = ${r.cap}; the per-stock cap must be > 0.`);
  if (r.openCost < 0 || r.closeCost < 0) throw new LabError('strategy: costs must be >= 0.');
  if (!Number.isInteger(r.lag) || r.lag < 0)
    throw new LabError(
      `strategy: execution lag = ${r.lag}; it must be a whole number of trading days >= 0.`,
      "Use 1 (trade at the next day's close) or 0 (trade at the signal's close, optimistic).",
    );
  return r;
}

export interface BacktestArrays {
  /** T */
  T: number;
  N: number;
  /** [T, N] ranking score, higher = more attractive; NaN = no score */
  score: ArrayLike<number>;
  /** [T, N] simple return from t-1 to t; NaN = no price that day */
  ret: ArrayLike<number>;
  /** [T, N] 1 = has a price on t (can trade); default all tradable */
  tradable?: ArrayLike<number>;
  /** [T, N] 1 = may be selected on formation date t (universe member and valid); default all */
  eligible?: ArrayLike<number>;
  /** [T, N] model weights for 'modelweight' (negatives count as 0); default: the score */
  weights?: ArrayLike<number>;
}

export interface BacktestSchedule {
  /** ascending formation (score) dates: the out-of-sample dates */
  formation: ArrayLike<number>;
  /** formation dates to rebalance on (subset of formation); default every `rebalance`-th formation date from the first */
  rebalanceAt?: ArrayLike<number>;
  /** called after each rebalance trade with its execution date index and the weights just set (read, do not keep) */
  onTrade?: (day: number, w: Float64Array) => void;
}

export interface BacktestResult {
  /** [D] date index of each holding day (the day a return is earned) */
  day: Int32Array;
  /** [D] net portfolio return of the day */
  ret: Float64Array;
  /** [D] gross return sum_i w_i r_i before costs */
  gross: Float64Array;
  /** [D] cost fraction charged in the day's return (from the rebalance at the previous close) */
  cost: Float64Array;
  /** [R] execution date index of each rebalance */
  rebalanceDay: Int32Array;
  /** [R] one-way turnover sum |w* - w| / 2 */
  turnover: Float64Array;
  /** [R] stocks with a non-zero weight after the trade */
  holdings: Int32Array;
  /** [R] sum of positive / negative weights after the trade */
  long: Float64Array;
  short: Float64Array;
  /** [N] weights after the last day's drift */
  finalWeights: Float64Array;
  /** forced sales after a stock's last price (see the file comment): day of the sale, stock, weight sold */
  delisted: { day: Int32Array; stock: Int32Array; weight: Float64Array };
  warnings: string[];
}

/**
 * Per-stock cap by proportional water-filling: scale raw (>= 0) to sum `total`; any weight above `cap` is set to cap
 * and its excess is redistributed to the uncapped stocks in proportion to their weights; repeat until none exceeds
 * cap. Equivalent to w_i = min(cap, lambda raw_i) with lambda fixing the sum. If cap x count < total, every stock gets
 * cap and the rest stays in cash.
 */
export function capWeights(raw: ArrayLike<number>, cap: number, total = 1): Float64Array {
  const m = raw.length;
  const w = new Float64Array(m);
  let s = 0;
  for (let i = 0; i < m; i++) {
    w[i] = Math.max(0, raw[i]);
    s += w[i];
  }
  if (!(s > 0)) return w;
  for (let i = 0; i < m; i++) w[i] = (w[i] / s) * total;
  const capped = new Uint8Array(m);
  for (let round = 0; round <= m; round++) {
    let excess = 0;
    for (let i = 0; i < m; i++)
      if (!capped[i] && w[i] > cap) {
        excess += w[i] - cap;
        w[i] = cap;
        capped[i] = 1;
      }
    if (excess === 0) break;
    let free = 0;
    for (let i = 0; i < m; i++) if (!capped[i]) free += w[i];
    if (!(free > 0)) break; // everyone capped: the excess stays in cash
    for (let i = 0; i < m; i++) if (!capped[i]) w[i] += (excess * w[i]) / free;
  }
  return w;
}

interface Ctx {
  a: BacktestArrays;
  st: ResolvedStrategy;
  /** scratch: candidate stock ids and their scores */
  cand: Int32Array;
  candScore: Float64Array;
  idx: Int32Array;
  /** scratch: [N] the formation date's scores (-Infinity = none) */
  rowScore: Float64Array;
  sort: SortScratch;
  warnings: string[];
  warned: Set<string>;
}

const isTradable = (a: BacktestArrays, te: number, n: number) => !a.tradable || a.tradable[te * a.N + n] !== 0;

/** Candidates on formation date tf: eligible, finite score and (if requireTradable) tradable at te. */
function gatherCandidates(c: Ctx, tf: number, te: number, requireTradable: boolean): number {
  const { a } = c;
  let m = 0;
  for (let n = 0; n < a.N; n++) {
    const o = tf * a.N + n;
    if (a.eligible && !a.eligible[o]) continue;
    const s = a.score[o];
    if (!Number.isFinite(s)) continue;
    if (requireTradable && !isTradable(a, te, n)) continue;
    c.cand[m] = n;
    c.candScore[m] = s;
    m++;
  }
  return m;
}

function warnOnce(c: Ctx, key: string, msg: string) {
  if (!c.warned.has(key)) {
    c.warned.add(key);
    c.warnings.push(msg);
  }
}

/** Top-quantile (DMFM): equal weights on the top group of tradable candidates; untradable holdings kept. */
function targetTopQuantile(c: Ctx, tf: number, te: number, w: Float64Array, out: Float64Array): boolean {
  const G = c.st.groups;
  const m = gatherCandidates(c, tf, te, true);
  if (m < G) {
    warnOnce(
      c,
      'fewG',
      `topquantile: fewer than ${G} tradable candidates on some dates (first: date index ${tf}); those rebalances were skipped.`,
    );
    return false;
  }
  ascendingOrder(c.candScore, m, c.idx, c.sort);
  let frozen = 0;
  out.fill(0);
  for (let n = 0; n < c.a.N; n++)
    if (w[n] !== 0 && !isTradable(c.a, te, n)) {
      out[n] = w[n];
      frozen += w[n];
    }
  let K = 0;
  for (let r = 0; r < m; r++) if (quantileOf(r, m, G) === G - 1) K++;
  const each = Math.max(0, 1 - frozen) / K;
  for (let r = m - K; r < m; r++) out[c.cand[c.idx[r]]] = each;
  return true;
}

/** Quintile long-short (Deep Factor Model): +1/K_top on the top group, -1/K_bottom on the bottom group (net zero). */
function targetLongShort(c: Ctx, tf: number, te: number, w: Float64Array, out: Float64Array): boolean {
  const G = c.st.groups;
  const m = gatherCandidates(c, tf, te, true);
  if (m < G) {
    warnOnce(
      c,
      'fewG',
      `longshort: fewer than ${G} tradable candidates on some dates (first: date index ${tf}); those rebalances were skipped.`,
    );
    return false;
  }
  ascendingOrder(c.candScore, m, c.idx, c.sort);
  let frozenLong = 0,
    frozenShort = 0;
  out.fill(0);
  for (let n = 0; n < c.a.N; n++) {
    if (w[n] === 0 || isTradable(c.a, te, n)) continue;
    out[n] = w[n];
    if (w[n] > 0) frozenLong += w[n];
    else frozenShort -= w[n];
  }
  let kTop = 0,
    kBot = 0;
  for (let r = 0; r < m; r++) {
    const g = quantileOf(r, m, G);
    if (g === G - 1) kTop++;
    else if (g === 0) kBot++;
  }
  for (let r = 0; r < kBot; r++) out[c.cand[c.idx[r]]] = -Math.max(0, 1 - frozenShort) / kBot;
  for (let r = m - kTop; r < m; r++) out[c.cand[c.idx[r]]] = Math.max(0, 1 - frozenLong) / kTop;
  return true;
}

/** Model-weighted: the model's own (non-negative) weights over tradable candidates, scaled to 1 - frozen, capped. */
function targetModelWeight(c: Ctx, tf: number, te: number, w: Float64Array, out: Float64Array): boolean {
  const { a } = c;
  const src = a.weights ?? a.score;
  let m = 0;
  for (let n = 0; n < a.N; n++) {
    const o = tf * a.N + n;
    if (a.eligible && !a.eligible[o]) continue;
    const v = src[o];
    if (!Number.isFinite(v) || v <= 0 || !isTradable(a, te, n)) continue;
    c.cand[m] = n;
    c.candScore[m] = v;
    m++;
  }
  if (m === 0) {
    warnOnce(c, 'noW', `modelweight: no positive model weights on some dates (first: date index ${tf}); those rebalances were skipped.`);
    return false;
  }
  let frozen = 0;
  out.fill(0);
  for (let n = 0; n < a.N; n++)
    if (w[n] !== 0 && !isTradable(a, te, n)) {
      out[n] = w[n];
      frozen += w[n];
    }
  const capped = capWeights(c.candScore.subarray(0, m), c.st.cap, Math.max(0, 1 - frozen));
  for (let i = 0; i < m; i++) out[c.cand[i]] = capped[i];
  return true;
}

/**
 * TopK-Drop, following Qlib's TopkDropoutStrategy (method_sell 'bottom', method_buy 'top', hold_thresh 1,
 * only_tradable False):
 *   last  = holdings sorted by score (held stocks without a score rank last);
 *   today = the best (n + k - |last|) scored non-held candidates;
 *   sell  = holdings among the n lowest of last ∪ today (never sell a stock that beats a buy candidate);
 *   buy   = the first |sell| + k - |last| of today (clipped at 0; Qlib would slice from the end if negative).
 * Untradable holdings in `sell` are not sold; untradable stocks in `buy` are skipped and their share stays cash.
 * Kept holdings keep their drifted weights; the cash (previous cash + sales) is split equally over |buy| (Qlib's
 * risk_degree is taken as 1).
 */
function targetTopkDrop(c: Ctx, tf: number, te: number, w: Float64Array, out: Float64Array): boolean {
  const { a, st } = c;
  const N = a.N;
  const sc = c.rowScore;
  for (let n = 0; n < N; n++) {
    const o = tf * N + n;
    const s = a.score[o];
    sc[n] = (a.eligible && !a.eligible[o]) || !Number.isFinite(s) ? -Infinity : s;
  }
  const desc = (x: number, y: number) => sc[y] - sc[x] || x - y;
  const last: number[] = [];
  for (let n = 0; n < N; n++) if (w[n] !== 0) last.push(n);
  last.sort(desc);
  // today: the best `want` scored non-held candidates, in `desc` order (partial selection into a small sorted buffer)
  const want = Math.max(0, st.n + st.k - last.length);
  const today: number[] = [];
  if (want > 0) {
    for (let n = 0; n < N; n++) {
      const v = sc[n];
      if (v === -Infinity || w[n] !== 0) continue;
      if (today.length < want) today.push(n);
      else if (v > sc[today[want - 1]])
        today[want - 1] = n; // ties keep the earlier stock
      else continue;
      let p = today.length - 1;
      while (p > 0 && v > sc[today[p - 1]]) {
        today[p] = today[p - 1];
        p--;
      }
      today[p] = n;
    }
  }
  const comb = last.concat(today).sort(desc);
  const bottom = new Set(comb.slice(Math.max(0, comb.length - st.n)));
  const sell = last.filter((s) => bottom.has(s));
  const buy = today.slice(0, Math.max(0, sell.length + st.k - last.length));
  out.set(w);
  let cash = 1;
  for (let n = 0; n < N; n++) cash -= w[n];
  for (const s of sell)
    if (isTradable(a, te, s)) {
      cash += w[s];
      out[s] = 0;
    }
  const value = buy.length && cash > 1e-12 ? cash / buy.length : 0; // 1e-12: rounding dust is not cash to invest
  if (value > 0) for (const b of buy) if (isTradable(a, te, b)) out[b] = value;
  return true;
}

/** The formation dates a backtest rebalances on: rebalanceAt within the formation dates, else every `every`-th one. */
export function rebalanceFormations(F: ArrayLike<number>, every: number, rebalanceAt?: ArrayLike<number>): number[] {
  if (rebalanceAt) {
    const inF = new Set(Array.from(F));
    return Array.from(rebalanceAt)
      .filter((t) => inF.has(t))
      .sort((x, y) => x - y);
  }
  const reb: number[] = [];
  for (let i = 0; i < F.length; i += every) reb.push(F[i]);
  return reb;
}

/** Run the daily backtest of a resolved strategy (see resolveStrategy) over the formation dates. */
export function backtest(a: BacktestArrays, st: ResolvedStrategy, schedule: BacktestSchedule): BacktestResult {
  const { T, N } = a;
  if (a.score.length !== T * N || a.ret.length !== T * N)
    throw new LabError(
      `backtest: score (${a.score.length}) and ret (${a.ret.length}) must both have T x N = ${T} x ${N} = ${T * N} entries.`,
    );
  const F = schedule.formation;
  const lag = st.lag;
  const warnings: string[] = [];
  const noDelisted = () => ({ day: new Int32Array(0), stock: new Int32Array(0), weight: new Float64Array(0) });
  const empty = (): BacktestResult => ({
    day: new Int32Array(0),
    ret: new Float64Array(0),
    gross: new Float64Array(0),
    cost: new Float64Array(0),
    rebalanceDay: new Int32Array(0),
    turnover: new Float64Array(0),
    holdings: new Int32Array(0),
    long: new Float64Array(0),
    short: new Float64Array(0),
    finalWeights: new Float64Array(N),
    delisted: noDelisted(),
    warnings,
  });
  if (F.length === 0) {
    warnings.push('backtest: no formation dates.');
    return empty();
  }
  for (let i = 1; i < F.length; i++)
    if (!(F[i] > F[i - 1])) throw new LabError('backtest: formation dates must be strictly ascending date indices.');

  // rebalance formation dates -> execution dates
  let reb = rebalanceFormations(F, st.rebalance, schedule.rebalanceAt);
  const dEnd = Math.min(F[F.length - 1] + lag + 1, T - 1);
  reb = reb.filter((tf) => tf + lag < dEnd);
  if (reb.length === 0) {
    warnings.push('backtest: no rebalance date has a following day to hold.');
    return empty();
  }
  const d0 = reb[0] + lag;
  const D = dEnd - d0;

  // [N] date index of each stock's last price (-1: none): tradable = 1, or a finite return without `tradable`
  const lastPrice = new Int32Array(N).fill(-1);
  for (let t = T - 1; t >= 0; t--) {
    const off = t * N;
    for (let n = 0; n < N; n++) {
      if (lastPrice[n] >= 0) continue;
      if (a.tradable ? a.tradable[off + n] !== 0 : Number.isFinite(a.ret[off + n])) lastPrice[n] = t;
    }
  }

  const ctx: Ctx = {
    a,
    st,
    cand: new Int32Array(N),
    candScore: new Float64Array(N),
    idx: new Int32Array(N),
    rowScore: new Float64Array(N),
    sort: new SortScratch(N),
    warnings,
    warned: new Set(),
  };
  const target = { topquantile: targetTopQuantile, longshort: targetLongShort, modelweight: targetModelWeight, topkdrop: targetTopkDrop }[
    st.kind
  ];

  const day = new Int32Array(D),
    ret = new Float64Array(D),
    gross = new Float64Array(D),
    cost = new Float64Array(D);
  const rDay: number[] = [],
    rTurn: number[] = [],
    rHold: number[] = [],
    rLong: number[] = [],
    rShort: number[] = [];
  const xDay: number[] = [],
    xStock: number[] = [],
    xWeight: number[] = [];
  const w = new Float64Array(N),
    out = new Float64Array(N);
  const held = new Int32Array(N); // indices with w != 0 (the daily loops touch only these)
  let nHeld = 0;
  let pending = 0,
    ri = 0;
  for (let d = d0; d <= dEnd; d++) {
    if (d > d0) {
      const k = d - d0 - 1,
        off = d * N;
      let R = 0;
      for (let i = 0; i < nHeld; i++) {
        const n = held[i];
        const r = a.ret[off + n];
        if (Number.isFinite(r)) R += w[n] * r;
      }
      const g = 1 + R;
      for (let i = 0; i < nHeld; i++) {
        const n = held[i],
          r = a.ret[off + n];
        w[n] = g > 0 ? (w[n] * (1 + (Number.isFinite(r) ? r : 0))) / g : 0;
      }
      if (!(g > 0)) nHeld = 0; // wiped out
      day[k] = d;
      gross[k] = R;
      cost[k] = pending;
      ret[k] = (1 - pending) * g - 1;
      pending = 0;
      // delistings: a holding past its last price is sold at that price (earned 0 today) into cash
      let kept = 0;
      for (let i = 0; i < nHeld; i++) {
        const n = held[i];
        if (lastPrice[n] >= d) {
          held[kept++] = n;
          continue;
        }
        pending += (w[n] > 0 ? st.closeCost : st.openCost) * Math.abs(w[n]);
        xDay.push(d);
        xStock.push(n);
        xWeight.push(w[n]);
        w[n] = 0;
      }
      nHeld = kept;
    }
    if (ri < reb.length && reb[ri] + lag === d) {
      const tf = reb[ri++];
      if (target(ctx, tf, d, w, out)) {
        let c = 0,
          to = 0,
          h = 0,
          lo = 0,
          sh = 0;
        for (let n = 0; n < N; n++) {
          if (!isTradable(a, d, n)) out[n] = w[n]; // safety net: never trade a stock without a price
          const dw = out[n] - w[n];
          to += Math.abs(dw);
          c += dw > 0 ? st.openCost * dw : -st.closeCost * dw;
          if (out[n] !== 0) {
            h++;
            if (out[n] > 0) lo += out[n];
            else sh += out[n];
          }
        }
        w.set(out);
        schedule.onTrade?.(d, w);
        nHeld = 0;
        for (let n = 0; n < N; n++) if (w[n] !== 0) held[nHeld++] = n;
        pending += c;
        rDay.push(d);
        rTurn.push(to / 2);
        rHold.push(h);
        rLong.push(lo);
        rShort.push(sh);
      }
    }
  }
  return {
    day,
    ret,
    gross,
    cost,
    rebalanceDay: Int32Array.from(rDay),
    turnover: Float64Array.from(rTurn),
    holdings: Int32Array.from(rHold),
    long: Float64Array.from(rLong),
    short: Float64Array.from(rShort),
    finalWeights: Float64Array.from(w),
    delisted: { day: Int32Array.from(xDay), stock: Int32Array.from(xStock), weight: Float64Array.from(xWeight) },
    warnings,
  };
}
