/**
 * A seeded synthetic market for teaching and tests, with a planted signal whose ground truth is known.
 *
 * Latent factors (per stock, per day): v_j follows a stationary AR(1) with unit variance,
 *   v_j(t) = phi v_j(t-1) + sqrt(1 - phi^2) e,  e ~ N(0, 1);
 * the industry-relative factor j_R also carries its industry's level: v_jR = L_k(t) + z (L_k an AR(1), unit variance).
 * Observed (raw) factor = offset_j + scale_j * v_j, with rare outliers (v x 10..30) and missing values (NaN).
 *
 * Planted score from the factors on date t (each component has unit cross-sectional variance):
 *   (a) linear       lin_t    = sum_j w_j v_j / ||w||                              on the 'linear' factors
 *   (b) interaction  int_t    = v_a * v_b                                           (invisible to any linear model)
 *   (c) industry-relative  rel_t = std( (v_jR - m_k) - beta_t (m_k - m) ),  beta_t = W / B
 *       m_k = industry mean of v_jR, m = cross-sectional mean, W = sum (v_jR - m_k)^2, B = sum (m_k - m)^2 over stocks.
 *       The stock's value relative to its industry drives returns; industries with a high average
 *       underperform by exactly enough that the raw factor is uncorrelated with rel_t on every date
 *       (sum_i (v_i - m) rel_i = W - beta_t B = 0), so a per-stock linear model on the raw factor sees nothing,
 *       while the industry-demeaned factor has correlation sqrt(B / (W + B)) with rel_t (about 0.7 by default).
 *   score_t = (c_L lin + c_I int + c_R rel) / sqrt(c_L^2 + c_I^2 + c_R^2)
 * Daily returns: r_i(s) = beta_i mkt(s) + ind_k(s) + alpha * score_i(s - 2) + idio_i(s), s = t + 2, so factors at t
 * predict the return from t+1 to t+2 = fwd_1(t) (labels start at the next day's price: fwd_k(t) = P[t+1+k]/P[t+1] - 1).
 * Prices compound the returns; ret and fwd columns are computed from the same prices.
 */
import { dayToIso, isoToDay } from '../core/dates';
import { makeRng } from '../core/rng';
import type { Panel } from '../core/panel';
import type { PreprocessConfig } from '../core/run';
import type { FactorColumn, FactorFrame } from './frame';
import { buildPanel, type BuildPanelOptions } from './panel';

export interface SyntheticOptions {
  seed: number;
  nStocks: number;
  nDays: number;
  nIndustries: number;
  /** at least 6: three linear, two interacting, one industry-relative; the rest carry no signal */
  nFactors: number;
  horizons: number[];
  /** first trading day (ISO); trading days are weekdays */
  startDate: string;
  /** daily return per unit (1 sd) of the combined score */
  alpha: number;
  /** relative strengths of the score components (a), (b), (c) */
  linear: number;
  interaction: number;
  industryRelative: number;
  /** daily vol of the market factor, industry factors and (average) idiosyncratic noise */
  marketVol: number;
  industryVol: number;
  idioVol: number;
  /** AR(1) coefficient of the latent factors (daily) */
  persistence: number;
  /** share of stocks listed after the first day / delisted before the last day */
  lateEntry: number;
  earlyExit: number;
  /** probability that a factor value is missing (NaN) / an outlier */
  missingRate: number;
  outlierRate: number;
  /** daily probability that a stock is reclassified into another industry */
  reclassifyRate: number;
}

export const defaultSyntheticOptions: SyntheticOptions = {
  seed: 42,
  nStocks: 200,
  nDays: 750,
  nIndustries: 8,
  nFactors: 12,
  horizons: [1, 5, 10, 20],
  startDate: '2015-01-05',
  alpha: 0.003,
  linear: 1,
  interaction: 0.8,
  industryRelative: 0.8,
  marketVol: 0.01,
  industryVol: 0.008,
  idioVol: 0.02,
  persistence: 0.95,
  lateEntry: 0.2,
  earlyExit: 0.15,
  missingRate: 0.002,
  outlierRate: 0.001,
  reclassifyRate: 0.0001,
};

export interface SyntheticTruth {
  options: SyntheticOptions;
  /** factor indices with a linear effect, and their weights on the latent (unit-variance) factor */
  linearFactors: number[];
  linearWeights: number[];
  /** the two factors whose product is the interaction component */
  interactionFactors: [number, number];
  /** the factor whose industry-relative value carries the signal */
  industryRelativeFactor: number;
  /** factors with no effect */
  noiseFactors: number[];
  /** raw = offset + scale * latent, per factor [F] */
  factorOffset: Float64Array;
  factorScale: Float64Array;
  /** [T, N] score components and the combined score (NaN where the stock is not listed) */
  linear: Float32Array;
  interaction: Float32Array;
  industryRelative: Float32Array;
  score: Float32Array;
  /** [N] first and last listed day index */
  listStart: Int32Array;
  listEnd: Int32Array;
  /** the combined score of stock n on date t: E[fwd_1(t)] - common terms = alpha * score */
  oracleScore(t: number, n: number): number;
}

const GROUPS = ['momentum', 'reversal', 'volatility', 'liquidity', 'value', 'quality'];

/**
 * The planted signal as a class sets it, part by part (keys of SyntheticOptions), with what each does in one line:
 * the Data panel's synthetic-market controls.
 */
export const SIGNAL_CONTROLS: {
  key: keyof SyntheticOptions;
  label: string;
  min: number;
  max: number;
  step: number;
  def: number;
  help: string;
}[] = [
  {
    key: 'linear',
    label: 'Linear part',
    min: 0,
    max: 3,
    step: 0.1,
    def: 1,
    help: 'weight of lin_1..lin_3 (a weighted sum): any model finds it',
  },
  {
    key: 'interaction',
    label: 'Interaction',
    min: 0,
    max: 3,
    step: 0.1,
    def: 0.8,
    help: 'weight of inter_a × inter_b: only non-linear models (MLP, graph) find it',
  },
  {
    key: 'industryRelative',
    label: 'Industry-relative',
    min: 0,
    max: 3,
    step: 0.1,
    def: 0.8,
    help: 'weight of ind_rel minus its industry mean: needs industry peers (graph models)',
  },
  {
    key: 'idioVol',
    label: 'Stock noise',
    min: 0,
    max: 0.1,
    step: 0.005,
    def: 0.02,
    help: 'daily sd of each stock’s own noise: hides the signal',
  },
  {
    key: 'marketVol',
    label: 'Market noise',
    min: 0,
    max: 0.05,
    step: 0.005,
    def: 0.01,
    help: 'daily sd of the market factor: moves all stocks together',
  },
  {
    key: 'industryVol',
    label: 'Industry noise',
    min: 0,
    max: 0.05,
    step: 0.002,
    def: 0.008,
    help: 'daily sd of each industry’s factor: moves an industry together',
  },
];

/** the planted roles by factor index: 0-2 linear (weights 0.6, -0.5, 0.4), 3 x 4 the interaction, 5 industry-relative, 6+ noise */
const LINEAR_WEIGHTS = [0.6, -0.5, 0.4];

/**
 * Each synthetic factor's name, group and planted role (what generateSyntheticFrame does with it), for teaching:
 * the UI shows the role next to the name. `short` is a role name such as lin_1, inter_a, ind_rel, noise_1.
 */
export function syntheticFactorRoles(nFactors: number): { name: string; group: string; role: string; short: string }[] {
  const perGroup = new Map<string, number>();
  return Array.from({ length: Math.max(6, Math.floor(nFactors)) }, (_, j) => {
    const g = GROUPS[j % GROUPS.length];
    const c = (perGroup.get(g) ?? 0) + 1;
    perGroup.set(g, c);
    const [role, short] =
      j < 3
        ? [`linear (weight ${LINEAR_WEIGHTS[j]})`, `lin_${j + 1}`]
        : j === 3 || j === 4
          ? ['interaction', j === 3 ? 'inter_a' : 'inter_b']
          : j === 5
            ? ['industry-relative', 'ind_rel']
            : ['noise', `noise_${j - 5}`];
    return { name: `${g}_${c}`, group: g, role, short };
  });
}
const SECTORS = [
  'Energy',
  'Materials',
  'Industrials',
  'Consumer Discretionary',
  'Consumer Staples',
  'Health Care',
  'Financials',
  'Information Technology',
  'Communication Services',
  'Utilities',
  'Real Estate',
];

/** Generate a synthetic FactorFrame (rows sorted by date, ticker) and its ground truth; deterministic in the seed. */
export function generateSyntheticFrame(partial: Partial<SyntheticOptions> = {}): { frame: FactorFrame; truth: SyntheticTruth } {
  const o: SyntheticOptions = { ...defaultSyntheticOptions, ...partial };
  const N = Math.floor(o.nStocks),
    T = Math.floor(o.nDays),
    K = Math.max(1, Math.floor(o.nIndustries)),
    F = Math.floor(o.nFactors);
  if (F < 6) throw new Error(`generateSyntheticFrame: nFactors must be at least 6 (got ${F})`);
  if (N < 2 || T < 3) throw new Error(`generateSyntheticFrame: need nStocks >= 2 and nDays >= 3 (got ${N}, ${T})`);
  const rng = makeRng(o.seed);
  const { normal, uniform } = rng;

  // --- static layout: roles, scales, listing intervals, industries, betas, vols, sizes
  const linearFactors = [0, 1, 2];
  const linearWeights = LINEAR_WEIGHTS.slice();
  const wNorm = Math.hypot(...linearWeights);
  const [ia, ib] = [3, 4];
  const jR = 5;
  const noiseFactors = Array.from({ length: F - 6 }, (_, i) => i + 6);
  const offset = new Float64Array(F),
    scale = new Float64Array(F);
  for (let j = 0; j < F; j++) {
    offset[j] = 10 * uniform() - 5;
    scale[j] = Math.exp(Math.log(0.1) + uniform() * Math.log(100));
  }
  const listStart = new Int32Array(N),
    listEnd = new Int32Array(N).fill(T - 1);
  const minLife = Math.min(T - 1, 60);
  for (let i = 0; i < N; i++) {
    if (uniform() < o.lateEntry) listStart[i] = 1 + Math.floor(uniform() * Math.max(1, Math.floor(0.7 * T) - 1));
    if (uniform() < o.earlyExit) {
      const lo = Math.max(listStart[i] + minLife, Math.floor(0.3 * T));
      if (lo < T - 1) listEnd[i] = lo + Math.floor(uniform() * (T - 1 - lo));
    }
    if (listStart[i] > T - 1 - minLife) listStart[i] = Math.max(0, T - 1 - minLife);
  }
  const indWeight = Array.from({ length: K }, () => 0.5 + uniform());
  const indTotal = indWeight.reduce((s, w) => s + w, 0);
  const drawIndustry = () => {
    let u = uniform() * indTotal;
    for (let k = 0; k < K; k++) {
      u -= indWeight[k];
      if (u < 0) return k;
    }
    return K - 1;
  };
  const ind = Int32Array.from({ length: N }, drawIndustry); // [N] current industry
  const beta = Float64Array.from({ length: N }, () => 0.8 + 0.4 * uniform());
  const idio = Float64Array.from({ length: N }, () => o.idioVol * (0.7 + 0.6 * uniform()));
  const sizeMean = Float64Array.from({ length: N }, () => 17 + normal());
  const price = new Float64Array(T * N); // [T, N] latent price path (0 outside the listing)

  // --- latent state
  const phi = o.persistence,
    sPhi = Math.sqrt(1 - phi * phi);
  const phiL = 0.99,
    sPhiL = Math.sqrt(1 - phiL * phiL);
  const phiS = 0.995,
    sPhiS = 0.5 * Math.sqrt(1 - phiS * phiS); // log-size deviation, stationary sd 0.5
  const z = Float64Array.from({ length: N * F }, () => normal()); // [N, F]
  const L = Float64Array.from({ length: K }, () => normal()); // [K] industry level of factor jR
  const sizeDev = Float64Array.from({ length: N }, () => 0.5 * normal());

  // --- outputs
  let nRows = 0;
  for (let i = 0; i < N; i++) nRows += listEnd[i] - listStart[i] + 1;
  const rDate = new Int32Array(nRows),
    rTicker = new Int32Array(nRows),
    rInd = new Int32Array(nRows),
    rAge = new Int32Array(nRows);
  const rRet = new Float32Array(nRows),
    rDv = new Float32Array(nRows);
  const fcols = Array.from({ length: F }, () => new Float32Array(nRows));
  const TN = T * N;
  const tLin = new Float32Array(TN).fill(NaN),
    tInt = new Float32Array(TN).fill(NaN);
  const tRel = new Float32Array(TN).fill(NaN),
    tScore = new Float32Array(TN).fill(NaN);
  const cNorm = Math.hypot(o.linear, o.interaction, o.industryRelative) || 1;
  const mSum = new Float64Array(K),
    mCnt = new Float64Array(K);
  const rel = new Float64Array(N);
  const indRet = new Float64Array(K);
  const day0 = firstWeekday(isoToDay(o.startDate));
  const days = new Int32Array(T);
  for (let t = 0, d = day0; t < T; t++) {
    days[t] = d;
    d = nextWeekday(d);
  }

  let row = 0;
  for (let t = 0; t < T; t++) {
    // evolve the latent processes (every stock every day, so the draws do not depend on listings)
    if (t > 0) {
      for (let k = 0; k < N * F; k++) z[k] = phi * z[k] + sPhi * normal();
      for (let k = 0; k < K; k++) L[k] = phiL * L[k] + sPhiL * normal();
      for (let i = 0; i < N; i++) sizeDev[i] = phiS * sizeDev[i] + sPhiS * normal();
      for (let i = 0; i < N; i++) if (uniform() < o.reclassifyRate && K > 1) ind[i] = (ind[i] + 1 + Math.floor(uniform() * (K - 1))) % K;
    }
    // score components over the stocks listed today
    mSum.fill(0);
    mCnt.fill(0);
    let listed = 0,
      mAll = 0;
    for (let i = 0; i < N; i++) {
      if (t < listStart[i] || t > listEnd[i]) continue;
      const v = z[i * F + jR] + L[ind[i]];
      mSum[ind[i]] += v;
      mCnt[ind[i]]++;
      mAll += v;
      listed++;
    }
    mAll /= Math.max(1, listed);
    for (let k = 0; k < K; k++) if (mCnt[k] > 0) mSum[k] /= mCnt[k];
    let W = 0,
      B = 0;
    for (let i = 0; i < N; i++) {
      if (t < listStart[i] || t > listEnd[i]) continue;
      const v = z[i * F + jR] + L[ind[i]],
        mk = mSum[ind[i]];
      W += (v - mk) ** 2;
      B += (mk - mAll) ** 2;
    }
    const bt = B > 1e-12 ? W / B : 0;
    let rs = 0,
      rss = 0;
    for (let i = 0; i < N; i++) {
      if (t < listStart[i] || t > listEnd[i]) continue;
      const v = z[i * F + jR] + L[ind[i]],
        mk = mSum[ind[i]];
      rel[i] = v - mk - bt * (mk - mAll);
      rs += rel[i];
      rss += rel[i] * rel[i];
    }
    const relMean = rs / Math.max(1, listed);
    const relSd = Math.sqrt(Math.max(0, rss / Math.max(1, listed) - relMean * relMean));
    for (let i = 0; i < N; i++) {
      if (t < listStart[i] || t > listEnd[i]) continue;
      const k = t * N + i,
        zi = i * F;
      let lin = 0;
      for (let q = 0; q < 3; q++) lin += linearWeights[q] * z[zi + linearFactors[q]];
      lin /= wNorm;
      const itr = z[zi + ia] * z[zi + ib];
      const rl = relSd > 1e-12 ? (rel[i] - relMean) / relSd : 0;
      tLin[k] = lin;
      tInt[k] = itr;
      tRel[k] = rl;
      tScore[k] = (o.linear * lin + o.interaction * itr + o.industryRelative * rl) / cNorm;
    }
    // returns realised today: common terms + alpha from the score two days back
    const mkt = 0.0003 + o.marketVol * normal();
    for (let k = 0; k < K; k++) indRet[k] = o.industryVol * normal();
    for (let i = 0; i < N; i++) {
      const e = normal();
      if (t < listStart[i] || t > listEnd[i]) continue;
      const k = t * N + i;
      if (t === listStart[i]) {
        price[k] = Math.exp(3.5 + 0.5 * e);
        continue;
      }
      const s2 = t - 2 >= listStart[i] ? tScore[(t - 2) * N + i] : 0;
      const r = Math.max(-0.9, beta[i] * mkt + indRet[ind[i]] + o.alpha * s2 + idio[i] * e);
      price[k] = price[k - N] * (1 + r);
    }
    // rows of date t, tickers ascending
    for (let i = 0; i < N; i++) {
      const miss = uniform(),
        out = uniform(),
        dvNoise = normal();
      if (t < listStart[i] || t > listEnd[i]) continue;
      const k = t * N + i;
      rDate[row] = days[t];
      rTicker[row] = i;
      rInd[row] = ind[i];
      rAge[row] = t - listStart[i];
      rRet[row] = t === listStart[i] ? NaN : price[k] / price[k - N] - 1;
      rDv[row] = Math.exp(sizeMean[i] + sizeDev[i] + 0.3 * dvNoise);
      for (let j = 0; j < F; j++) {
        const v = z[i * F + j] + (j === jR ? L[ind[i]] : 0);
        fcols[j][row] = offset[j] + scale[j] * v;
      }
      // at most one missing and one outlier entry per row, in a factor picked by the same uniform
      if (miss < o.missingRate * F) fcols[Math.floor((miss / (o.missingRate * F)) * F) % F][row] = NaN;
      if (out < o.outlierRate * F) {
        const j = Math.floor((out / (o.outlierRate * F)) * F) % F;
        fcols[j][row] = offset[j] + (fcols[j][row] - offset[j]) * (10 + 20 * uniform()); // latent x 10..30
      }
      row++;
    }
  }
  // forward returns from the same price path: fwd_k(t) = P[t+1+k] / P[t+1] - 1 while listed
  const fwd = o.horizons.map((h) => ({ horizon: h, values: new Float32Array(nRows).fill(NaN) }));
  const dayToT = new Map<number, number>();
  for (let t = 0; t < T; t++) dayToT.set(days[t], t);
  for (let r = 0, t = -1, prev = -1; r < nRows; r++) {
    if (rDate[r] !== prev) {
      prev = rDate[r];
      t = dayToT.get(prev)!;
    }
    const i = rTicker[r];
    for (const f of fwd) {
      const a = t + 1,
        b = t + 1 + f.horizon;
      if (b <= listEnd[i]) f.values[r] = price[b * N + i] / price[a * N + i] - 1;
    }
  }

  const width = Math.max(3, String(N - 1).length);
  const tickers = Array.from({ length: N }, (_, i) => 'S' + String(i).padStart(width, '0'));
  const industries = Array.from({ length: K }, (_, k) => (K <= SECTORS.length ? SECTORS[k] : `Industry ${k + 1}`));
  const perGroup = new Map<string, number>();
  const factors: FactorColumn[] = fcols.map((values, j) => {
    const g = GROUPS[j % GROUPS.length];
    const c = (perGroup.get(g) ?? 0) + 1;
    perGroup.set(g, c);
    const role = linearFactors.includes(j)
      ? `linear (weight ${linearWeights[linearFactors.indexOf(j)]})`
      : j === ia || j === ib
        ? 'interaction'
        : j === jR
          ? 'industry-relative'
          : 'noise';
    return { name: `${g}_${c}`, group: g, description: `synthetic factor, planted role: ${role}`, values };
  });
  const frame: FactorFrame = {
    nRows,
    date: rDate,
    ticker: rTicker,
    tickers,
    industry: rInd,
    industries,
    factors,
    fwd,
    ret: rRet,
    dollarVolume: rDv,
    age: rAge,
    source: {
      name: `synthetic(seed ${o.seed}, ${N} stocks, ${T} days)`,
      kind: 'synthetic',
      notes: [
        `synthetic market ${dayToIso(days[0])}..${dayToIso(days[T - 1])}: ${K} industries, ${F} factors, planted alpha ${o.alpha}/day per score sd`,
      ],
    },
  };
  const truth: SyntheticTruth = {
    options: o,
    linearFactors,
    linearWeights,
    interactionFactors: [ia, ib],
    industryRelativeFactor: jR,
    noiseFactors,
    factorOffset: offset,
    factorScale: scale,
    linear: tLin,
    interaction: tInt,
    industryRelative: tRel,
    score: tScore,
    listStart,
    listEnd,
    oracleScore: (t: number, n: number) => tScore[t * N + n],
  };
  return { frame, truth };
}

/** buildPanel over a fresh synthetic frame. */
export function panelFromSynthetic(opts: Partial<SyntheticOptions>, prep: PreprocessConfig, panelOpts?: BuildPanelOptions): Panel {
  return buildPanel(generateSyntheticFrame(opts).frame, prep, panelOpts);
}

/**
 * Panel and ground truth together. Without start/end the panel's [T, N] axes are the truth's; with them,
 * truth row t0 + t matches panel row t, where t0 = tOffset.
 */
export function syntheticPanel(
  opts: Partial<SyntheticOptions>,
  prep: PreprocessConfig,
  panelOpts?: BuildPanelOptions,
): { panel: Panel; truth: SyntheticTruth; tOffset: number } {
  const { frame, truth } = generateSyntheticFrame(opts);
  const panel = buildPanel(frame, prep, panelOpts);
  const tOffset = panel.dates.length ? [...new Set(frame.date)].indexOf(isoToDay(panel.dates[0])) : 0;
  return { panel, truth, tOffset };
}

/** weekday = day number not on Sat/Sun (1970-01-01 was a Thursday) */
const weekday = (d: number) => (((d + 4) % 7) + 7) % 7; // 0 = Sunday
function firstWeekday(d: number): number {
  while (weekday(d) === 0 || weekday(d) === 6) d++;
  return d;
}
function nextWeekday(d: number): number {
  return firstWeekday(d + 1);
}
