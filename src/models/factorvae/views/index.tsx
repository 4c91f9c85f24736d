/**
 * FactorVAE's Explain views (registered for the ui by src/ui/model-views.ts from this folder): the risk view, i.e. the
 * calibration of the predicted sigma_y (eq. 12 with the prior factors) against the realised |next-day return| with
 * their rank correlation, and a chosen stock's factor exposures beta (eq. 11) over the test period.
 */
import { useMemo, useState } from 'react';
import type { TrainResult } from '../../../state/lab-api';
import { EChart } from '../../../ui/charts/EChart';
import { ChartCard } from '../../../ui/components/common';
import type { ModelViews } from '../../../ui/model-views';
import { betaOption, calibrationOption } from './charts';
import { betaSeries, betaStocks, fvaeResults, riskSummary } from './data';
import { seedTableView } from '../../../state/paper-tables';
import { table2View } from '../../../state/experiments';
import { currentTable3 } from '../../../ui/panels/PaperTables';

function FactorVaeViews({ result: r }: { result: TrainResult }) {
  const risk = useMemo(() => riskSummary(r), [r]);
  const cal = useMemo(() => (risk ? calibrationOption(risk.periods) : null), [risk]);
  const stocks = useMemo(() => betaStocks(r), [r]);
  const tickers = r.tickers ?? [];
  const [stock, setStock] = useState<number>(-1);
  const chosen = stock >= 0 ? stock : (stocks[0] ?? -1);
  const beta = useMemo(() => (chosen >= 0 ? betaSeries(r, chosen) : null), [r, chosen]);
  const bopt = useMemo(() => (beta ? betaOption(beta) : null), [beta]);
  const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
  return (
    <div className="chart-grid">
      <ChartCard
        testId="fvae-risk"
        title="Risk: predicted sigma vs realised |return|"
        help="FactorVAE predicts a distribution N(mu, sigma^2) of each stock's next-day return (eq. 12 with the prior factors). The test (date, stock) pairs are sorted by sigma into 10 equal bins: each point is a bin's mean sigma and its mean realised |return|. Points rising with sigma mean sigma ranks risk; for a calibrated Gaussian they lie on the dashed line E|r - mu| = sqrt(2/pi) sigma. The rank correlation is Spearman's between sigma and |return| over each date's stocks, averaged over the test dates."
        empty={risk ? null : 'This FactorVAE result has no risk calibration (train it again).'}
      >
        {risk && cal && (
          <>
            <EChart id="fvaeCalibration" option={cal} height={280} label="Binned calibration of the predicted sigma" />
            <p className="muted small" data-testid="fvae-risk-note">
              Rank correlation of sigma and |return|: {f3(risk.rankCorr)} (mean over {risk.rankCorrDates} test dates;{' '}
              {risk.periods.map((p) => `${p.label}: ${f3(p.rankCorr)}, pooled ${f3(p.pooledRankCorr)}`).join('; ')}). {risk.pairs} (date,
              stock) pairs.
            </p>
          </>
        )}
      </ChartCard>
      <ChartCard
        testId="fvae-beta"
        title="Factor exposures beta of a stock"
        help="beta = W_beta e + b (eq. 11): the stock's exposure to each of the K latent factors, from its last T days of characteristics, on about 24 evenly spaced test dates per period. The six factors with the largest mean |beta| for the stock are drawn; the factors are latent, so their numbering carries no meaning across runs."
        empty={bopt ? null : 'This FactorVAE result has no exposures (train it again).'}
        controls={
          stocks.length > 0 ? (
            <div className="field inline">
              <select aria-label="Stock" value={String(chosen)} onChange={(e) => setStock(Number(e.target.value))} data-testid="fvae-stock">
                {stocks.map((n) => (
                  <option key={n} value={String(n)}>
                    {tickers[n] ?? `stock ${n}`}
                  </option>
                ))}
              </select>
            </div>
          ) : undefined
        }
      >
        {bopt && <EChart id="fvaeBeta" option={bopt} height={260} label="Factor exposures of the chosen stock over time" />}
      </ChartCard>
    </div>
  );
}

/** FactorVAE's registration: its views for FactorVAE results, and `window.__lab.factorvae()` for the browser tests. */
export const views: ModelViews = {
  id: 'factorvae',
  title: 'FactorVAE views',
  applies: (r) => r.model === 'factorvae',
  Component: FactorVaeViews,
  testApi: {
    factorvae: (results) => {
      const r = fvaeResults(results).pop();
      if (!r) return null;
      const risk = riskSummary(r);
      const stocks = betaStocks(r);
      const b = stocks.length ? betaSeries(r, stocks[0]) : null;
      return {
        rankCorr: risk?.rankCorr ?? null,
        bins: risk?.periods.map((p) => p.bins) ?? [],
        betaStocks: stocks.length,
        betaDates: b?.dates.length ?? 0,
        K: b?.K ?? 0,
      };
    },
    // the Results step's Table 1 (over seeds) and Table 3 / Figure 6 (src/ui/panels/PaperTables.tsx)
    factorvaeTables: (results) => {
      const t3 = currentTable3();
      return {
        seeds: seedTableView(results).map((r) => ({
          method: r.method,
          seeds: r.seeds,
          rankIc: r.stats.rankIc,
          rankIcir: r.stats.rankIcir,
        })),
        // Table 2 (robustness on held-out stocks, src/state/experiments.ts)
        table2: table2View(results),
        table3: t3 && {
          k: t3.scale.k,
          n: t3.scale.n,
          notes: t3.notes,
          rows: t3.rows.map((r) => ({
            label: r.label,
            model: r.model,
            strategy: r.strategy,
            eta: r.eta,
            ar: r.ar,
            sr: r.sr,
            mdd: r.mdd,
            days: r.series.dates.length,
          })),
        },
      };
    },
  },
};
