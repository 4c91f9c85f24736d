/**
 * Small seeded panels with a planted linear signal, for tests, the parity check and the training benchmark.
 * Independent of the data layer: a Panel built directly, so the truth is exact.
 *   x[t, n, f] ~ N(0, 1) iid;   fwd[h, t, n] = a[t, h] + sum_f beta[f, h] x[t, n, f] + noise * e,  e ~ N(0, 1)
 * a[t, h] is a per-date level (the market) that a cross-sectional model must ignore.
 */
import type { Panel } from '../core/panel';
import { makeRng } from '../core/rng';

export interface PlantedOptions {
  T: number;
  N: number;
  F: number;
  horizons: number[];
  seed: number;
  /** [F, H] row-major true coefficients; default: beta[f, h] = (f < 3 ? [0.5, -0.3, 0.2][f] : 0) * (1 + h / 4) */
  beta?: number[];
  noise: number;
  /** share of (date, stock) cells not in the cross-section */
  missing: number;
  /** permute the labels across stocks within each date (destroys the signal: the control) */
  shuffleLabels?: boolean;
  nIndustries?: number;
}

export const defaultBeta = (F: number, H: number): number[] => {
  const b: number[] = [];
  for (let f = 0; f < F; f++) for (let h = 0; h < H; h++) b.push((f < 3 ? [0.5, -0.3, 0.2][f] : 0) * (1 + h / 4));
  return b;
};

/** A Panel with a planted linear signal (see file comment); deterministic in the seed. */
export function plantedPanel(o: PlantedOptions): Panel & { beta: number[] } {
  const { T, N, F } = o;
  const H = o.horizons.length;
  const beta = o.beta ?? defaultBeta(F, H);
  const rng = makeRng(o.seed);
  const x = new Float32Array(T * N * F);
  const valid = new Uint8Array(T * N);
  const industry = new Int32Array(T * N);
  const K = o.nIndustries ?? 4;
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      const k = t * N + n;
      valid[k] = rng.uniform() < o.missing ? 0 : 1;
      industry[k] = n % K;
      if (valid[k]) for (let f = 0; f < F; f++) x[k * F + f] = rng.normal();
    }
  }
  const fwd = new Float32Array(H * T * N).fill(NaN);
  for (let h = 0; h < H; h++) {
    for (let t = 0; t < T; t++) {
      const level = 0.01 * rng.normal();
      const vals: number[] = [];
      const idx: number[] = [];
      for (let n = 0; n < N; n++) {
        const k = t * N + n;
        if (!valid[k]) continue;
        let y = level;
        for (let f = 0; f < F; f++) y += beta[f * H + h] * x[k * F + f];
        vals.push(y + o.noise * rng.normal());
        idx.push(n);
      }
      if (o.shuffleLabels) rng.shuffle(vals);
      idx.forEach((n, j) => {
        fwd[(h * T + t) * N + n] = vals[j];
      });
    }
  }
  const dates: string[] = [];
  const d0 = Date.UTC(2015, 0, 1);
  for (let t = 0; t < T; t++) dates.push(new Date(d0 + t * 86_400_000).toISOString().slice(0, 10));
  return {
    dates,
    tickers: Array.from({ length: N }, (_, n) => `S${String(n).padStart(3, '0')}`),
    factorNames: Array.from({ length: F }, (_, f) => `f${f}`),
    factorGroups: Array.from({ length: F }, (_, f) => (f < 3 ? 'signal' : 'noise')),
    x,
    valid,
    industry,
    industryNames: Array.from({ length: K }, (_, k) => `ind${k}`),
    horizons: o.horizons.slice(),
    fwd,
    ret: new Float32Array(T * N),
    tradable: valid.slice(),
    universes: [{ name: 'all', description: 'every stock', member: new Uint8Array(T * N).fill(1) }],
    source: { name: `planted(seed ${o.seed})`, kind: 'synthetic' },
    beta,
  };
}
