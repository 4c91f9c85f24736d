/**
 * The price-factor library as DuckDB SQL, in the spirit of Qlib's Alpha158 plus the classic cross-sectional
 * anomalies (momentum, short-term reversal, low volatility, illiquidity, size, 52-week high).
 *
 * Speed: DuckDB's framed window aggregates (`sum(x) OVER (... ROWS 19 PRECEDING)`) build a segment tree per
 * expression (~0.4 s each on 1.8M rows in wasm; the whole library took ~50 s that way). Here instead the prices
 * are sorted once by (ticker, date) and the factor pass uses only STREAMING windows (`lag(x, k) OVER ()`: no
 * partition, no sort, a few ms per column): rolling sums are sums of lags (built hierarchically 5 -> 20 -> 60)
 * and rolling maxima pairwise maxima of lags (doubling). Lags that reach into the previous ticker are never used:
 * every factor is masked by the row's `age` (rows of history; in SQL with `mask`, or by computeFactorFrame while
 * reading, which is cheaper), adj_{t-1} is NULL on a ticker's first row, and forward returns check that the lead
 * row has the same ticker. Measured on the 1.8M-row shared file (Node, 2 shared cores): framed windows ~50 s,
 * this ~12 s for the whole frame.
 * The row order the streaming windows see is checked (`_ord`): a reordering would be an error, not a silent
 * wrong number.
 *
 * Passes:
 *   _fl_s  (sortedPricesSql) the prices ORDER BY ticker, date: the only sort;
 *   consts (MARKET_SQL, STARTS_SQL) market log return per date, first row of each ticker (two GROUP BYs),
 *          passed to the factor pass as literal lists (a join could reorder the rows);
 *   final  (factorSelectSql) one pipeline of CTE levels over the scan of _fl_s, streaming windows only:
 *          per-row quantities -> 5-day sums -> 20-day sums (4 x 5) -> 60-day sums (3 x 20); rolling max/min by
 *          doubling (m2, m4, m8, m16 -> 20 days; ... m128 -> 252 days); momentum lags; forward returns
 *          (leads); then every factor as plain arithmetic (FactorDef.expr).
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

/** nz(x): x, or NULL when x = 0 (guards divisions and logs; DuckDB's ln(0) raises) */
const nz = (x: string) => `nullif(${x}, 0)`;
/** population-free sample variance from sums: (S2 - S1^2 / n) / (n - 1), clipped at 0 */
const varS = (s1: string, s2: string, n: number) => `greatest(${s2} - ${s1} * ${s1} / ${n}, 0) / ${n - 1}`;
/** sum of squared deviations from sums: S2 - S1^2 / n */
const ssd = (s1: string, s2: string, n: number) => `(${s2} - ${s1} * ${s1} / ${n})`;
/** co-deviation from sums: Sxy - Sx Sy / n */
const scd = (sx: string, sy: string, sxy: string, n: number) => `(${sxy} - ${sx} * ${sy} / ${n})`;

// skewness over 60 days from S1, S2, S3 of lr (adjusted Fisher-Pearson, as DuckDB's skewness()):
//   m = S1/n, m2 = S2/n - m^2, m3 = S3/n - 3 m S2/n + 2 m^3, G1 = m3 / m2^1.5 * sqrt(n (n-1)) / (n-2)
const SKEW_M = 's60_lr / 60';
const SKEW_M2 = `(s60_lr2 / 60 - (${SKEW_M}) * (${SKEW_M}))`;
const SKEW_M3 = `(s60_lr3 / 60 - 3 * (${SKEW_M}) * s60_lr2 / 60 + 2 * (${SKEW_M}) * (${SKEW_M}) * (${SKEW_M}))`;
const SKEW = `CASE WHEN ${SKEW_M2} > 0 THEN ${SKEW_M3} / pow(${SKEW_M2}, 1.5e0) * sqrt(60e0 * 59e0) / 58e0 END`;

// regression of lr on mkt over 60 days: Sxx, Syy, Sxy as sums of (co)deviations
const SXX60 = ssd('s60_mkt', 's60_mkt2', 60);
const SYY60 = ssd('s60_lr', 's60_lr2', 60);
const SXY60 = scd('s60_mkt', 's60_lr', 's60_lrm', 60);
/** Sxx of the time index 0..19 around its mean: n (n^2 - 1) / 12 = 20 * 399 / 12 = 665 */
const SXX_T20 = 665;

export const FACTOR_DEFS: FactorDef[] = [
  // ---- momentum (Jegadeesh & Titman 1993; 12-1 skips the last month's reversal)
  { name: 'mom_20', group: 'momentum', description: 'adj_t / adj_{t-20} - 1 (1-month return)', expr: `adj / adj_l20 - 1`, minAge: 20 },
  { name: 'mom_60', group: 'momentum', description: 'adj_t / adj_{t-60} - 1 (3-month return)', expr: `adj / adj_l60 - 1`, minAge: 60 },
  { name: 'mom_120', group: 'momentum', description: 'adj_t / adj_{t-120} - 1 (6-month return)', expr: `adj / adj_l120 - 1`, minAge: 120 },
  { name: 'mom_6_1', group: 'momentum', description: 'adj_{t-21} / adj_{t-126} - 1 (6-1 month momentum)', expr: `adj_l21 / adj_l126 - 1`, minAge: 126 },
  { name: 'mom_12_1', group: 'momentum', description: 'adj_{t-21} / adj_{t-252} - 1 (12-1 month momentum)', expr: `adj_l21 / adj_l252 - 1`, minAge: 252 },
  // ---- short-term reversal (Jegadeesh 1990) and the MAX / lottery effect (Bali, Cakici & Whitelaw 2011)
  { name: 'rev_1', group: 'reversal', description: '-r_t (minus the last daily return)', expr: `-r`, minAge: 1 },
  { name: 'rev_5', group: 'reversal', description: '-(adj_t / adj_{t-5} - 1) (minus the 1-week return)', expr: `-(adj / adj_l5 - 1)`, minAge: 5 },
  { name: 'max_ret_20', group: 'reversal', description: 'max of r over 20 days (lottery / MAX effect)', expr: `mx20_r`, minAge: 20 },
  // ---- volatility / risk (Ang et al. 2006 idiosyncratic volatility; Alpha158 STD)
  { name: 'vol_20', group: 'volatility', description: 'sample std of lr over 20 days', expr: `sqrt(${varS('s20_lr', 's20_lr2', 20)})`, minAge: 20 },
  { name: 'vol_60', group: 'volatility', description: 'sample std of lr over 60 days', expr: `sqrt(${varS('s60_lr', 's60_lr2', 60)})`, minAge: 60 },
  { name: 'downvol_20', group: 'volatility', description: 'sqrt(mean(min(lr, 0)^2)) over 20 days (downside semi-deviation)', expr: `sqrt(s20_dsq / 20)`, minAge: 20 },
  { name: 'range_20', group: 'volatility', description: 'mean((high - low) / close) over 20 days (range volatility)', expr: `s20_hlr / 20`, minAge: 19 },
  { name: 'skew_60', group: 'volatility', description: 'sample skewness of lr over 60 days (adjusted Fisher-Pearson G1)', expr: SKEW, minAge: 60 },
  { name: 'beta_60', group: 'volatility', description: 'OLS slope of lr on the equal-weighted market lr over 60 days: Sxy / Sxx', expr: `${SXY60} / ${nz(SXX60)}`, minAge: 60 },
  { name: 'idvol_60', group: 'volatility', description: 'residual std of lr on market lr over 60 days: sqrt((Syy - Sxy^2/Sxx) / 60)', expr: `sqrt(greatest(${SYY60} - ${SXY60} * ${SXY60} / ${nz(SXX60)}, 0) / 60)`, minAge: 60 },
  // ---- liquidity (Amihud 2002; Alpha158 VMA / VSTD / CORR)
  { name: 'amihud_20', group: 'liquidity', description: '1e9 * mean(|r| / dollar volume) over 20 days (Amihud illiquidity)', expr: `1e9 * s20_am / 20`, minAge: 20 },
  { name: 'vratio_5_20', group: 'liquidity', description: 'mean(volume, 5) / mean(volume, 20) (volume surge)', expr: `(s5_volume / 5) / ${nz('s20_volume / 20')}`, minAge: 19 },
  { name: 'vstd_20', group: 'liquidity', description: 'sample std(volume, 20) / mean(volume, 20) (volume variability)', expr: `sqrt(${varS('s20_volume', 's20_vol2', 20)}) / ${nz('s20_volume / 20')}`, minAge: 19 },
  { name: 'corr_pv_20', group: 'liquidity', description: 'corr(adj, ln(1 + volume)) over 20 days (price-volume correlation)', expr: `${scd('s20_adj', 's20_lv', 's20_alv', 20)} / ${nz(`sqrt(greatest(${ssd('s20_adj', 's20_adj2', 20)}, 0) * greatest(${ssd('s20_lv', 's20_lv2', 20)}, 0))`)}`, minAge: 19 },
  // ---- size proxy: no market caps in price data, dollar volume stands in (Fama-French size is market cap)
  { name: 'log_dv_20', group: 'size', description: 'ln(mean(close * volume) over 20 days) (size proxy)', expr: `ln(${nz('s20_dv / 20')})`, minAge: 19 },
  { name: 'log_dv_60', group: 'size', description: 'ln(mean(close * volume) over 60 days) (size proxy)', expr: `ln(${nz('s60_dv / 60')})`, minAge: 59 },
  { name: 'log_price', group: 'size', description: 'ln(close_t) (nominal share price)', expr: `ln(CASE WHEN close > 0 THEN close END)`, minAge: 0 },
  // ---- trend (Alpha158 MA / MAX / MIN / RSV / BETA / RSQR / SUMP / CNTP; George & Hwang 2004 52-week high)
  { name: 'ma_5', group: 'trend', description: 'mean(adj, 5) / adj_t', expr: `s5_adj / 5 / adj`, minAge: 4 },
  { name: 'ma_20', group: 'trend', description: 'mean(adj, 20) / adj_t', expr: `s20_adj / 20 / adj`, minAge: 19 },
  { name: 'ma_60', group: 'trend', description: 'mean(adj, 60) / adj_t', expr: `s60_adj / 60 / adj`, minAge: 59 },
  { name: 'ma_cross_5_20', group: 'trend', description: 'mean(adj, 5) / mean(adj, 20) - 1 (moving-average crossover)', expr: `(s5_adj / 5) / (s20_adj / 20) - 1`, minAge: 19 },
  { name: 'max_20', group: 'trend', description: 'max(adjusted high, 20) / adj_t', expr: `mx20_ah / adj`, minAge: 19 },
  { name: 'min_20', group: 'trend', description: 'min(adjusted low, 20) / adj_t', expr: `mn20_al / adj`, minAge: 19 },
  { name: 'rsv_20', group: 'trend', description: '(adj_t - min(al, 20)) / (max(ah, 20) - min(al, 20)) (stochastic %K)', expr: `(adj - mn20_al) / ${nz('mx20_ah - mn20_al')}`, minAge: 19 },
  { name: 'high_252', group: 'trend', description: 'adj_t / max(adj, 252) (52-week-high ratio)', expr: `adj / mx252_adj`, minAge: 251 },
  { name: 'slope_20', group: 'trend', description: 'OLS slope of adj on time over 20 days / adj_t', expr: `sxy20_adj / ${SXX_T20} / adj`, minAge: 19 },
  { name: 'rsqr_20', group: 'trend', description: 'R^2 of adj on time over 20 days: Sxy^2 / (Sxx Syy) (trend linearity)', expr: `sxy20_adj * sxy20_adj / ${SXX_T20} / ${nz(ssd('s20_adj', 's20_adj2', 20))}`, minAge: 19 },
  { name: 'rsi_14', group: 'trend', description: 'sum(max(d, 0)) / sum(|d|) over 14 days, d = adj_t - adj_{t-1} (RSI / 100)', expr: `s14_dpos / ${nz('s14_dabs')}`, minAge: 14 },
  { name: 'cntp_20', group: 'trend', description: 'share of up days (r > 0) over 20 days', expr: `s20_up / 20`, minAge: 20 },
  // ---- candle / KBAR (Alpha158; same-day ratios, so split/dividend adjustment cancels)
  { name: 'kmid', group: 'candle', description: '(close - open) / open', expr: `(close - open) / ${nz('open')}`, minAge: 0 },
  { name: 'klen', group: 'candle', description: '(high - low) / open', expr: `(high - low) / ${nz('open')}`, minAge: 0 },
  { name: 'kmid2', group: 'candle', description: '(close - open) / (high - low)', expr: `(close - open) / ${nz('high - low')}`, minAge: 0 },
  { name: 'kup', group: 'candle', description: '(high - max(open, close)) / open (upper shadow)', expr: `(high - greatest(open, close)) / ${nz('open')}`, minAge: 0 },
  { name: 'kup2', group: 'candle', description: '(high - max(open, close)) / (high - low)', expr: `(high - greatest(open, close)) / ${nz('high - low')}`, minAge: 0 },
  { name: 'klow', group: 'candle', description: '(min(open, close) - low) / open (lower shadow)', expr: `(least(open, close) - low) / ${nz('open')}`, minAge: 0 },
  { name: 'klow2', group: 'candle', description: '(min(open, close) - low) / (high - low)', expr: `(least(open, close) - low) / ${nz('high - low')}`, minAge: 0 },
  { name: 'ksft', group: 'candle', description: '(2 close - high - low) / open', expr: `(2 * close - high - low) / ${nz('open')}`, minAge: 0 },
  { name: 'ksft2', group: 'candle', description: '(2 close - high - low) / (high - low)', expr: `(2 * close - high - low) / ${nz('high - low')}`, minAge: 0 },
  { name: 'gap', group: 'candle', description: 'adjusted open_t / adj_{t-1} - 1 (overnight gap)', expr: `ao / adj_l1 - 1`, minAge: 1 },
];

export const DEFAULT_HORIZONS = [1, 3, 5, 10, 15, 20];

// ------------------------------------------------------------------ streaming-window SQL builders

const lagS = (x: string, k: number) => (k === 0 ? x : `lag(${x}, ${k}) OVER ()`);
/** x_t + x_{t-1} + ... + x_{t-k+1} (NULL if any is NULL) */
const rsum = (x: string, k: number) => `(${Array.from({ length: k }, (_, j) => lagS(x, j)).join(' + ')})`;
/** NULL-skipping max / min of two (a CASE is ~4x faster than greatest() in DuckDB-WASM) */
const max2 = (a: string, b: string) => `CASE WHEN ${b} IS NULL OR ${a} >= ${b} THEN ${a} ELSE ${b} END`;
const min2 = (a: string, b: string) => `CASE WHEN ${b} IS NULL OR ${a} <= ${b} THEN ${a} ELSE ${b} END`;
/** Σ_{i=0}^{19} (9.5 - i) adj_{t-i} = Σ_j (j - 9.5) adj_{t-19+j}: OLS Sxy of adj on a centred time index 0..19 */
const sxyTime20 = (x: string) => `(${Array.from({ length: 20 }, (_, i) => `${(9.5 - i).toFixed(1)}e0 * ${lagS(x, i)}`).join(' + ')})`;
/** row order check of a streaming pass: (ticker, date) strictly increasing */
const ORD = `(lag(ticker) OVER () IS NULL OR lag(ticker) OVER () < ticker OR (lag(ticker) OVER () = ticker AND lag(date) OVER () < date))`;

/** quantities summed over 5 and 20 days */
const S20 = ['lr', 'lr2', 'lr3', 'dsq', 'hlr', 'am', 'volume', 'vol2', 'adj', 'adj2', 'lv', 'lv2', 'alv', 'dv', 'up', 'mkt', 'mkt2', 'lrm'];
/** of which also summed over 60 days (three 20-day blocks) */
const S60 = ['lr', 'lr2', 'lr3', 'mkt', 'mkt2', 'lrm', 'dv', 'adj'];
/** rolling max (+) / min (-) over 20 days by doubling: m2, m4, m8, m16, then max(m16_t, m4_{t-16}) */
const M20: [string, '+' | '-'][] = [['r', '+'], ['ah', '+'], ['al', '-']];
const MOM_LAGS = [5, 20, 21, 60, 120, 126, 252];

/**
 * Pass 0: `_fl_s`, the clean prices table (date DATE, ticker VARCHAR, open, high, low, close, adj_close, volume;
 * unique (date, ticker); adj_close finite and > 0) sorted by (ticker, date): the only sort. `extraCols` must
 * include `tid`, the ticker's rank (0-based, in ticker order). `endSql`: optional DATE literal; later prices are
 * never read.
 */
export function sortedPricesSql(prices: string, endSql: string | null, extraCols: string[] = ['tid']): string {
  return `CREATE OR REPLACE TEMP TABLE _fl_s AS
SELECT date, ticker, open::DOUBLE AS open, high::DOUBLE AS high, low::DOUBLE AS low, close::DOUBLE AS close,
  adj_close::DOUBLE AS adj, volume::DOUBLE AS volume${extraCols.map((c) => `, ${c}`).join('')}
FROM ${prices} ${endSql ? `WHERE date <= ${endSql}` : ''}
ORDER BY ticker, date`;
}

/** Equal-weighted market log return per day (mean of lr over the stocks with a previous row), from _fl_s. */
export const MARKET_SQL = `SELECT (date - DATE '1970-01-01')::INTEGER AS day, avg(lr) AS mkt
FROM (SELECT date, CASE WHEN lag(ticker) OVER () = ticker THEN ln(adj / lag(adj) OVER ()) END AS lr FROM _fl_s)
GROUP BY date ORDER BY day`;

/** First row number (1-based, in _fl_s scan order) of each ticker id. */
export const STARTS_SQL = `SELECT tid, min(rn) AS start FROM (SELECT tid, row_number() OVER () AS rn FROM _fl_s) GROUP BY tid ORDER BY tid`;

/**
 * Constants of the factor pass, looked up per row from literal lists instead of a join (a join may reorder rows,
 * which the streaming windows must not see): the market return per calendar day from `day0`, and each ticker's
 * first row number.
 */
export interface PassConstants { day0: number; mkt: (number | null)[]; starts: number[] }

const listLiteral = (xs: (number | null)[], type: string) =>
  `[${xs.map((x) => (x === null || !Number.isFinite(x) ? 'NULL' : String(x))).join(',')}]::${type}[]`;

/**
 * Pass 1: a SELECT over `_fl_s` (streaming windows only, one pipeline of CTEs) with every selected factor,
 * forward returns fwd_<k>, ret, dv, age and the row-order guard `_ord`.
 */
export function factorSelectSql(defs: FactorDef[], horizons: number[], consts: PassConstants, extraCols: string[] = [],
  opts: { mask?: boolean } = {}): string {
  const mask = opts.mask ?? true;
  const levels: string[] = [];
  // L0: scan order guard, row number, previous row's adj; L1: age, adj_{t-1}, market; per-row quantities
  levels.push(`SELECT *, ${ORD} AS _ord, row_number() OVER () AS _rn, lag(adj) OVER () AS _adjp FROM _fl_s`);
  levels.push(`SELECT *, (_rn - list_extract(${listLiteral(consts.starts, 'BIGINT')}, tid + 1))::INTEGER AS age,
    list_extract(${listLiteral(consts.mkt, 'DOUBLE')}, (date - DATE '1970-01-01')::INTEGER - ${consts.day0} + 1) AS mkt,
    CASE WHEN close > 0 THEN adj / close END AS af`);
  levels.push(`SELECT *, CASE WHEN age > 0 THEN _adjp END AS adj_l1`);
  levels.push(`SELECT *, adj / adj_l1 - 1 AS r, ln(adj / adj_l1) AS lr, adj - adj_l1 AS d,
    high * af AS ah, low * af AS al, open * af AS ao, close * volume AS dv, ln(1 + volume) AS lv`);
  levels.push(`SELECT *, lr * lr AS lr2, lr * lr * lr AS lr3,
    CASE WHEN lr IS NULL THEN NULL WHEN lr < 0 THEN lr * lr ELSE 0e0 END AS dsq,
    (high - low) / ${nz('close')} AS hlr, abs(r) / ${nz('dv')} AS am,
    volume * volume AS vol2, adj * adj AS adj2, lv * lv AS lv2, adj * lv AS alv,
    CASE WHEN r IS NULL THEN NULL WHEN r > 0 THEN 1e0 ELSE 0e0 END AS up,
    CASE WHEN d IS NULL THEN NULL WHEN d > 0 THEN d ELSE 0e0 END AS dpos, abs(d) AS dabs,
    mkt * mkt AS mkt2, lr * mkt AS lrm`);
  // L2: 5-day sums, pairwise max/min (m2)
  const mm = (sign: '+' | '-', a: string, b: string) => (sign === '+' ? max2(a, b) : min2(a, b));
  levels.push(`SELECT *, ${S20.map((x) => `${rsum(x, 5)} AS s5_${x}`).join(', ')},
    ${M20.map(([x, g]) => `${mm(g, x, lagS(x, 1))} AS m2_${x}`).join(', ')}, ${max2('adj', lagS('adj', 1))} AS m2_adj`);
  // L3: 20-day sums from four 5-day sums; m4
  levels.push(`SELECT *, ${S20.map((x) => `s5_${x} + ${lagS(`s5_${x}`, 5)} + ${lagS(`s5_${x}`, 10)} + ${lagS(`s5_${x}`, 15)} AS s20_${x}`).join(', ')},
    ${[...M20, ['adj', '+'] as [string, '+']].map(([x, g]) => `${mm(g, `m2_${x}`, lagS(`m2_${x}`, 2))} AS m4_${x}`).join(', ')}`);
  // L4: 60-day sums from three 20-day sums; m8
  levels.push(`SELECT *, ${S60.map((x) => `s20_${x} + ${lagS(`s20_${x}`, 20)} + ${lagS(`s20_${x}`, 40)} AS s60_${x}`).join(', ')},
    ${[...M20, ['adj', '+'] as [string, '+']].map(([x, g]) => `${mm(g, `m4_${x}`, lagS(`m4_${x}`, 4))} AS m8_${x}`).join(', ')}`);
  // L5: m16
  levels.push(`SELECT *, ${[...M20, ['adj', '+'] as [string, '+']].map(([x, g]) => `${mm(g, `m8_${x}`, lagS(`m8_${x}`, 8))} AS m16_${x}`).join(', ')}`);
  // L6: 20-day max/min = max(m16_t, m4_{t-16}); m32 of adj
  levels.push(`SELECT *, ${M20.map(([x, g]) => `${mm(g, `m16_${x}`, lagS(`m4_${x}`, 16))} AS ${g === '+' ? 'mx20' : 'mn20'}_${x}`).join(', ')},
    ${max2('m16_adj', lagS('m16_adj', 16))} AS m32_adj`);
  levels.push(`SELECT *, ${max2('m32_adj', lagS('m32_adj', 32))} AS m64_adj`);
  levels.push(`SELECT *, ${max2('m64_adj', lagS('m64_adj', 64))} AS m128_adj`);
  // L9: 252-day max = max(m128_t, m128_{t-124}); 14-day sums; time-regression Sxy; momentum lags; forward returns
  // fwd_k(t) = adj[t+1+k] / adj[t+1] - 1: bought at the next day's close, so nothing known after t is used at t;
  // NULL unless the row 1+k ahead is the same ticker (rows are (ticker, date)-sorted, contiguous per ticker)
  const fwd = horizons.map((k) => `CASE WHEN lead(ticker, ${1 + k}) OVER () = ticker THEN lead(adj, ${1 + k}) OVER () / lead(adj, 1) OVER () - 1 END AS fwd_${k}`);
  levels.push(`SELECT *, ${max2('m128_adj', lagS('m128_adj', 124))} AS mx252_adj,
    ${rsum('dpos', 14)} AS s14_dpos, ${rsum('dabs', 14)} AS s14_dabs, ${sxyTime20('adj')} AS sxy20_adj,
    ${MOM_LAGS.map((k) => `${lagS('adj', k)} AS adj_l${k}`).join(', ')},
    ${fwd.join(',\n    ')}`);
  // history masks: 1.0 when the row has >= k rows of history, else NULL (x * NULL = NULL); a multiplication
  // per factor is cheaper than a CASE around each expression
  // (mask = false: the caller applies minAge itself, as computeFactorFrame does while reading, which is cheaper)
  const minAges = [...new Set(defs.map((f) => f.minAge))];
  if (mask) levels.push(`SELECT *, ${minAges.map((k) => `CASE WHEN age >= ${k} THEN 1e0 END AS _mk${k}`).join(', ')}`);
  const ctes = levels.map((sql, i) => `l${i} AS (${i === 0 ? sql : `${sql}\n  FROM l${i - 1}`})`);
  const cols = defs.map((f) => (mask ? `(${f.expr}) * _mk${f.minAge} AS "${f.name}"` : `${f.expr} AS "${f.name}"`));
  return `WITH ${ctes.join(',\n')}
SELECT date, ticker, age, _ord, r AS ret, dv,${extraCols.map((c) => ` ${c},`).join('')}
  ${[...cols, ...horizons.map((k) => `fwd_${k}`)].join(',\n  ')}
FROM l${levels.length - 1}`;
}

/** Float32 output with NULL / NaN / +-Inf / out-of-float-range mapped to NaN (the frame's "missing"). */
export const f32 = (x: string): string => `CASE WHEN isfinite(${x}) AND abs(${x}) < 3.0e38 THEN (${x})::FLOAT ELSE 'NaN'::FLOAT END`;
