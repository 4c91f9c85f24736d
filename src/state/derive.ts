/** Small pure derivations the UI shows (ETA, means). No DOM, no React. Hyper-parameters: models/config.ts resolveConfig. */

/** Remaining time by linear extrapolation: elapsed * (1 - f) / f; null until there is enough to go on. */
export function etaMs(fraction: number, elapsedMs: number): number | null {
  if (!(fraction > 0.005) || elapsedMs < 300) return null;
  if (fraction >= 1) return 0;
  return (elapsedMs * (1 - fraction)) / fraction;
}

/** Mean of the finite entries (NaN if none). */
export function finiteMean(x: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++)
    if (Number.isFinite(x[i])) {
      s += x[i];
      n++;
    }
  return n ? s / n : NaN;
}
