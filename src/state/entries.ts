/**
 * Entries for the Results pickers (tear sheet, signal tear sheet, monthly IC heat map, Explain). The results can hold
 * two entries of one model: a bundle's `factorvae` and its ablation `factorvae-prior`, the seeds `Method@1` and
 * `Method@2` of a comparison over seeds, a held-out run beside the in-sample one. A picker that keyed its choice by
 * model id showed the first entry's data whichever was chosen; these key by the entry's display label, which is unique
 * per entry (state/method-labels.ts, resultLabel), so each choice shows its own entry.
 */
import type { MethodSeries, TrainResult } from './lab-api';
import { latestResults, methodViews } from './views';
import { methodOfLabel } from '../eval/seeds';
import { HOLDOUT_MARK } from './experiments';

/**
 * One series per entry, keyed by its display label: the latest result per label (latestResults) with its model's
 * series and its alternative scores' series, in the order the entries first appear (one entry per model: the
 * order of methodViews). Unlike methodViews (one chart line per method, the seeds of a method sharing it), every seed
 * and a held-out run are entries of their own here.
 */
export function entryViews(results: TrainResult[]): MethodSeries[] {
  const byLabel = new Map<string, MethodSeries>();
  for (const r of latestResults(results))
    for (const s of [...r.series, ...(r.alternatives ?? []).map((a) => a.series)]) byLabel.set(s.label, s);
  return [...byLabel.values()];
}

/**
 * The chosen entry among `items`: the one labelled `picked`, else the default (the last item, the latest entry, as
 * the pickers chose before). `labelOf` reads an item's display label.
 */
export function pickEntry<T>(items: readonly T[], picked: string | null | undefined, labelOf: (t: T) => string): T | undefined {
  return (picked ? items.find((x) => labelOf(x) === picked) : undefined) ?? items[items.length - 1];
}

/** pickEntry over series (label = the entry's display label) */
export const pickSeries = (items: readonly MethodSeries[], picked: string | null | undefined): MethodSeries | undefined =>
  pickEntry(items, picked, (m) => m.label);

/**
 * The series a test-API reader names by `key` (window.__lab.monthlyReturns / signalSheet): an entry's display label
 * ('factorvae-prior', 'FactorVAE@2'), else a model id (its first line among methodViews, as before); without a key the
 * latest line. Only series that pass `keep` count.
 */
export function seriesByKey(results: TrainResult[], key: string | undefined, keep: (m: MethodSeries) => boolean): MethodSeries | undefined {
  const lines = methodViews(results).filter(keep);
  if (!key) return lines[lines.length - 1];
  return entryViews(results).find((m) => m.label === key && keep(m)) ?? lines.find((m) => m.method === key);
}

/** the chart line an entry label shares with others (methodViews' key): without its seed and held-out marks */
const lineKey = (label: string): string => methodOfLabel(label).replace(HOLDOUT_MARK, '');

/**
 * The cross-method chart lines (methodViews) with the picked entry in place of the line it shares: the seeds of a
 * method (Method@1, Method@2) and a held-out run share one line, which shows the latest of them; when a picker chose
 * another, the charts beside the picker show the chosen one (keeping the line's variant, so its colour and dash). A
 * picked entry that has its own line, or none to share, leaves the lines as they are.
 */
export function linesWithPicked(lines: MethodSeries[], picked: MethodSeries | undefined): MethodSeries[] {
  if (!picked || lines.some((m) => m.label === picked.label)) return lines;
  const key = lineKey(picked.label);
  const i = lines.findIndex((m) => m.method === picked.method && lineKey(m.label) === key);
  if (i < 0) return lines;
  const out = lines.slice();
  out[i] = lines[i].variant ? { ...picked, variant: lines[i].variant } : picked;
  return out;
}
