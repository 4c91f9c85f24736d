import { describe, expect, it } from 'vitest';
import { makeRng } from '../core/rng';
import { defaultPreprocessing } from '../core/run';
import { buildPanel } from './panel';
import { generateSyntheticFrame, panelFromSynthetic, syntheticPanel } from './synthetic';

/** Pearson correlation of two equal-length lists. */
function corr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0,
    sa = 0,
    sb = 0,
    saa = 0,
    sbb = 0,
    sab = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i],
      y = b[i];
    n++;
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  return (sab - (sa * sb) / n) / Math.sqrt((saa - (sa * sa) / n) * (sbb - (sb * sb) / n));
}
/** First index where two arrays differ (Object.is, so NaN equals NaN), -1 when identical. */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
/** Solve A b = y by Gauss-Jordan with partial pivoting (small dense systems). */
function solve(A: number[][], y: number[]): number[] {
  const n = y.length,
    M = A.map((r, i) => [...r, y[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

describe('synthetic market: determinism and consistency', () => {
  const small = { nStocks: 60, nDays: 150, nFactors: 8, seed: 9 };
  it('same seed gives identical arrays; another seed differs', () => {
    const a = generateSyntheticFrame(small),
      b = generateSyntheticFrame(small),
      c = generateSyntheticFrame({ ...small, seed: 10 });
    expect(a.frame.nRows).toBe(b.frame.nRows);
    for (const key of ['date', 'ticker', 'industry', 'ret', 'dollarVolume', 'age'] as const) {
      expect(firstDiff(a.frame[key], b.frame[key])).toBe(-1);
    }
    a.frame.factors.forEach((f, j) => expect(firstDiff(f.values, b.frame.factors[j].values)).toBe(-1));
    a.frame.fwd.forEach((f, h) => expect(firstDiff(f.values, b.frame.fwd[h].values)).toBe(-1));
    expect(firstDiff(a.truth.score, b.truth.score)).toBe(-1);
    expect(firstDiff(c.frame.factors[0].values.subarray(0, 50), a.frame.factors[0].values.subarray(0, 50))).toBe(0);
  });

  it('fwd_k(t) = P[t+1+k]/P[t+1] - 1 compounds the ret column from t+2 to t+1+k', () => {
    const { frame } = generateSyntheticFrame({ ...small, horizons: [1, 3] });
    // row of (day index, stock) -> ret; the date axis is every frame date
    const days = [...new Set(frame.date)];
    const N = frame.tickers.length;
    const retAt = new Map<number, number>();
    const tOf = new Map(days.map((d, t) => [d, t]));
    for (let r = 0; r < frame.nRows; r++) retAt.set(tOf.get(frame.date[r])! * N + frame.ticker[r], frame.ret[r]);
    let checked = 0;
    for (let r = 0; r < frame.nRows; r += 7) {
      const t = tOf.get(frame.date[r])!,
        n = frame.ticker[r];
      frame.fwd.forEach(({ horizon: k, values }) => {
        let g = 1,
          ok = true;
        for (let s = t + 2; s <= t + 1 + k; s++) {
          const v = retAt.get(s * N + n);
          if (v === undefined) {
            ok = false;
            break;
          }
          g *= 1 + v;
        }
        if (!ok) {
          expect(values[r]).toBeNaN();
          return;
        }
        expect(values[r]).toBeCloseTo(g - 1, 5);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('membership is dynamic: stocks enter and leave; age counts days since listing', () => {
    const { frame, truth } = generateSyntheticFrame(small);
    const perDate = new Map<number, number>();
    for (let r = 0; r < frame.nRows; r++) perDate.set(frame.date[r], (perDate.get(frame.date[r]) ?? 0) + 1);
    const counts = [...perDate.values()];
    expect(Math.min(...counts)).toBeLessThan(Math.max(...counts));
    expect(Array.from(truth.listStart).some((s) => s > 0)).toBe(true);
    expect(Array.from(truth.listEnd).some((e) => e < small.nDays - 1)).toBe(true);
    const days = [...perDate.keys()];
    for (let r = 0; r < frame.nRows; r++) {
      expect(frame.age[r]).toBe(days.indexOf(frame.date[r]) - truth.listStart[frame.ticker[r]]);
      if (frame.age[r] === 0) expect(frame.ret[r]).toBeNaN();
    }
  });

  it('rejects fewer than 6 factors', () => {
    expect(() => generateSyntheticFrame({ nFactors: 5 })).toThrow(/at least 6/);
  });
});

describe('synthetic market: the planted signal (defaults, seed 42)', () => {
  const { frame, truth } = generateSyntheticFrame({ seed: 42 });
  const p = buildPanel(frame, defaultPreprocessing);
  const pn = buildPanel(frame, { ...defaultPreprocessing, industryNeutral: true });
  const T = p.dates.length,
    N = p.tickers.length,
    F = p.factorNames.length;
  const o = truth.options;
  const cNorm = Math.hypot(o.linear, o.interaction, o.industryRelative);
  const wNorm = Math.hypot(...truth.linearWeights);
  /** per date: valid stocks with a fwd_1 label */
  const dates: { idx: number[]; y: number[]; t: number }[] = [];
  for (let t = 0; t < T; t++) {
    const idx: number[] = [];
    for (let n = 0; n < N; n++) if (p.valid[t * N + n] && !Number.isNaN(p.fwd[t * N + n])) idx.push(n);
    if (idx.length >= 10) dates.push({ idx, y: idx.map((n) => p.fwd[t * N + n]), t });
  }
  const xf = (pp: typeof p, t: number, idx: number[], f: number) => idx.map((n) => pp.x[(t * N + n) * F + f]);
  const meanIC = (score: (t: number, idx: number[]) => number[]) => mean(dates.map(({ t, idx, y }) => corr(score(t, idx), y)));

  it('truth arrays align with the panel (same T, N) and the roles are as documented', () => {
    expect(truth.score.length).toBe(T * N);
    expect(truth.linearFactors).toEqual([0, 1, 2]);
    expect(truth.interactionFactors).toEqual([3, 4]);
    expect(truth.industryRelativeFactor).toBe(5);
    expect(p.factorNames.slice(0, 6)).toEqual(['momentum_1', 'reversal_1', 'volatility_1', 'liquidity_1', 'value_1', 'quality_1']);
    expect(truth.oracleScore(100, 3)).toBe(truth.score[100 * N + 3]);
  });

  it('the oracle score predicts fwd_1 (mean IC > 0.1); a shuffled score does not (|IC| < 0.02)', () => {
    // expected IC ~ alpha / sqrt(alpha^2 + idio^2 + industry^2) = 0.003 / sqrt(0.003^2 + 0.0206^2 + 0.008^2) ~ 0.136
    const oracle = meanIC((t, idx) => idx.map((n) => truth.score[t * N + n]));
    expect(oracle).toBeGreaterThan(0.1);
    const rng = makeRng(1);
    const shuffled = meanIC((t, idx) => rng.shuffle(idx.map((n) => truth.score[t * N + n])));
    expect(Math.abs(shuffled)).toBeLessThan(0.02);
  });

  it('timing: fwd_1(t) loads on score(t) with slope alpha, not on score(t - 1) or score(t + 1)', () => {
    // fwd_1(t) = r(t + 2) = ... + alpha * score(t) + noise; scores are persistent (AR 0.95 factors), so a planted lag
    // off by one day would still give a high IC: the joint regression separates the lags. Pooled over all stocks
    // and dates, y and each score demeaned per date.
    const A = [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
      b = [0, 0, 0];
    for (let t = 1; t < T - 1; t++) {
      const rows: number[][] = [],
        ys: number[] = [];
      for (let n = 0; n < N; n++) {
        const y = p.fwd[t * N + n],
          s = [t - 1, t, t + 1].map((u) => truth.score[u * N + n]);
        if (Number.isNaN(y) || s.some(Number.isNaN)) continue;
        rows.push(s);
        ys.push(y);
      }
      if (rows.length < 10) continue;
      const ym = mean(ys),
        sm = [0, 1, 2].map((j) => mean(rows.map((r) => r[j])));
      rows.forEach((r, q) => {
        for (let i = 0; i < 3; i++) {
          b[i] += (r[i] - sm[i]) * (ys[q] - ym);
          for (let j = 0; j < 3; j++) A[i][j] += (r[i] - sm[i]) * (r[j] - sm[j]);
        }
      });
    }
    const [lag, now, lead] = solve(A, b); // measured: -0.25e-3, 3.18e-3, 0.11e-3 with alpha = 3e-3
    expect(Math.abs(now - o.alpha)).toBeLessThan(0.1 * o.alpha);
    expect(Math.abs(lag)).toBeLessThan(0.15 * o.alpha);
    expect(Math.abs(lead)).toBeLessThan(0.15 * o.alpha);
  });

  it('the linear part is recoverable by OLS on the preprocessed factors', () => {
    // pooled OLS of the date-demeaned fwd_1 and of truth.linear on the z-scored factors (mean 0 per date)
    const XtX = Array.from({ length: F }, () => new Array(F).fill(0));
    const Xty = new Array(F).fill(0),
      Xtl = new Array(F).fill(0);
    for (const { t, idx, y } of dates) {
      const ym = mean(y);
      idx.forEach((n, q) => {
        const row = p.x.subarray((t * N + n) * F, (t * N + n + 1) * F);
        for (let i = 0; i < F; i++) {
          Xty[i] += row[i] * (y[q] - ym);
          Xtl[i] += row[i] * truth.linear[t * N + n];
          for (let j = 0; j < F; j++) XtX[i][j] += row[i] * row[j];
        }
      });
    }
    // (1) truth.linear = sum_j w_j v_j / ||w|| is linear in the factors: OLS gives w / ||w|| = [0.684, -0.570, 0.456]
    //     (measured 0.677, -0.566, 0.446: MAD clipping and sample standardisation shave ~1-2%); others ~0
    const bl = solve(XtX, Xtl);
    truth.linearWeights.forEach((w, q) => expect(bl[q]).toBeCloseTo(w / wNorm, 1));
    for (let j = 3; j < F; j++) expect(Math.abs(bl[j])).toBeLessThan(0.005);
    // (2) from returns: fwd_1 = alpha * score + noise, so the linear factors' slopes are
    //     alpha * c_L / cNorm * w / ||w|| = 0.003 * 1 / 1.5099 * [0.684, -0.570, 0.456] = [1.36e-3, -1.13e-3, 0.91e-3]
    //     (measured 1.30e-3, -1.17e-3, 0.82e-3); the other factors' slopes stay below 2.5e-4
    const by = solve(XtX, Xty);
    truth.linearWeights.forEach((w, q) => {
      const e = ((o.alpha * o.linear) / cNorm) * (w / wNorm);
      expect(Math.abs(by[q] - e)).toBeLessThan(0.25 * Math.abs(e));
    });
    for (let j = 3; j < F; j++) expect(Math.abs(by[j])).toBeLessThan(2.5e-4);
  });

  it('the interaction is invisible to each factor alone but visible in their product', () => {
    // measured: IC(f3) = 0.002, IC(f3 * f4) = 0.074
    expect(Math.abs(meanIC((t, idx) => xf(p, t, idx, 3)))).toBeLessThan(0.02);
    expect(Math.abs(meanIC((t, idx) => xf(p, t, idx, 4)))).toBeLessThan(0.02);
    expect(meanIC((t, idx) => idx.map((n) => p.x[(t * N + n) * F + 3] * p.x[(t * N + n) * F + 4]))).toBeGreaterThan(0.04);
  });

  it('the industry-relative part is invisible in the raw factor and visible after industry demeaning', () => {
    const rel = (t: number, idx: number[]) => idx.map((n) => truth.industryRelative[t * N + n]);
    // against the planted component: raw corr is 0 by construction (measured -0.0003), demeaned ~ sqrt(B / (W + B)) ~ 0.65
    const rawRel = mean(dates.map(({ t, idx }) => corr(xf(p, t, idx, 5), rel(t, idx))));
    const neuRel = mean(dates.map(({ t, idx }) => corr(xf(pn, t, idx, 5), rel(t, idx))));
    expect(Math.abs(rawRel)).toBeLessThan(0.01);
    expect(neuRel).toBeGreaterThan(0.6);
    // against returns: IC of the raw factor ~ 0 (measured -0.007), of the industry-neutralised factor 0.044
    expect(Math.abs(meanIC((t, idx) => xf(p, t, idx, 5)))).toBeLessThan(0.02);
    expect(meanIC((t, idx) => xf(pn, t, idx, 5))).toBeGreaterThan(0.035);
  });

  it('panelFromSynthetic = buildPanel(generateSyntheticFrame(opts).frame, prep)', () => {
    const q = panelFromSynthetic({ seed: 42 }, defaultPreprocessing);
    expect(q.dates).toEqual(p.dates);
    expect(firstDiff(q.x, p.x)).toBe(-1);
    expect(firstDiff(q.valid, p.valid)).toBe(-1);
    expect(q.source.kind).toBe('synthetic');
    // with a date window, syntheticPanel reports where the truth rows start
    const w = syntheticPanel({ seed: 42 }, defaultPreprocessing, { start: p.dates[300], end: p.dates[399] });
    expect(w.tOffset).toBe(300);
    expect(w.panel.dates.length).toBe(100);
    expect(firstDiff(w.panel.x, p.x.subarray(300 * N * F, 400 * N * F))).toBe(-1);
  });
});
