/**
 * The factor library's pass in typed arrays: the same quantities, in the same order of floating-point operations, as
 * the streaming-window SQL of factors-sql.ts (factorPassSql), computed per ticker over its own rows.
 *
 * Why: DuckDB-WASM evaluates the pass one column expression at a time (~5-30 ms of CPU per expression on 1.8M rows,
 * several hundred expressions: ~7 s for the full shared dataset), while the same arithmetic is a few plain loops over
 * Float64Arrays here. The SQL now only streams the clean prices in (ticker, date) order (plus the order guard); every
 * factor, label, return and dollar volume is computed by `tickerPass` when a ticker's rows are complete.
 *
 * Semantics (as the SQL, with NaN for NULL): sums by doubling (p2 = x + x_{t-1}, p4 = p2 + p2_{t-2}, ..., s20 =
 * p16 + p4_{t-16}, s60 = s20 + s20_{t-20} + s20_{t-40}, s5 = p4 + x_{t-4}, s14 = p8 + p4_{t-8} + p2_{t-12}); rolling
 * maxima by pairwise maxima of lags (max2: a >= b ? a : b; max2n / min2n skip a missing b); the trend regression's
 * time-weighted sum by W_2L(t) = W_L(t) + W_L(t-L) + L S_L(t-L). A lag before the ticker's first row is missing (the
 * SQL read the previous ticker's row there; both are masked by the factor's minAge, so the outputs agree). Non-finite
 * values (x/0, ln(0)) become missing when written, as the SQL reader does.
 * Transcendental functions (ln, sqrt, pow) are JavaScript's, so values can differ from DuckDB's in the last bits.
 */
import type { FactorDef } from './factors-sql';

/** One ticker's rows in date order (NaN = missing): prices, volume and the market log return of each row's date. */
export interface TickerRows {
  n: number;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  adj: Float64Array;
  volume: Float64Array;
  mkt: Float64Array;
}

type Col = Float64Array;

/** max(x, 0) = (x + |x|) / 2, exact (as factors-sql.ts pos) */
const pos = (x: number) => (x + Math.abs(x)) * 0.5;
const varS = (s1: number, s2: number, n: number) => pos(s2 - (s1 * s1) / n) / (n - 1);
const ssd = (s1: number, s2: number, n: number) => s2 - (s1 * s1) / n;
const scd = (sx: number, sy: number, sxy: number, n: number) => sxy - (sx * sy) / n;
const SKEW_K = Math.sqrt(60 * 59) / 58;

/** the named intermediate columns of the pass (factors-sql.ts notation) */
interface Quantities {
  [k: string]: Col;
}

/** out[i] = a[i] + b[i - k] (NaN before the start) */
function lagAdd(a: Col, b: Col, k: number, n: number, out: Col): Col {
  const k0 = Math.min(k, n);
  for (let i = 0; i < k0; i++) out[i] = NaN;
  for (let i = k0; i < n; i++) out[i] = a[i] + b[i - k];
  return out;
}
/** out[i] = a[i] + b[i - kb] + c[i - kc] */
function lagAdd3(a: Col, b: Col, kb: number, c: Col, kc: number, n: number, out: Col): Col {
  const k0 = Math.min(Math.max(kb, kc), n);
  for (let i = 0; i < k0; i++) out[i] = NaN;
  for (let i = k0; i < n; i++) out[i] = a[i] + b[i - kb] + c[i - kc];
  return out;
}
/**
 * The doubling chain of one quantity x in one loop over the rows: p2 = x + x_{t-1}, p4 = p2 + p2_{t-2},
 * p8 = p4 + p4_{t-4}, p16 = p8 + p8_{t-8}, s20 = p16 + p4_{t-16} (NaN before each lag exists). The same additions in
 * the same order as one lagAdd pass per step (row i of each step reads only rows <= i of the steps before, which this
 * loop has written), so the values are equal to the bit (tested); one pass instead of five halves the time (the sums
 * were half of the pass).
 */
export function sums20(x: Col, n: number, p2: Col, p4: Col, p8: Col, p16: Col, s20: Col): void {
  const h = Math.min(16, n);
  for (let i = 0; i < h; i++) {
    p2[i] = i >= 1 ? x[i] + x[i - 1] : NaN;
    p4[i] = i >= 2 ? p2[i] + p2[i - 2] : NaN;
    p8[i] = i >= 4 ? p4[i] + p4[i - 4] : NaN;
    p16[i] = i >= 8 ? p8[i] + p8[i - 8] : NaN;
    s20[i] = NaN;
  }
  for (let i = h; i < n; i++) {
    const v2 = x[i] + x[i - 1];
    p2[i] = v2;
    const v4 = v2 + p2[i - 2];
    p4[i] = v4;
    const v8 = v4 + p4[i - 4];
    p8[i] = v8;
    const v16 = v8 + p8[i - 8];
    p16[i] = v16;
    s20[i] = v16 + p4[i - 16];
  }
}
/** sums20's chain to p8, then s14 = p8 + p4_{t-8} + p2_{t-12} (as lagAdd3) */
export function sums14(x: Col, n: number, p2: Col, p4: Col, p8: Col, s14: Col): void {
  const h = Math.min(12, n);
  for (let i = 0; i < h; i++) {
    p2[i] = i >= 1 ? x[i] + x[i - 1] : NaN;
    p4[i] = i >= 2 ? p2[i] + p2[i - 2] : NaN;
    p8[i] = i >= 4 ? p4[i] + p4[i - 4] : NaN;
    s14[i] = NaN;
  }
  for (let i = h; i < n; i++) {
    const v2 = x[i] + x[i - 1];
    p2[i] = v2;
    const v4 = v2 + p2[i - 2];
    p4[i] = v4;
    const v8 = v4 + p4[i - 4];
    p8[i] = v8;
    s14[i] = v8 + p4[i - 8] + p2[i - 12];
  }
}

function lagged(a: Col, i: number, k: number): number {
  return i >= k ? a[i - k] : NaN;
}

/** max2 (a >= b ? a : b), max2n (b missing or a >= b ? a : b), min2n, of a[i] and b[i - k]; one loop per kind */
function lagMax(a: Col, b: Col, k: number, n: number, out: Col, kind: 'max' | 'maxn' | 'minn'): Col {
  const k0 = Math.min(k, n);
  if (kind === 'max') {
    for (let i = 0; i < k0; i++) out[i] = NaN; // a >= NaN is false: the missing lag
    for (let i = k0; i < n; i++) {
      const x = a[i],
        y = b[i - k];
      out[i] = x >= y ? x : y;
    }
  } else if (kind === 'maxn') {
    for (let i = 0; i < k0; i++) out[i] = a[i];
    for (let i = k0; i < n; i++) {
      const x = a[i],
        y = b[i - k];
      out[i] = y !== y || x >= y ? x : y;
    }
  } else {
    for (let i = 0; i < k0; i++) out[i] = a[i];
    for (let i = k0; i < n; i++) {
      const x = a[i],
        y = b[i - k];
      out[i] = y !== y || x <= y ? x : y;
    }
  }
  return out;
}

/**
 * The factors' formulas (factors-sql.ts FACTOR_DEFS[].expr), term for term, each as a loop over the ticker's rows
 * writing out[0 .. n) (columns resolved once per factor: per-row lookups and calls would dominate).
 */
type ColumnFn = (q: Quantities, n: number, out: Col) => void;
const L = lagged;
const FACTORS: Record<string, ColumnFn> = {
  mom_20: ({ adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = a[i] / L(a, i, 20) - 1;
  },
  mom_60: ({ adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = a[i] / L(a, i, 60) - 1;
  },
  mom_120: ({ adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = a[i] / L(a, i, 120) - 1;
  },
  mom_6_1: ({ adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = L(a, i, 21) / L(a, i, 126) - 1;
  },
  mom_12_1: ({ adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = L(a, i, 21) / L(a, i, 252) - 1;
  },
  rev_1: ({ r }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = -r[i];
  },
  rev_5: ({ adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = 1 - a[i] / L(a, i, 5);
  },
  max_ret_20: ({ mx20_r: m }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = m[i];
  },
  vol_20: ({ s20_lr: s1, s20_lr2: s2 }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = Math.sqrt(varS(s1[i], s2[i], 20));
  },
  vol_60: ({ s60_lr: s1, s60_lr2: s2 }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = Math.sqrt(varS(s1[i], s2[i], 60));
  },
  downvol_20: ({ s20_dsq: s }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = Math.sqrt(s[i] / 20);
  },
  range_20: ({ s20_hlr: s }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = s[i] / 20;
  },
  skew_60: ({ s60_lr: s1, s60_lr2: s2, s60_lr3: s3 }, n, o) => {
    for (let i = 0; i < n; i++) {
      const m = s1[i] / 60;
      const m2 = s2[i] / 60 - m * m;
      const m3 = s3[i] / 60 - (3 * m * s2[i]) / 60 + 2 * m * m * m;
      // m2^1.5 as m2 sqrt(m2) (the SQL's pow(m2, 1.5)): within an ulp or two, and Math.pow was a tenth of the whole pass
      o[i] = (m3 / (m2 * Math.sqrt(m2))) * SKEW_K;
    }
  },
  beta_60: ({ s60_mkt: x, s60_mkt2: x2, s60_lr: y, s60_lrm: xy }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = scd(x[i], y[i], xy[i], 60) / ssd(x[i], x2[i], 60);
  },
  idvol_60: ({ s60_mkt: x, s60_mkt2: x2, s60_lr: y, s60_lr2: y2, s60_lrm: xy }, n, o) => {
    for (let i = 0; i < n; i++) {
      const sxx = ssd(x[i], x2[i], 60),
        syy = ssd(y[i], y2[i], 60),
        sxy = scd(x[i], y[i], xy[i], 60);
      o[i] = Math.sqrt(pos(syy - (sxy * sxy) / sxx) / 60);
    }
  },
  amihud_20: ({ s20_am: s }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = s[i] * 5e7;
  },
  vratio_5_20: ({ s5_volume: s5, s20_volume: s20 }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = s5[i] / 5 / (s20[i] / 20);
  },
  vstd_20: ({ s20_volume: s1, s20_vol2: s2 }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = Math.sqrt(varS(s1[i], s2[i], 20)) / (s1[i] / 20);
  },
  corr_pv_20: ({ s20_adj: a, s20_adj2: a2, s20_lv: v, s20_lv2: v2, s20_alv: av }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = scd(a[i], v[i], av[i], 20) / Math.sqrt(pos(ssd(a[i], a2[i], 20)) * pos(ssd(v[i], v2[i], 20)));
  },
  log_dv_20: ({ s20_dv: s }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = s[i] === 0 ? NaN : Math.log(s[i] / 20);
  },
  log_dv_60: ({ s60_dv: s }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = s[i] === 0 ? NaN : Math.log(s[i] / 60);
  },
  log_price: ({ close: c }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = Math.log(c[i]);
  },
  ma_5: ({ s5_adj: s, adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = s[i] / 5 / a[i];
  },
  ma_20: ({ s20_adj: s, adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = s[i] / 20 / a[i];
  },
  ma_60: ({ s60_adj: s, adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = s[i] / 60 / a[i];
  },
  ma_cross_5_20: ({ s5_adj: s5, s20_adj: s20 }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = s5[i] / 5 / (s20[i] / 20) - 1;
  },
  max_20: ({ mx20_ah: m, adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = m[i] / a[i];
  },
  min_20: ({ mn20_al: m, adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = m[i] / a[i];
  },
  rsv_20: ({ mx20_ah: hi, mn20_al: lo, adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = (a[i] - lo[i]) / (hi[i] - lo[i]);
  },
  high_252: ({ mx252_adj: m, adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = a[i] / m[i];
  },
  slope_20: ({ sxy20_adj: s, adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = s[i] / 665 / a[i];
  },
  rsqr_20: ({ sxy20_adj: s, s20_adj: a, s20_adj2: a2 }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = (s[i] * s[i]) / 665 / ssd(a[i], a2[i], 20);
  },
  rsi_14: ({ s14_dpos: p, s14_dabs: d }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = p[i] / d[i];
  },
  cntp_20: ({ s20_up: s }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = s[i] / 20;
  },
  kmid: ({ open: op, close: c }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = (c[i] - op[i]) / op[i];
  },
  klen: ({ open: op, high: h, low: l }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = (h[i] - l[i]) / op[i];
  },
  kmid2: ({ open: op, close: c, high: h, low: l }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = (c[i] - op[i]) / (h[i] - l[i]);
  },
  kup: ({ open: op, high: h, oc_hi: x }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = (h[i] - x[i]) / op[i];
  },
  kup2: ({ high: h, low: l, oc_hi: x }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = (h[i] - x[i]) / (h[i] - l[i]);
  },
  klow: ({ open: op, low: l, oc_lo: x }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = (x[i] - l[i]) / op[i];
  },
  klow2: ({ high: h, low: l, oc_lo: x }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = (x[i] - l[i]) / (h[i] - l[i]);
  },
  ksft: ({ open: op, close: c, high: h, low: l }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = (2 * c[i] - h[i] - l[i]) / op[i];
  },
  ksft2: ({ close: c, high: h, low: l }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = (2 * c[i] - h[i] - l[i]) / (h[i] - l[i]);
  },
  gap: ({ ao, adj: a }, n, o) => {
    for (let i = 0; i < n; i++) o[i] = ao[i] / L(a, i, 1) - 1;
  },
};

/** true when every factor of `defs` has a typed-array formula here (otherwise the SQL pass computes them) */
export const jsPassCovers = (defs: FactorDef[]): boolean => defs.every((d) => d.name in FACTORS);

/** column buffers reused across tickers (grown on demand) */
const pool = new Map<string, Float64Array>();
function col(name: string, n: number): Float64Array {
  let a = pool.get(name);
  if (!a || a.length < n) {
    a = new Float64Array(Math.max(n, 2 * (a?.length ?? 0), 1024));
    pool.set(name, a);
  }
  return a;
}

const S20 = ['lr', 'lr2', 'lr3', 'dsq', 'hlr', 'am', 'volume', 'vol2', 'adj', 'adj2', 'lv', 'lv2', 'alv', 'dv', 'up', 'mkt', 'mkt2', 'lrm'];
const S60 = ['lr', 'lr2', 'lr3', 'mkt', 'mkt2', 'lrm', 'dv', 'adj'];
const S5 = ['volume', 'adj'];
const S14 = ['dpos', 'dabs'];

/**
 * One ticker's pass: out[c * n + i] for c over defs (factors), then fwd_k per horizon, ret = r_t, dv = close * volume
 * (unmasked: the writer gates by age / rows left, as for the SQL pass). out must hold (defs + horizons + 2) * n values.
 */
export function tickerPass(rows: TickerRows, defs: readonly Pick<FactorDef, 'name'>[], horizons: number[], out: Float64Array): void {
  const { n, open, high, low, close, adj, volume, mkt } = rows;
  const q: Quantities = { open, high, low, close, adj, volume, mkt };
  const Q = (name: string) => (q[name] = col(name, n));
  // l1 / l2 / l3: per-row ratios
  const af = Q('af'),
    lr = Q('lr'),
    d = Q('d'),
    dv = Q('dv'),
    lv = Q('lv'),
    hlr = Q('hlr'),
    ocHi = Q('oc_hi'),
    ocLo = Q('oc_lo');
  const r = Q('r'),
    ah = Q('ah'),
    al = Q('al'),
    ao = Q('ao'),
    adj2 = Q('adj2'),
    vol2 = Q('vol2'),
    lv2 = Q('lv2'),
    alv = Q('alv'),
    dpos = Q('dpos'),
    dabs = Q('dabs'),
    mkt2 = Q('mkt2'),
    lr2 = Q('lr2'),
    lrm = Q('lrm');
  const am = Q('am'),
    lr3 = Q('lr3'),
    dsq = Q('dsq'),
    up = Q('up');
  for (let i = 0; i < n; i++) {
    const a = adj[i],
      a1 = i > 0 ? adj[i - 1] : NaN,
      c = close[i],
      o = open[i],
      v = volume[i],
      m = mkt[i];
    af[i] = a / c;
    const g = a / a1;
    lr[i] = Math.log(a / a1);
    d[i] = a - a1;
    dv[i] = c * v;
    lv[i] = Math.log(1 + v);
    hlr[i] = (high[i] - low[i]) / c;
    ocHi[i] = o >= c ? o : o < c ? c : NaN;
    ocLo[i] = o <= c ? o : o > c ? c : NaN;
    r[i] = g - 1;
    ah[i] = high[i] * af[i];
    al[i] = low[i] * af[i];
    ao[i] = o * af[i];
    adj2[i] = a * a;
    vol2[i] = v * v;
    lv2[i] = lv[i] * lv[i];
    alv[i] = a * lv[i];
    dpos[i] = pos(d[i]);
    dabs[i] = Math.abs(d[i]);
    mkt2[i] = m * m;
    lr2[i] = lr[i] * lr[i];
    const lneg = (lr[i] - Math.abs(lr[i])) * 0.5;
    lrm[i] = lr[i] * m;
    am[i] = Math.abs(r[i]) / dv[i];
    lr3[i] = lr2[i] * lr[i];
    dsq[i] = lneg * lneg;
    up[i] = r[i] !== r[i] ? NaN : r[i] > 0 ? 1 : 0;
  }
  // rolling sums by doubling (each quantity's chain in one loop: see sums20)
  for (const x of S20) sums20(q[x], n, Q(`p2_${x}`), Q(`p4_${x}`), Q(`p8_${x}`), Q(`p16_${x}`), Q(`s20_${x}`));
  for (const x of S14) sums14(q[x], n, Q(`p2_${x}`), Q(`p4_${x}`), Q(`p8_${x}`), Q(`s14_${x}`));
  for (const x of S5) lagAdd(q[`p4_${x}`], q[x], 4, n, Q(`s5_${x}`));
  for (const x of S60) lagAdd3(q[`s20_${x}`], q[`s20_${x}`], 20, q[`s20_${x}`], 40, n, Q(`s60_${x}`));
  // rolling max / min over 20 rows: m2, m4, m8, m16, then m16_t with m4_{t-16}
  for (const [x, kind, name] of [
    ['r', 'max', 'mx20_r'],
    ['ah', 'maxn', 'mx20_ah'],
    ['al', 'minn', 'mn20_al'],
  ] as const) {
    const m2 = lagMax(q[x], q[x], 1, n, Q(`m2_${x}`), kind);
    const m4 = lagMax(m2, m2, 2, n, Q(`m4_${x}`), kind);
    const m8 = lagMax(m4, m4, 4, n, Q(`m8_${x}`), kind);
    const m16 = lagMax(m8, m8, 8, n, Q(`m16_${x}`), kind);
    lagMax(m16, m4, 16, n, Q(name), kind);
  }
  // 252-row max of adj: 2, 4, ..., 128, then 128 + the 128 ending 124 rows back
  let m = lagMax(adj, adj, 1, n, Q('m2_adj'), 'max');
  for (const k of [2, 4, 8, 16, 32, 64]) m = lagMax(m, m, k, n, Q(`m${2 * k}_adj`), 'max');
  lagMax(m, m, 124, n, Q('mx252_adj'), 'max');
  // time-weighted sum of adj: W_4, W_8, W_16, W_20; sxy20 = 9.5 s20 - W20
  const p2a = q.p2_adj,
    p4a = q.p4_adj,
    p8a = q.p8_adj,
    s20a = q.s20_adj;
  const w4 = Q('w4'),
    w8 = Q('w8'),
    w16 = Q('w16'),
    sxy = Q('sxy20_adj');
  for (let i = 0; i < n; i++) w4[i] = lagged(adj, i, 1) + lagged(adj, i, 3) + 2 * lagged(p2a, i, 2);
  for (let i = 0; i < n; i++) w8[i] = w4[i] + lagged(w4, i, 4) + 4 * lagged(p4a, i, 4);
  for (let i = 0; i < n; i++) w16[i] = w8[i] + lagged(w8, i, 8) + 8 * lagged(p8a, i, 8);
  for (let i = 0; i < n; i++) sxy[i] = 9.5 * s20a[i] - (w16[i] + lagged(w4, i, 16) + 16 * lagged(p4a, i, 16));
  // outputs
  let c = 0;
  for (const def of defs) {
    const o = c++ * n;
    FACTORS[def.name](q, n, out.subarray(o, o + n));
  }
  for (const k of horizons) {
    const o = c++ * n;
    for (let i = 0; i < n; i++) out[o + i] = i + 1 + k < n ? adj[i + 1 + k] / adj[i + 1] - 1 : NaN;
  }
  out.set(r.subarray(0, n), c++ * n);
  out.set(dv.subarray(0, n), c * n);
}
