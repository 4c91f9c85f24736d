/**
 * Benchmark of the panel builder on a synthetic market (for `npm run bench`; never used in pass/fail tests).
 * Runs in Node and in the browser (performance.now only).
 */
import { defaultPreprocessing, type PreprocessConfig } from '../core/run';
import { buildPanel, panelSummary, type PanelSummary } from './panel';
import { generateSyntheticFrame, type SyntheticOptions } from './synthetic';

export interface PanelBenchResult {
  label: string;
  generateMs: number;
  /** one entry per preprocessing variant: best of `repeats` builds */
  builds: { prep: PreprocessConfig; ms: number }[];
  summary: PanelSummary;
}

/** Time generateSyntheticFrame and buildPanel (z-score, rank + industry-neutral, mask) on one synthetic market. */
export function benchBuildPanel(opts: Partial<SyntheticOptions> = { nStocks: 400, nDays: 2000, nFactors: 35 }, repeats = 2): PanelBenchResult {
  let t0 = performance.now();
  const { frame } = generateSyntheticFrame(opts);
  const generateMs = performance.now() - t0;
  const variants: PreprocessConfig[] = [
    defaultPreprocessing,
    { ...defaultPreprocessing, normalize: 'rank', industryNeutral: true },
    { ...defaultPreprocessing, missing: 'mask' },
  ];
  const builds = variants.map((prep) => {
    let best = Infinity;
    for (let r = 0; r < repeats; r++) { t0 = performance.now(); buildPanel(frame, prep); best = Math.min(best, performance.now() - t0); }
    return { prep, ms: best };
  });
  const summary = panelSummary(buildPanel(frame, defaultPreprocessing));
  return { label: `buildPanel ${summary.T} dates x ${summary.N} stocks x ${summary.F} factors`, generateMs, builds, summary };
}
