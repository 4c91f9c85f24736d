/** Number and time formatting for the UI (en-US, fixed decimals so columns line up). */
import type { MetricColumn } from '../state/lab-api';

export const fmtPct = (v: number, digits = 1) => (Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : '–');
export const fmtNum = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
export const fmtInt = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
export const fmtMB = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;

/** m:ss or h:mm:ss */
export function fmtDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A metric value in its column's format ('pct' fractions x100; the % sign unless the label carries it). */
export function fmtMetric(v: number | undefined, col: MetricColumn): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (col.format === 'pct') return (v * 100).toFixed(2) + (col.label.includes('%') ? '' : '%');
  if (col.format === 'count') return fmtInt(v);
  if (col.format === 'ratio') return v.toFixed(2);
  return fmtNum(v, Math.abs(v) >= 10 ? 1 : 4);
}

/** A SQL cell for the result grid. */
export function fmtCell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number') {
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    if (Math.abs(v) < 1e-3) return v.toExponential(3);
    const s = v.toPrecision(6);
    return s.includes('.') && !s.includes('e') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  }
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
