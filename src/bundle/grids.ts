/** The bundle's grids as a panel: re-evaluation of stored scores, and a panel-shaped view for re-writing a bundle. */
import type { Panel } from '../core/panel';
import type { RunScores } from '../train/reevaluate';
import type { SignalViews } from '../eval/signal-views';
import type { OpenedBundle } from './read';
import type { MethodOutput } from './metrics';

/** a method's stored scores re-indexed onto the bundle's grids (testIndex - gridOffset), for evaluateScores(grids, ...) */
export function reevalScores(
  b: Pick<OpenedBundle, 'gridOffset'>,
  o: Pick<MethodOutput, 'scoresByHorizon' | 'testIndex' | 'horizons' | 'channels'>,
): RunScores {
  return {
    scoresByHorizon: o.scoresByHorizon,
    testIndex: o.testIndex.map((t) => t - b.gridOffset),
    horizons: o.horizons,
    channels: Object.fromEntries((o.channels ?? []).map((c) => [c.spec.name, c.values])),
  };
}

/**
 * A panel of the original length T whose dates before the grids are empty and whose arrays hold the grids' values from
 * the grids' first date on: what writeBundle needs to write an opened bundle again (with datasetInfo and gridsFrom).
 */
export function padPanel(b: Pick<OpenedBundle, 'grids' | 'gridOffset' | 'manifest'>): Panel {
  const g = b.grids,
    from = b.gridOffset;
  const Tg = g.dates.length,
    N = g.tickers.length,
    T = from + Tg,
    H = g.horizons.length;
  const pad = <A extends Float32Array | Uint8Array>(src: A, C: new (n: number) => A, fill: number): A => {
    const out = new C(T * N);
    out.fill(fill, 0, from * N);
    out.set(src, from * N);
    return out;
  };
  const fwd = new Float32Array(H * T * N).fill(NaN);
  for (let h = 0; h < H; h++) fwd.set(g.fwd.subarray(h * Tg * N, (h + 1) * Tg * N), (h * T + from) * N);
  return {
    ...g,
    dates: [...Array.from({ length: from }, () => ''), ...g.dates],
    valid: pad(g.valid, Uint8Array, 0),
    tradable: pad(g.tradable, Uint8Array, 0),
    ret: pad(g.ret, Float32Array, NaN),
    industry: new Int32Array(T * N).fill(-1),
    fwd,
    universes: g.universes.map((u) => ({ ...u, member: pad(u.member, Uint8Array, 0) })),
  };
}

/**
 * Signal views computed on a bundle's grids (date indices from the grids' first date) with the date indices of the
 * original panel, as the bundle's stored evaluation uses them (index + gridOffset): holding days of the quintile curves,
 * formation dates of the rank autocorrelation, rebalance days of the book.
 */
export function signalOnPanel(s: SignalViews, b: Pick<OpenedBundle, 'gridOffset'>): SignalViews {
  const shift = (a: Int32Array) => a.map((t) => t + b.gridOffset);
  return {
    ...s,
    quantiles: { ...s.quantiles, day: shift(s.quantiles.day) },
    rank: { ...s.rank, formation: shift(s.rank.formation) },
    book: { ...s.book, day: shift(s.book.day) },
  };
}
