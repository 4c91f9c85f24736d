/**
 * Portfolio tear-sheet views (as quantstats' reports: monthly returns heat map, rolling Sharpe, rolling beta), derived
 * from a method's daily net value. Pure functions of the stored series; no DOM.
 *   daily return r_d = V_d / V_{d-1} - 1 (the first holding day against V = 1 before it)
 *   rolling Sharpe over the last w days = mean(r) / sd(r) x sqrt(252) (risk-free 0; sd with n - 1)
 *   rolling beta = cov(r, b) / var(b) over the last w days, b the benchmark's daily return
 *   month / year return = prod(1 + r) - 1 over its holding days
 */

/** [D] daily returns from a net value series (1 = start). */
export function dailyReturns(nav: ArrayLike<number>): Float64Array {
  const r = new Float64Array(nav.length);
  for (let d = 0; d < nav.length; d++) r[d] = nav[d] / (d === 0 ? 1 : nav[d - 1]) - 1;
  return r;
}

/** [D] annualised Sharpe of the trailing `w` daily returns (NaN for the first w - 1 days or zero variance). */
export function rollingSharpe(r: ArrayLike<number>, w: number): Float64Array {
  const out = new Float64Array(r.length).fill(NaN);
  let s = 0,
    q = 0;
  for (let d = 0; d < r.length; d++) {
    s += r[d];
    q += r[d] * r[d];
    if (d >= w) {
      s -= r[d - w];
      q -= r[d - w] * r[d - w];
    }
    if (d >= w - 1) {
      const mean = s / w,
        v = (q - w * mean * mean) / (w - 1);
      out[d] = v > 1e-20 ? (mean / Math.sqrt(v)) * Math.sqrt(252) : NaN;
    }
  }
  return out;
}

/** [D] beta of r on b over the trailing `w` days (NaN before w days or when b has no variance). */
export function rollingBeta(r: ArrayLike<number>, b: ArrayLike<number>, w: number): Float64Array {
  const out = new Float64Array(r.length).fill(NaN);
  for (let d = w - 1; d < r.length; d++) {
    let mr = 0,
      mb = 0;
    for (let k = d - w + 1; k <= d; k++) {
      mr += r[k];
      mb += b[k];
    }
    mr /= w;
    mb /= w;
    let c = 0,
      v = 0;
    for (let k = d - w + 1; k <= d; k++) {
      c += (r[k] - mr) * (b[k] - mb);
      v += (b[k] - mb) ** 2;
    }
    out[d] = v > 1e-20 ? c / v : NaN;
  }
  return out;
}

export interface MonthlyReturns {
  years: number[];
  /** [Y][12] compounded return of each calendar month (NaN = no holding day) */
  months: number[][];
  /** [Y] compounded return of each year's holding days */
  year: number[];
}

/** Compounded returns per calendar month and year from ISO dates and daily returns. */
export function monthlyReturns(dates: string[], r: ArrayLike<number>): MonthlyReturns {
  const years = [...new Set(dates.map((d) => Number(d.slice(0, 4))))].sort((a, b) => a - b);
  const months = years.map(() => new Array<number>(12).fill(NaN));
  const year = years.map(() => NaN);
  for (let d = 0; d < dates.length; d++) {
    if (!Number.isFinite(r[d])) continue;
    const y = years.indexOf(Number(dates[d].slice(0, 4))),
      m = Number(dates[d].slice(5, 7)) - 1;
    months[y][m] = (Number.isFinite(months[y][m]) ? 1 + months[y][m] : 1) * (1 + r[d]) - 1;
    year[y] = (Number.isFinite(year[y]) ? 1 + year[y] : 1) * (1 + r[d]) - 1;
  }
  return { years, months, year };
}
