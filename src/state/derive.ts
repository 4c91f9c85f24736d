/** Small pure derivations the UI shows (ETA, means, hyper-parameter defaults). No DOM, no React. */
import type { ConfigField } from './lab-api';

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
  for (let i = 0; i < x.length; i++) if (Number.isFinite(x[i])) { s += x[i]; n++; }
  return n ? s / n : NaN;
}

/**
 * A model's hyper-parameters completed from its schema: missing keys take the default, numbers are
 * clamped to [min, max], values of the wrong type fall back to the default, unknown keys are dropped.
 */
export function normalizeConfig(schema: ConfigField[], config: Record<string, number | string | boolean>): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const f of schema) {
    const v = config[f.key];
    if (typeof f.default === 'number') {
      let n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) n = f.default;
      if (f.min !== undefined) n = Math.max(f.min, n);
      if (f.max !== undefined) n = Math.min(f.max, n);
      out[f.key] = n;
    } else if (typeof f.default === 'boolean') {
      out[f.key] = typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : f.default;
    } else {
      const s = v === undefined ? f.default : String(v);
      out[f.key] = f.options && !f.options.includes(s) ? f.default : s;
    }
  }
  return out;
}

/** Schema defaults of a model. */
export const schemaDefaults = (schema: ConfigField[]) => normalizeConfig(schema, {});
