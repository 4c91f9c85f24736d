/**
 * The ground-truth view of a synthetic market (issue 14, teacher): for each trained model, the mean cross-sectional
 * correlation of its score with each planted part of the signal (src/data/synthetic.ts: linear, interaction,
 * industry-relative) and with the oracle (the planted score itself). A class sees which part each model captured:
 * Linear the linear part, an MLP also the interaction, the graph models the industry-relative part.
 *
 * The market is regenerated here from its seed and settings (deterministic), so nothing extra travels from the worker.
 * A synthetic panel built without start / end has the truth's [T, N] axes; stocks are matched by ticker (S000...).
 */
import type { DatasetSpec } from '../core/run';
import { generateSyntheticFrame, type SyntheticOptions, type SyntheticTruth } from '../data/synthetic';
import { icSeries } from '../eval/ic';
import type { TrainResult } from './lab-api';
import { latestResults } from './views';

/** the planted parts (SyntheticTruth [T, N] arrays) and the oracle, in the view's column order */
export const TRUTH_PARTS = [
  {
    key: 'lin',
    of: (t: SyntheticTruth) => t.linear,
    label: 'Linear part',
    help: 'a weighted sum of lin_1..lin_3: any linear model can find it',
  },
  {
    key: 'inter',
    of: (t: SyntheticTruth) => t.interaction,
    label: 'Interaction',
    help: 'inter_a × inter_b: invisible to a linear model, a non-linear one (MLP) can learn it',
  },
  {
    key: 'indRel',
    of: (t: SyntheticTruth) => t.industryRelative,
    label: 'Industry-relative',
    help: 'ind_rel relative to its industry: needs the stock’s industry peers (graph models)',
  },
  { key: 'oracle', of: (t: SyntheticTruth) => t.score, label: 'Oracle', help: 'the planted score itself: 1 would be a perfect model' },
] as const;
export type TruthPart = (typeof TRUTH_PARTS)[number]['key'];

export interface GroundTruthRow {
  method: string;
  label: string;
  /** mean over test dates of the cross-sectional Pearson correlation of the score (horizon 1, else the first) with each part */
  corr: Record<TruthPart, number>;
}

let cache: { key: string; truth: SyntheticTruth } | null = null;

/** The truth of a synthetic dataset spec (cached by its settings); null for other datasets or a windowed one. */
export function syntheticTruth(spec: DatasetSpec | null | undefined): SyntheticTruth | null {
  if (!spec || spec.kind !== 'synthetic' || spec.start || spec.end) return null;
  const key = JSON.stringify(spec.synthetic ?? {});
  if (cache?.key !== key) cache = { key, truth: generateSyntheticFrame((spec.synthetic ?? {}) as Partial<SyntheticOptions>).truth };
  return cache.truth;
}

/** One row per trained model (latest result per model) with stored scores; null when the dataset is not synthetic. */
export function groundTruthView(results: TrainResult[], spec: DatasetSpec | null | undefined): GroundTruthRow[] | null {
  const truth = syntheticTruth(spec);
  if (!truth) return null;
  const Nt = truth.listStart.length;
  const rows: GroundTruthRow[] = [];
  for (const r of latestResults(results)) {
    const sc = r.scores;
    if (!sc || !r.tickers) continue;
    const N = r.tickers.length,
      D = sc.testIndex.length;
    const h = Math.max(0, sc.horizons.indexOf(1));
    const score = sc.scoresByHorizon.subarray(h * D * N, (h + 1) * D * N); // [D, N]
    // panel stock n -> truth stock (tickers S000...: the number is the truth's index)
    const toTruth = r.tickers.map((t) => {
      const i = Number(t.slice(1));
      return /^S\d+$/.test(t) && i < Nt ? i : -1;
    });
    const at = Int32Array.from({ length: D }, (_, i) => i);
    const corr = {} as Record<TruthPart, number>;
    for (const part of TRUTH_PARTS) {
      const src = part.of(truth); // [T, Nt]
      const lab = new Float32Array(D * N).fill(NaN); // [D, N] the part at each test date, in panel stock order
      for (let d = 0; d < D; d++) {
        const t = sc.testIndex[d];
        for (let n = 0; n < N; n++) if (toTruth[n] >= 0) lab[d * N + n] = src[t * Nt + toTruth[n]];
      }
      const ic = icSeries(score, lab, N, at).ic;
      let s = 0,
        k = 0;
      for (const v of ic)
        if (Number.isFinite(v)) {
          s += v;
          k++;
        }
      corr[part.key] = k ? s / k : NaN;
    }
    rows.push({ method: r.model, label: r.label, corr });
  }
  return rows;
}
