/**
 * The price-factor library as DuckDB SQL, in the spirit of Qlib's Alpha158 plus the classic cross-sectional
 * anomalies (momentum, short-term reversal, low volatility, illiquidity, size, 52-week high).
 *
 * Speed: DuckDB's framed window aggregates (`sum(x) OVER (... ROWS 19 PRECEDING)`) build a segment tree per
 * expression (~0.4 s each on 1.8M rows in wasm; the whole library took ~50 s that way), and a cumulative
 * `sum(x) OVER (ROWS UNBOUNDED PRECEDING)` (streaming, but ~120 ms per column in wasm, and its running total over
 * every stock loses the digits a 20-day variance needs). Here the prices are read once in (ticker, date) order and
 * the factor pass uses only STREAMING windows (`lag(x, k) OVER ()` / `lead`: no partition, no sort, ~5 ms per
 * column on 1.8M rows): rolling sums are built by doubling (p2 = x + x_{t-1}, p4 = p2 + p2_{t-2}, ..., 20 = 16 + 4,
 * 60 = 3 x 20), rolling maxima by pairwise maxima of lags (also doubling), and the time-weighted sum of the trend
 * regression by the same doubling (W_2L(t) = W_L(t) + W_L(t-L) + L S_L(t-L)).
 *
 * Lags are allowed to reach into the previous ticker (that is what makes them cheap): every output is masked in
 * TypeScript by the row's age (rows of history before t, FactorDef.minAge) and the forward returns by the rows
 * left in the ticker, so a value computed from another stock's rows never reaches a frame or panel. The row
 * order the streaming windows saw is checked while reading (`_ord` + the date column; see factors.ts).
 *
 * Cost model (DuckDB-WASM 1.32, 1.8M rows, CPU per column): lag 5 ms, + - * / 7 ms, ln 25 ms, CASE 30 ms,
 * nullif 25 ms, greatest/least 150 ms, CAST to FLOAT 7 ms. Hence: no greatest/least (a CASE, or max(x, 0) as
 * (x + |x|) / 2, exact), no nullif around a division (DuckDB divides IEEE-style: x/0 = +-Inf, 0/0 = NaN, and the
 * reader maps every non-finite value to missing), DOUBLE out (no cast; the reader converts to float32).
 *
 * Passes (factors.ts):
 *   source   the clean prices ORDER BY ticker, date (validatePrices writes it so, else one sort; the typed-array
 *            passes also read a date-ordered table, regrouped by ticker in memory: factors.ts dateMajorPrices);
 *   market   marketSql: market log return and row count per date (one GROUP BY; its order counts double as the
 *            check that the source is (ticker, date)-sorted), passed to the factor pass as a literal list indexed
 *            by day (a join could reorder the rows);
 *   factors  factorPassSql: one pipeline of CTE levels over the scan of the source, streaming windows only.
 *
 * Notation (per ticker, t = its own trading-day index, adj = adjusted close):
 *   r_t = adj_t / adj_{t-1} - 1, lr_t = ln(adj_t / adj_{t-1}), d_t = adj_t - adj_{t-1},
 *   ah/al/ao = high/low/open * adj/close (adjusted), dv_t = close_t * volume_t, mkt_t = mean of lr_t over stocks,
 *   sK_x = sum of x over the K rows t-K+1..t (missing if any of them is missing), mxK_x / mnK_x = max / min over
 *   the K rows (missing values skipped), adj_lK = adj_{t-K}.
 * A factor is NULL until the ticker has `minAge` rows of history before t: never computed from a partial window.
 * Expressions are evaluated on every row (the mask applies afterwards), so they must not raise: every ln /
 * sqrt argument is guarded (DuckDB raises on ln(0), ln(<0), sqrt(<0)). Literals are written 1e0, 9.5e0: DuckDB
 * reads 1.0 as a DECIMAL, and DECIMAL x DOUBLE arithmetic adds a cast per row.
 */

export interface FactorDef {
  name: string;
  group: 'momentum' | 'reversal' | 'volatility' | 'liquidity' | 'size' | 'trend' | 'candle';
  /** one line: formula + window */
  description: string;
  /** SQL over the final pass's columns (plain arithmetic, no window functions) */
  expr: string;
  /** the factor is NULL while age (rows of history before t) < minAge */
  minAge: number;
}

/** max(x, 0) without greatest(): (x + |x|) / 2 is exact (x + x doubles exactly; x + -x = 0); NULL and NaN pass through */
const pos = (x: string) => `((${x}) + abs(${x})) * 0.5e0`;
/** sample variance from sums: max(S2 - S1^2 / n, 0) / (n - 1) */
const varS = (s1: string, s2: string, n: number) => `${pos(`${s2} - ${s1} * ${s1} / ${n}e0`)} / ${n - 1}e0`;
/** sum of squared deviations from sums: S2 - S1^2 / n */
const ssd = (s1: string, s2: string, n: number) => `(${s2} - ${s1} * ${s1} / ${n}e0)`;
/** co-deviation from sums: Sxy - Sx Sy / n */
const scd = (sx: string, sy: string, sxy: string, n: number) => `(${sxy} - ${sx} * ${sy} / ${n}e0)`;

// skewness over 60 days from S1, S2, S3 of lr (adjusted Fisher-Pearson, as DuckDB's skewness()):
//   m = S1/n, m2 = S2/n - m^2, m3 = S3/n - 3 m S2/n + 2 m^3, G1 = m3 / m2^1.5 * sqrt(n (n-1)) / (n-2)
// m2 <= 0 (a constant window) gives pow(m2, 1.5) = 0 or NaN, so G1 is non-finite: missing, as in the reference
const SKEW_M = '(s60_lr / 60e0)';
const SKEW_M2 = `(s60_lr2 / 60e0 - ${SKEW_M} * ${SKEW_M})`;
const SKEW_M3 = `(s60_lr3 / 60e0 - 3e0 * ${SKEW_M} * s60_lr2 / 60e0 + 2e0 * ${SKEW_M} * ${SKEW_M} * ${SKEW_M})`;
const SKEW = `${SKEW_M3} / pow(${SKEW_M2}, 1.5e0) * ${Math.sqrt(60 * 59) / 58}e0`;

// regression of lr on mkt over 60 days: Sxx, Syy, Sxy as sums of (co)deviations
const SXX60 = ssd('s60_mkt', 's60_mkt2', 60);
const SYY60 = ssd('s60_lr', 's60_lr2', 60);
const SXY60 = scd('s60_mkt', 's60_lr', 's60_lrm', 60);
/** Sxx of the time index 0..19 around its mean: n (n^2 - 1) / 12 = 20 * 399 / 12 = 665 */
const SXX_T20 = '665e0';

export const FACTOR_DEFS: FactorDef[] = [
  // ---- momentum (Jegadeesh & Titman 1993; 12-1 skips the last month's reversal)
  { name: 'mom_20', group: 'momentum', description: 'adj_t / adj_{t-20} - 1 (1-month return)', expr: `adj / adj_l20 - 1e0`, minAge: 20 },
  { name: 'mom_60', group: 'momentum', description: 'adj_t / adj_{t-60} - 1 (3-month return)', expr: `adj / adj_l60 - 1e0`, minAge: 60 },
  {
    name: 'mom_120',
    group: 'momentum',
    description: 'adj_t / adj_{t-120} - 1 (6-month return)',
    expr: `adj / adj_l120 - 1e0`,
    minAge: 120,
  },
  {
    name: 'mom_6_1',
    group: 'momentum',
    description: 'adj_{t-21} / adj_{t-126} - 1 (6-1 month momentum)',
    expr: `adj_l21 / adj_l126 - 1e0`,
    minAge: 126,
  },
  {
    name: 'mom_12_1',
    group: 'momentum',
    description: 'adj_{t-21} / adj_{t-252} - 1 (12-1 month momentum)',
    expr: `adj_l21 / adj_l252 - 1e0`,
    minAge: 252,
  },
  // ---- short-term reversal (Jegadeesh 1990) and the MAX / lottery effect (Bali, Cakici & Whitelaw 2011)
  { name: 'rev_1', group: 'reversal', description: '-r_t (minus the last daily return)', expr: `-r`, minAge: 1 },
  {
    name: 'rev_5',
    group: 'reversal',
    description: '-(adj_t / adj_{t-5} - 1) (minus the 1-week return)',
    expr: `1e0 - adj / adj_l5`,
    minAge: 5,
  },
  { name: 'max_ret_20', group: 'reversal', description: 'max of r over 20 days (lottery / MAX effect)', expr: `mx20_r`, minAge: 20 },
  // ---- volatility / risk (Ang et al. 2006 idiosyncratic volatility; Alpha158 STD)
  {
    name: 'vol_20',
    group: 'volatility',
    description: 'sample std of lr over 20 days',
    expr: `sqrt(${varS('s20_lr', 's20_lr2', 20)})`,
    minAge: 20,
  },
  {
    name: 'vol_60',
    group: 'volatility',
    description: 'sample std of lr over 60 days',
    expr: `sqrt(${varS('s60_lr', 's60_lr2', 60)})`,
    minAge: 60,
  },
  {
    name: 'downvol_20',
    group: 'volatility',
    description: 'sqrt(mean(min(lr, 0)^2)) over 20 days (downside semi-deviation)',
    expr: `sqrt(s20_dsq / 20e0)`,
    minAge: 20,
  },
  {
    name: 'range_20',
    group: 'volatility',
    description: 'mean((high - low) / close) over 20 days (range volatility)',
    expr: `s20_hlr / 20e0`,
    minAge: 19,
  },
  {
    name: 'skew_60',
    group: 'volatility',
    description: 'sample skewness of lr over 60 days (adjusted Fisher-Pearson G1)',
    expr: SKEW,
    minAge: 60,
  },
  {
    name: 'beta_60',
    group: 'volatility',
    description: 'OLS slope of lr on the equal-weighted market lr over 60 days: Sxy / Sxx',
    expr: `${SXY60} / ${SXX60}`,
    minAge: 60,
  },
  {
    name: 'idvol_60',
    group: 'volatility',
    description: 'residual std of lr on market lr over 60 days: sqrt((Syy - Sxy^2/Sxx) / 60)',
    expr: `sqrt(${pos(`${SYY60} - ${SXY60} * ${SXY60} / ${SXX60}`)} / 60e0)`,
    minAge: 60,
  },
  // ---- liquidity (Amihud 2002; Alpha158 VMA / VSTD / CORR)
  {
    name: 'amihud_20',
    group: 'liquidity',
    description: '1e9 * mean(|r| / dollar volume) over 20 days (Amihud illiquidity)',
    expr: `s20_am * 5e7`,
    minAge: 20,
  },
  {
    name: 'vratio_5_20',
    group: 'liquidity',
    description: 'mean(volume, 5) / mean(volume, 20) (volume surge)',
    expr: `(s5_volume / 5e0) / (s20_volume / 20e0)`,
    minAge: 19,
  },
  {
    name: 'vstd_20',
    group: 'liquidity',
    description: 'sample std(volume, 20) / mean(volume, 20) (volume variability)',
    expr: `sqrt(${varS('s20_volume', 's20_vol2', 20)}) / (s20_volume / 20e0)`,
    minAge: 19,
  },
  {
    name: 'corr_pv_20',
    group: 'liquidity',
    description: 'corr(adj, ln(1 + volume)) over 20 days (price-volume correlation)',
    expr: `${scd('s20_adj', 's20_lv', 's20_alv', 20)} / sqrt(${pos(ssd('s20_adj', 's20_adj2', 20))} * ${pos(ssd('s20_lv', 's20_lv2', 20))})`,
    minAge: 19,
  },
  // ---- size proxy: no market caps in price data, dollar volume stands in (Fama-French size is market cap)
  {
    name: 'log_dv_20',
    group: 'size',
    description: 'ln(mean(close * volume) over 20 days) (size proxy)',
    expr: `ln(nullif(s20_dv, 0) / 20e0)`,
    minAge: 19,
  },
  {
    name: 'log_dv_60',
    group: 'size',
    description: 'ln(mean(close * volume) over 60 days) (size proxy)',
    expr: `ln(nullif(s60_dv, 0) / 60e0)`,
    minAge: 59,
  },
  { name: 'log_price', group: 'size', description: 'ln(close_t) (nominal share price)', expr: `ln(close)`, minAge: 0 },
  // ---- trend (Alpha158 MA / MAX / MIN / RSV / BETA / RSQR / SUMP / CNTP; George & Hwang 2004 52-week high)
  { name: 'ma_5', group: 'trend', description: 'mean(adj, 5) / adj_t', expr: `s5_adj / 5e0 / adj`, minAge: 4 },
  { name: 'ma_20', group: 'trend', description: 'mean(adj, 20) / adj_t', expr: `s20_adj / 20e0 / adj`, minAge: 19 },
  { name: 'ma_60', group: 'trend', description: 'mean(adj, 60) / adj_t', expr: `s60_adj / 60e0 / adj`, minAge: 59 },
  {
    name: 'ma_cross_5_20',
    group: 'trend',
    description: 'mean(adj, 5) / mean(adj, 20) - 1 (moving-average crossover)',
    expr: `(s5_adj / 5e0) / (s20_adj / 20e0) - 1e0`,
    minAge: 19,
  },
  { name: 'max_20', group: 'trend', description: 'max(adjusted high, 20) / adj_t', expr: `mx20_ah / adj`, minAge: 19 },
  { name: 'min_20', group: 'trend', description: 'min(adjusted low, 20) / adj_t', expr: `mn20_al / adj`, minAge: 19 },
  {
    name: 'rsv_20',
    group: 'trend',
    description: '(adj_t - min(al, 20)) / (max(ah, 20) - min(al, 20)) (stochastic %K)',
    expr: `(adj - mn20_al) / (mx20_ah - mn20_al)`,
    minAge: 19,
  },
  { name: 'high_252', group: 'trend', description: 'adj_t / max(adj, 252) (52-week-high ratio)', expr: `adj / mx252_adj`, minAge: 251 },
  {
    name: 'slope_20',
    group: 'trend',
    description: 'OLS slope of adj on time over 20 days / adj_t',
    expr: `sxy20_adj / ${SXX_T20} / adj`,
    minAge: 19,
  },
  {
    name: 'rsqr_20',
    group: 'trend',
    description: 'R^2 of adj on time over 20 days: Sxy^2 / (Sxx Syy) (trend linearity)',
    expr: `sxy20_adj * sxy20_adj / ${SXX_T20} / ${ssd('s20_adj', 's20_adj2', 20)}`,
    minAge: 19,
  },
  {
    name: 'rsi_14',
    group: 'trend',
    description: 'sum(max(d, 0)) / sum(|d|) over 14 days, d = adj_t - adj_{t-1} (RSI / 100)',
    expr: `s14_dpos / s14_dabs`,
    minAge: 14,
  },
  { name: 'cntp_20', group: 'trend', description: 'share of up days (r > 0) over 20 days', expr: `s20_up / 20e0`, minAge: 20 },
  // ---- candle / KBAR (Alpha158; same-day ratios, so split/dividend adjustment cancels). open > 0 (validated).
  { name: 'kmid', group: 'candle', description: '(close - open) / open', expr: `(close - open) / open`, minAge: 0 },
  { name: 'klen', group: 'candle', description: '(high - low) / open', expr: `(high - low) / open`, minAge: 0 },
  { name: 'kmid2', group: 'candle', description: '(close - open) / (high - low)', expr: `(close - open) / (high - low)`, minAge: 0 },
  {
    name: 'kup',
    group: 'candle',
    description: '(high - max(open, close)) / open (upper shadow)',
    expr: `(high - oc_hi) / open`,
    minAge: 0,
  },
  {
    name: 'kup2',
    group: 'candle',
    description: '(high - max(open, close)) / (high - low)',
    expr: `(high - oc_hi) / (high - low)`,
    minAge: 0,
  },
  { name: 'klow', group: 'candle', description: '(min(open, close) - low) / open (lower shadow)', expr: `(oc_lo - low) / open`, minAge: 0 },
  {
    name: 'klow2',
    group: 'candle',
    description: '(min(open, close) - low) / (high - low)',
    expr: `(oc_lo - low) / (high - low)`,
    minAge: 0,
  },
  { name: 'ksft', group: 'candle', description: '(2 close - high - low) / open', expr: `(2e0 * close - high - low) / open`, minAge: 0 },
  {
    name: 'ksft2',
    group: 'candle',
    description: '(2 close - high - low) / (high - low)',
    expr: `(2e0 * close - high - low) / (high - low)`,
    minAge: 0,
  },
  { name: 'gap', group: 'candle', description: 'adjusted open_t / adj_{t-1} - 1 (overnight gap)', expr: `ao / adj_l1 - 1e0`, minAge: 1 },
];

export const DEFAULT_HORIZONS = [1, 3, 5, 10, 15, 20];

/** Rows of history the pass's extra outputs need: ret = r_t needs the previous row; dv none. */
export const RET_MIN_AGE = 1;

// ------------------------------------------------------------------ streaming-window SQL builders

const lagS = (x: string, k: number) => (k === 0 ? x : `lag(${x}, ${k}) OVER ()`);
/** max / min of two where neither can be NULL on a row that survives the mask (r, adj) */
const max2 = (a: string, b: string) => `CASE WHEN ${a} >= ${b} THEN ${a} ELSE ${b} END`;
/** NULL-skipping max / min of two (ah, al: high / low / close may be missing on any row) */
const max2n = (a: string, b: string) => `CASE WHEN ${b} IS NULL OR ${a} >= ${b} THEN ${a} ELSE ${b} END`;
const min2n = (a: string, b: string) => `CASE WHEN ${b} IS NULL OR ${a} <= ${b} THEN ${a} ELSE ${b} END`;

/** quantities summed over 20 days (p2 -> p4 -> p8 -> p16 -> s20 = p16 + p4_{t-16}) */
const S20 = ['lr', 'lr2', 'lr3', 'dsq', 'hlr', 'am', 'volume', 'vol2', 'adj', 'adj2', 'lv', 'lv2', 'alv', 'dv', 'up', 'mkt', 'mkt2', 'lrm'];
/** of which also summed over 60 days (three 20-day blocks) */
const S60 = ['lr', 'lr2', 'lr3', 'mkt', 'mkt2', 'lrm', 'dv', 'adj'];
/** of which also summed over 5 days (p4 + x_{t-4}) */
const S5 = ['volume', 'adj'];
/** quantities summed over 14 days (p8 + p4_{t-8} + p2_{t-12}) */
const S14 = ['dpos', 'dabs'];
/** rolling max (mx) / min (mn) over 20 days by doubling: m2, m4, m8, m16, then max(m16_t, m4_{t-16}) */
const M20: { x: string; kind: 'max' | 'maxn' | 'minn' }[] = [
  { x: 'r', kind: 'max' },
  { x: 'ah', kind: 'maxn' },
  { x: 'al', kind: 'minn' },
];
const MOM_LAGS = [5, 20, 21, 60, 120, 126, 252];

/**
 * Market log return and row count per date over a (ticker, date)-sorted source, plus the rows per date that break
 * that order (all 0 when the source is sorted): mkt = mean of lr over the stocks with a previous row
 * (equal-weighted), n = stocks that day, day = days since 1970-01-01.
 */
export function marketSql(source: string): string {
  return `SELECT (date - DATE '1970-01-01')::INTEGER AS day, count(*)::INTEGER AS n, avg(lr) AS mkt, count(*) FILTER (WHERE bad)::INTEGER AS bad
  FROM (SELECT date, CASE WHEN pt = ticker THEN ln(adj_close / pa) END AS lr, coalesce(pt > ticker OR (pt = ticker AND pd >= date), false) AS bad
    FROM (SELECT date, ticker, adj_close, lag(ticker) OVER () AS pt, lag(date) OVER () AS pd, lag(adj_close) OVER () AS pa FROM ${source}))
  GROUP BY date ORDER BY day`;
}

/** Market return per calendar day from `day0` (null = no stock had a previous row that day). */
export interface PassConstants {
  day0: number;
  mkt: (number | null)[];
}

const listLiteral = (xs: (number | null)[], type: string) =>
  `[${xs.map((x) => (x === null || !Number.isFinite(x) ? 'NULL' : String(x))).join(',')}]::${type}[]`;

/**
 * The factor pass: a SELECT over `source` (columns date, ticker, open, high, low, close, adj_close, volume; sorted by
 * (ticker, date)), one pipeline of CTE levels with streaming windows only. Output columns, all DOUBLE except the
 * first two: date, _ord (TINYINT sign(ticker - previous row's ticker): 1 where a new ticker starts in order, 0 inside a
 * ticker, -1 out of order, NULL on the first row), every
 * selected factor (unmasked), fwd_<k> = adj[t+1+k] / adj[t+1] - 1 (unmasked: the reader keeps it only when the ticker
 * has 1 + k more rows), ret = r_t (unmasked, RET_MIN_AGE), dv = close * volume.
 */
export function factorPassSql(source: string, defs: FactorDef[], horizons: number[], consts: PassConstants): string {
  const levels: string[] = [];
  const Q20 = [...S20, ...S14];
  // l0: scan, order guard, previous row's adj (another ticker's on a ticker's first row: masked by age)
  levels.push(`SELECT date, ticker, open::DOUBLE AS open, high::DOUBLE AS high, low::DOUBLE AS low, close::DOUBLE AS close, adj_close::DOUBLE AS adj, volume::DOUBLE AS volume,
    lag(ticker) OVER () AS _pt, lag(adj_close) OVER () AS adj_l1 FROM ${source}`);
  // l1: per-row ratios; the market return of the row's date from the literal list (a join on a market table
  // measured no faster, and a join may reorder rows)
  levels.push(`SELECT *, (_pt < ticker)::TINYINT - (_pt > ticker)::TINYINT AS _ord, adj / close AS af, adj / adj_l1 AS g, ln(adj / adj_l1) AS lr, adj - adj_l1 AS d, close * volume AS dv,
    ln(1e0 + volume) AS lv, (high - low) / close AS hlr,
    list_extract(${listLiteral(consts.mkt, 'DOUBLE')}, (date - DATE '1970-01-01')::INTEGER - ${consts.day0 - 1}) AS mkt,
    CASE WHEN open >= close THEN open WHEN open < close THEN close END AS oc_hi,
    CASE WHEN open <= close THEN open WHEN open > close THEN close END AS oc_lo`);
  levels.push(`SELECT *, g - 1e0 AS r, high * af AS ah, low * af AS al, open * af AS ao, adj * adj AS adj2, volume * volume AS vol2,
    lv * lv AS lv2, adj * lv AS alv, ${pos('d')} AS dpos, abs(d) AS dabs, mkt * mkt AS mkt2, lr * lr AS lr2,
    (lr - abs(lr)) * 0.5e0 AS lneg, lr * mkt AS lrm`);
  // min(lr, 0) = (lr - |lr|) / 2 exactly; up = 1 when r > 0 (NULL stays NULL)
  levels.push(`SELECT *, abs(r) / dv AS am, lr2 * lr AS lr3, lneg * lneg AS dsq, (r > 0e0)::DOUBLE AS up`);
  const mm = (kind: 'max' | 'maxn' | 'minn', a: string, b: string) =>
    kind === 'max' ? max2(a, b) : kind === 'maxn' ? max2n(a, b) : min2n(a, b);
  // doubling: pK = sum of the last K rows; mK = max / min of the last K rows; W_K = sum_{i<K} i x_{t-i} (adj only)
  levels.push(`SELECT *, ${Q20.map((x) => `${x} + ${lagS(x, 1)} AS p2_${x}`).join(', ')},
    ${M20.map(({ x, kind }) => `${mm(kind, x, lagS(x, 1))} AS m2_${x}`).join(', ')}, ${max2('adj', lagS('adj', 1))} AS m2_adj`);
  levels.push(`SELECT *, ${Q20.map((x) => `p2_${x} + ${lagS(`p2_${x}`, 2)} AS p4_${x}`).join(', ')},
    ${[...M20, { x: 'adj', kind: 'max' as const }].map(({ x, kind }) => `${mm(kind, `m2_${x}`, lagS(`m2_${x}`, 2))} AS m4_${x}`).join(', ')},
    adj_l1 + ${lagS('adj_l1', 2)} + 2e0 * ${lagS('p2_adj', 2)} AS w4`);
  levels.push(`SELECT *, ${Q20.map((x) => `p4_${x} + ${lagS(`p4_${x}`, 4)} AS p8_${x}`).join(', ')},
    ${S5.map((x) => `p4_${x} + ${lagS(x, 4)} AS s5_${x}`).join(', ')},
    ${[...M20, { x: 'adj', kind: 'max' as const }].map(({ x, kind }) => `${mm(kind, `m4_${x}`, lagS(`m4_${x}`, 4))} AS m8_${x}`).join(', ')},
    w4 + ${lagS('w4', 4)} + 4e0 * ${lagS('p4_adj', 4)} AS w8`);
  levels.push(`SELECT *, ${S20.map((x) => `p8_${x} + ${lagS(`p8_${x}`, 8)} AS p16_${x}`).join(', ')},
    ${S14.map((x) => `p8_${x} + ${lagS(`p4_${x}`, 8)} + ${lagS(`p2_${x}`, 12)} AS s14_${x}`).join(', ')},
    ${[...M20, { x: 'adj', kind: 'max' as const }].map(({ x, kind }) => `${mm(kind, `m8_${x}`, lagS(`m8_${x}`, 8))} AS m16_${x}`).join(', ')},
    w8 + ${lagS('w8', 8)} + 8e0 * ${lagS('p8_adj', 8)} AS w16`);
  // 20 = 16 + the 4 before them; sxy20 = sum_i (9.5 - i) adj_{t-i} = 9.5 s20 - W20 (OLS Sxy on a centred time index)
  levels.push(`SELECT *, ${S20.map((x) => `p16_${x} + ${lagS(`p4_${x}`, 16)} AS s20_${x}`).join(', ')},
    ${M20.map(({ x, kind }) => `${mm(kind, `m16_${x}`, lagS(`m4_${x}`, 16))} AS ${kind === 'minn' ? 'mn20' : 'mx20'}_${x}`).join(', ')},
    ${max2('m16_adj', lagS('m16_adj', 16))} AS m32_adj, w16 + ${lagS('w4', 16)} + 16e0 * ${lagS('p4_adj', 16)} AS w20`);
  levels.push(`SELECT *, ${S60.map((x) => `s20_${x} + ${lagS(`s20_${x}`, 20)} + ${lagS(`s20_${x}`, 40)} AS s60_${x}`).join(', ')},
    ${max2('m32_adj', lagS('m32_adj', 32))} AS m64_adj, 9.5e0 * s20_adj - w20 AS sxy20_adj`);
  levels.push(`SELECT *, ${max2('m64_adj', lagS('m64_adj', 64))} AS m128_adj`);
  // 252 = 128 + the 128 ending 124 rows back; momentum lags; forward returns from the next day's price:
  // fwd_k(t) = adj[t+1+k] / adj[t+1] - 1, bought at the next day's close, so nothing known after t is used at t
  levels.push(`SELECT *, ${max2('m128_adj', lagS('m128_adj', 124))} AS mx252_adj,
    ${MOM_LAGS.map((k) => `${lagS('adj', k)} AS adj_l${k}`).join(', ')},
    ${horizons.map((k) => `lead(adj, ${1 + k}) OVER () / lead(adj, 1) OVER () - 1e0 AS fwd_${k}`).join(',\n    ')}`);
  const ctes = levels.map((sql, i) => `l${i} AS (${i === 0 ? sql : `${sql}\n  FROM l${i - 1}`})`);
  return `WITH ${ctes.join(',\n')}
SELECT date, _ord, ${defs.map((f) => `${f.expr} AS "${f.name}"`).join(',\n  ')},
  ${horizons.map((k) => `fwd_${k}`).join(', ')}, r AS ret, dv
FROM l${levels.length - 1}`;
}
