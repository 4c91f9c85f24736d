/**
 * Plain TypeScript reference of the SQL factor library (factors-sql.ts), written independently and directly from
 * the formulas (two-pass means / variances, explicit OLS, loops for max / min), for the parity tests.
 * Same conventions as the SQL: per ticker over its own rows (t = row index = age); a window with any missing
 * input gives missing for sums / means (max / min skip missing values); NaN until `minAge` rows of history.
 * Not used by the app: slow and simple on purpose.
 */

export interface RefPriceRow {
  day: number;
  ticker: string;
  open: number;
  high: number;
  low: number;
  close: number;
  adj: number;
  volume: number;
}

export interface RefOutput {
  /** key `${day}|${ticker}` -> values by factor name (and fwd_<k>, ret, dv, age) */
  rows: Map<string, Record<string, number>>;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const anyNaN = (xs: number[]) => xs.some((x) => Number.isNaN(x));
/** sample standard deviation (n - 1), two-pass */
function stdS(xs: number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) * (x - m), 0) / (xs.length - 1));
}
function maxSkip(xs: number[]): number {
  let m = NaN;
  for (const x of xs) if (!Number.isNaN(x) && (Number.isNaN(m) || x > m)) m = x;
  return m;
}
function minSkip(xs: number[]): number {
  let m = NaN;
  for (const x of xs) if (!Number.isNaN(x) && (Number.isNaN(m) || x < m)) m = x;
  return m;
}
/** OLS of y on x: slope, residual sum of squares, R^2 */
function ols(x: number[], y: number[]): { slope: number; rss: number; r2: number } {
  const mx = mean(x),
    my = mean(y);
  let sxx = 0,
    sxy = 0,
    syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxx += (x[i] - mx) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) ** 2;
  }
  const slope = sxx === 0 ? NaN : sxy / sxx;
  let rss = 0;
  for (let i = 0; i < x.length; i++) {
    const e = y[i] - my - slope * (x[i] - mx);
    rss += e * e;
  }
  return { slope, rss, r2: syy === 0 || sxx === 0 ? NaN : (sxy * sxy) / (sxx * syy) };
}
function pearson(a: number[], b: number[]): number {
  const ma = mean(a),
    mb = mean(b);
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}
/** adjusted Fisher-Pearson sample skewness G1 */
function skewG1(xs: number[]): number {
  const n = xs.length,
    m = mean(xs);
  let m2 = 0,
    m3 = 0;
  for (const x of xs) {
    m2 += (x - m) ** 2;
    m3 += (x - m) ** 3;
  }
  m2 /= n;
  m3 /= n;
  return m2 > 0 ? ((m3 / m2 ** 1.5) * Math.sqrt(n * (n - 1))) / (n - 2) : NaN;
}
const div = (a: number, b: number) => (b === 0 || Number.isNaN(b) ? NaN : a / b);

/** Compute every library factor + forward returns for `rows` (any order; unique (day, ticker)). */
export function referenceFactors(rows: RefPriceRow[], horizons: number[]): RefOutput {
  const byTicker = new Map<string, RefPriceRow[]>();
  for (const r of rows) {
    if (!byTicker.has(r.ticker)) byTicker.set(r.ticker, []);
    byTicker.get(r.ticker)!.push(r);
  }
  for (const s of byTicker.values()) s.sort((a, b) => a.day - b.day);
  // equal-weighted market log return per day, over the stocks with a previous row
  const mktSum = new Map<number, number>(),
    mktN = new Map<number, number>();
  for (const s of byTicker.values()) {
    for (let i = 1; i < s.length; i++) {
      const lr = Math.log(s[i].adj / s[i - 1].adj);
      mktSum.set(s[i].day, (mktSum.get(s[i].day) ?? 0) + lr);
      mktN.set(s[i].day, (mktN.get(s[i].day) ?? 0) + 1);
    }
  }
  const out = new Map<string, Record<string, number>>();
  for (const [ticker, s] of byTicker) {
    const n = s.length;
    const adj = s.map((r) => r.adj);
    const r = adj.map((a, i) => (i === 0 ? NaN : a / adj[i - 1] - 1));
    const lr = adj.map((a, i) => (i === 0 ? NaN : Math.log(a / adj[i - 1])));
    const mkt = s.map((row) => (mktN.get(row.day) ? mktSum.get(row.day)! / mktN.get(row.day)! : NaN));
    const dv = s.map((row) => row.close * row.volume);
    const ah = s.map((row) => (row.high * row.adj) / row.close);
    const al = s.map((row) => (row.low * row.adj) / row.close);
    const win = (xs: number[], i: number, k: number) => xs.slice(i - k + 1, i + 1);
    for (let i = 0; i < n; i++) {
      const row = s[i];
      const v: Record<string, number> = {};
      const need = (k: number, f: () => number) => (i >= k ? f() : NaN);
      const wmean = (xs: number[], k: number) => {
        const w = win(xs, i, k);
        return anyNaN(w) ? NaN : mean(w);
      };
      // momentum / reversal
      v.mom_20 = need(20, () => adj[i] / adj[i - 20] - 1);
      v.mom_60 = need(60, () => adj[i] / adj[i - 60] - 1);
      v.mom_120 = need(120, () => adj[i] / adj[i - 120] - 1);
      v.mom_6_1 = need(126, () => adj[i - 21] / adj[i - 126] - 1);
      v.mom_12_1 = need(252, () => adj[i - 21] / adj[i - 252] - 1);
      v.rev_1 = need(1, () => -r[i]);
      v.rev_5 = need(5, () => -(adj[i] / adj[i - 5] - 1));
      v.max_ret_20 = need(20, () => maxSkip(win(r, i, 20)));
      // volatility
      v.vol_20 = need(20, () => stdS(win(lr, i, 20)));
      v.vol_60 = need(60, () => stdS(win(lr, i, 60)));
      v.downvol_20 = need(20, () => Math.sqrt(mean(win(lr, i, 20).map((x) => (x < 0 ? x * x : 0)))));
      v.range_20 = need(19, () =>
        wmean(
          s.map((q) => (q.high - q.low) / q.close),
          20,
        ),
      );
      v.skew_60 = need(60, () => skewG1(win(lr, i, 60)));
      const reg = i >= 60 ? ols(win(mkt, i, 60), win(lr, i, 60)) : null;
      v.beta_60 = reg ? reg.slope : NaN;
      v.idvol_60 = reg ? Math.sqrt(reg.rss / 60) : NaN;
      // liquidity / size
      v.amihud_20 = need(
        20,
        () =>
          1e9 *
          wmean(
            r.map((x, j) => div(Math.abs(x), dv[j])),
            20,
          ),
      );
      const vol = s.map((q) => q.volume);
      v.vratio_5_20 = need(19, () => wmean(vol, 5) / wmean(vol, 20));
      v.vstd_20 = need(19, () => stdS(win(vol, i, 20)) / mean(win(vol, i, 20)));
      v.corr_pv_20 = need(19, () =>
        pearson(
          win(adj, i, 20),
          win(
            vol.map((x) => Math.log(1 + x)),
            i,
            20,
          ),
        ),
      );
      v.log_dv_20 = need(19, () => Math.log(wmean(dv, 20)));
      v.log_dv_60 = need(59, () => Math.log(wmean(dv, 60)));
      v.log_price = Math.log(row.close);
      // trend
      v.ma_5 = need(4, () => mean(win(adj, i, 5)) / adj[i]);
      v.ma_20 = need(19, () => mean(win(adj, i, 20)) / adj[i]);
      v.ma_60 = need(59, () => mean(win(adj, i, 60)) / adj[i]);
      v.ma_cross_5_20 = need(19, () => mean(win(adj, i, 5)) / mean(win(adj, i, 20)) - 1);
      v.max_20 = need(19, () => maxSkip(win(ah, i, 20)) / adj[i]);
      v.min_20 = need(19, () => minSkip(win(al, i, 20)) / adj[i]);
      v.rsv_20 = need(19, () => div(adj[i] - minSkip(win(al, i, 20)), maxSkip(win(ah, i, 20)) - minSkip(win(al, i, 20))));
      v.high_252 = need(251, () => adj[i] / maxSkip(win(adj, i, 252)));
      const time = Array.from({ length: 20 }, (_, j) => j);
      v.slope_20 = need(19, () => ols(time, win(adj, i, 20)).slope / adj[i]);
      v.rsqr_20 = need(19, () => ols(time, win(adj, i, 20)).r2);
      v.rsi_14 = need(14, () => {
        const d = win(adj, i, 15)
          .slice(1)
          .map((a, j) => a - win(adj, i, 15)[j]);
        return div(
          d.reduce((acc, x) => acc + Math.max(x, 0), 0),
          d.reduce((acc, x) => acc + Math.abs(x), 0),
        );
      });
      v.cntp_20 = need(20, () => win(r, i, 20).filter((x) => x > 0).length / 20);
      // candle (Alpha158 KBAR)
      const { open: o, high: h, low: l, close: c } = row;
      v.kmid = (c - o) / o;
      v.klen = (h - l) / o;
      v.kmid2 = div(c - o, h - l);
      v.kup = (h - Math.max(o, c)) / o;
      v.kup2 = div(h - Math.max(o, c), h - l);
      v.klow = (Math.min(o, c) - l) / o;
      v.klow2 = div(Math.min(o, c) - l, h - l);
      v.ksft = (2 * c - h - l) / o;
      v.ksft2 = div(2 * c - h - l, h - l);
      v.gap = need(1, () => (o * adj[i]) / c / adj[i - 1] - 1);
      // labels and row data: fwd_k(t) = P[t+1+k] / P[t+1] - 1
      for (const k of horizons) v[`fwd_${k}`] = i + 1 + k < n ? adj[i + 1 + k] / adj[i + 1] - 1 : NaN;
      v.ret = r[i];
      v.dv = dv[i];
      v.age = i;
      out.set(`${row.day}|${ticker}`, v);
    }
  }
  return { rows: out };
}
