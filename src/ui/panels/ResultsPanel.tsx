/**
 * Step 4, Results: portfolio strategy, the paper-style results table (methods x universes x metrics, CSV), and the
 * evaluation charts of every method: cumulative excess / net value, drawdown, turnover, IC and rank IC with a rolling
 * mean, monthly IC heat map, quantile returns and monotonicity. Each chart says what it shows; none draws without data.
 */
import { useMemo, useState } from 'react';
import { quantileDefinition, rollingMeanDefinition } from '../../eval/ic';
import { drawdownDefinition, icDefinition, rankIcDefinition, turnoverDefinition } from '../../eval/metrics';
import { entryViews, pickSeries } from '../../state/entries';
import { useLab } from '../../state/store';
import { benchmarkView, icViews, methodViews } from '../../state/views';
import { EChart } from '../charts/EChart';
import { drawdownOption, icHeatmapOption, monotonicityOption, navOption, quantileOption, turnoverOption } from '../charts/eval-options';
import { cumOption, icOption } from '../charts/options';
import { SURVIVORSHIP } from '../help-text';
import { Caveats, ChartCard, Empty, ErrorBox, Panel } from '../components/common';
import { ExplainSection } from './ExplainSection';
import { ResultsTable } from './ResultsTable';
import { GroundTruth } from './GroundTruth';
import { TearSheet } from './TearSheet';
import { PaperTables } from './PaperTables';
import { SignalTearSheet } from './SignalTearSheet';
import { STRATEGY_LABEL, StrategySettings, describeStrategy } from './StrategySettings';

const IC_WINDOWS = [20, 60, 120, 250];
const NO_NOTES: string[] = [];
const SURVIVORSHIP_NOTES = [SURVIVORSHIP];

/**
 * The cumulative chart's title: the excess over the benchmark, or, for a net-zero long-short portfolio (no benchmark
 * to subtract: the engine labels it 'none …'), the portfolio's own cumulative return.
 */
export function cumExcessTitle(benchmark: string): string {
  return /^none\b/i.test(benchmark.trim())
    ? 'Cumulative return of the long-short portfolio (long minus short: nothing to subtract)'
    : `Cumulative excess return over ${benchmark}`;
}

export function ResultsPanel() {
  const results = useLab((s) => s.results);
  const icWindow = useLab((s) => s.icWindow);
  const cumMode = useLab((s) => s.cumMode);
  const icKind = useLab((s) => s.icKind);
  const heatMethod = useLab((s) => s.heatMethod);
  const resultsError = useLab((s) => s.resultsError);
  const queue = useLab((s) => s.queue);
  const setIcWindow = useLab((s) => s.setIcWindow);
  const setCumMode = useLab((s) => s.setCumMode);
  const setIcKind = useLab((s) => s.setIcKind);
  const setHeatMethod = useLab((s) => s.setHeatMethod);
  const bundled = useLab((s) => s.loadedSpec?.kind === 'bundled');
  const notes = bundled ? SURVIVORSHIP_NOTES : NO_NOTES;
  const methods = useMemo(() => methodViews(results), [results]);
  // what the pickers list: one per entry by display label (two entries of one model, each seed)
  const entries = useMemo(() => entryViews(results), [results]);
  const bench = useMemo(() => benchmarkView(results), [results]);
  const ics = useMemo(() => icViews(results, icWindow, icKind), [results, icWindow, icKind]);
  const cum = useMemo(
    () => (cumMode === 'excess' ? cumOption(methods, bench, 'excess') : navOption(methods, bench)),
    [methods, bench, cumMode],
  );
  const [showDaily, setShowDaily] = useState(true);
  const last = results[results.length - 1];
  const icLabel = icKind === 'rankIc' ? 'rank IC' : 'IC';
  const ic = useMemo(
    () => icOption(ics, icWindow, showDaily ? last?.label : undefined, icLabel),
    [ics, icWindow, showDaily, last, icLabel],
  );
  const dd = useMemo(() => drawdownOption(methods), [methods]);
  const to = useMemo(() => turnoverOption(methods), [methods]);
  const qs = useMemo(() => quantileOption(methods), [methods]);
  const mono = useMemo(() => monotonicityOption(methods), [methods]);
  const heatOf = pickSeries(
    entries.filter((m) => m.monthly),
    heatMethod,
  );
  const heat = useMemo(() => (heatOf ? icHeatmapOption(heatOf, icKind) : null), [heatOf, icKind]);
  const heatYears = heatOf?.monthly?.years.length ?? 0;

  const has = {
    cum: methods.some((m) => m.dates.length > 0),
    dd: methods.some((m) => (m.drawdown?.length ?? 0) > 0),
    to: methods.some((m) => (m.rebalances?.dates.length ?? 0) > 0),
    ic: ics.some((v) => v.ic.some(Number.isFinite)),
    q: methods.some((m) => m.quantiles?.mean.some(Number.isFinite)),
  };
  const horizon = methods.find((m) => m.quantiles)?.quantiles?.horizon ?? last?.run.strategy.horizon ?? 20;
  // the evaluation (formation) dates: the stitched test period of the split timeline
  const periods = useMemo(
    () =>
      new Set(
        results.map((r) =>
          r.series[0]?.icDates.length ? `${r.series[0].icDates[0]} … ${r.series[0].icDates[r.series[0].icDates.length - 1]}` : '',
        ),
      ),
    [results],
  );
  const period = [...periods][0];
  const strategies = new Set(results.map((r) => JSON.stringify(r.run.strategy)));

  return (
    <Panel
      id="panel-results"
      step={4}
      title="Results"
      status={last ? <span>{results.length === 1 ? last.label : `${results.length} methods`} on the test period</span> : undefined}
      help={
        <>
          <p>
            Every number here is <b>out-of-sample</b>: the test dates never overlap a training or validation window (see the split timeline
            in step 3). The <b>portfolio</b> settings decide how scores become holdings; changing them re-evaluates the stored scores
            without training again.
          </p>
          <p>
            <b>IC</b>: per date, the correlation across stocks between score and forward return; <b>rank IC</b> uses ranks (Spearman).{' '}
            <b>ICIR</b> = mean / std of the daily IC (not annualised). <b>α</b> = mean daily excess return × 252; <b>IR</b> = mean / std of
            the excess return × √252; <b>SR</b> = Sharpe of the portfolio (risk-free 0); <b>MDD</b> = worst fall of the compounded excess
            curve; <b>TT</b> = one-way turnover per rebalance.
          </p>
          <p>
            <b>Universes</b>: the same scores are evaluated on each universe of the panel (members rebuilt monthly by dollar volume); the
            benchmark is that universe's equal-weighted return, unless a benchmark file is loaded in the strategy settings (then every
            universe is measured against it).
          </p>
        </>
      }
    >
      <StrategySettings />
      <ErrorBox error={resultsError} />
      {!last ? (
        <Empty testId="results-empty">
          {queue
            ? 'The first method is training: its table row and charts appear here when it finishes.'
            : 'Train a model, or compare several (step 3), to see the results table and the evaluation charts here.'}
        </Empty>
      ) : (
        <>
          <Caveats notes={notes} testId="results-caveat" />
          <p className="muted small" data-testid="results-period">
            Test period {period} · portfolio{' '}
            {strategies.size === 1
              ? `${STRATEGY_LABEL[last.run.strategy.kind]}: ${describeStrategy(last.run.strategy)}`
              : 'differs between methods (re-evaluate above)'}{' '}
            · benchmark {last.benchmark.label}
            {periods.size > 1 && <b> · methods were tested on different periods (train them with the same split)</b>}
          </p>
          <ResultsTable />
          <GroundTruth />

          <ChartCard
            testId="cum"
            title={cumMode === 'excess' ? cumExcessTitle(last.benchmark.label) : 'Net value of each method and the benchmark'}
            help={
              cumMode === 'excess'
                ? 'Each method’s portfolio minus the benchmark, compounded day by day over the test period, net of costs (the DMFM paper’s Figure 1). Above 0 = beat the benchmark.'
                : 'Value of 1 invested at the start of the test period, prod(1 + daily return), net of costs; the dashed line is the benchmark.'
            }
            controls={
              <div className="seg" role="radiogroup" aria-label="Curve shown">
                {(
                  [
                    ['excess', 'excess return'],
                    ['absolute', 'net value'],
                  ] as const
                ).map(([m, text]) => (
                  <label key={m} className="radio">
                    <input type="radio" name="cummode" checked={cumMode === m} onChange={() => setCumMode(m)} data-testid={`cum-${m}`} />
                    {text}
                  </label>
                ))}
              </div>
            }
            empty={has.cum ? null : 'No holding days in the test period: the backtest has nothing to compound.'}
          >
            <EChart
              id={cumMode === 'excess' ? 'cumExcess' : 'netValue'}
              option={cum}
              height={250}
              label="Cumulative return of each method over the test dates"
            />
          </ChartCard>

          <div className="chart-grid">
            <ChartCard
              testId="drawdown"
              title="Drawdown (underwater)"
              help={
                <span title={drawdownDefinition}>
                  How far each method’s compounded excess curve is below its running peak, 1 − V/max V; the deepest point is the MDD.
                </span>
              }
              empty={has.dd ? null : 'No excess-return series to draw a drawdown from.'}
            >
              <EChart id="drawdown" option={dd} height={210} label="Drawdown of each method's excess curve" />
            </ChartCard>
            <ChartCard
              testId="turnover"
              title="Turnover per rebalance"
              help={
                <span title={turnoverDefinition}>
                  Share of the portfolio traded at each rebalance, one-way: Σ|w_new − w_old| / 2 (the first buys in from cash).
                </span>
              }
              empty={has.to ? null : 'No rebalances in the test period.'}
            >
              <EChart id="turnover" option={to} height={210} label="One-way turnover at each rebalance" />
            </ChartCard>
          </div>

          <ChartCard
            testId="ic"
            title={`Daily ${icLabel} and its rolling mean`}
            help={
              <span title={`${icKind === 'rankIc' ? rankIcDefinition : icDefinition} ${rollingMeanDefinition}`}>
                Per test date, the {icKind === 'rankIc' ? 'Spearman (rank)' : 'Pearson'} correlation across stocks between score and{' '}
                {horizon}-day forward return; lines: trailing {icWindow}-date mean per method
                {showDaily ? `, bars: daily values of ${last.label}` : ''}.
              </span>
            }
            controls={
              <div className="field inline">
                <select
                  aria-label="Correlation"
                  value={icKind}
                  onChange={(e) => setIcKind(e.target.value as 'ic' | 'rankIc')}
                  data-testid="ic-kind"
                >
                  <option value="ic">IC (Pearson)</option>
                  <option value="rankIc">rank IC (Spearman)</option>
                </select>
                <label className="check">
                  <input type="checkbox" checked={showDaily} onChange={(e) => setShowDaily(e.target.checked)} data-testid="ic-daily" />
                  daily bars
                </label>
                <label htmlFor="ic-window">Window</label>
                <select id="ic-window" value={icWindow} onChange={(e) => setIcWindow(Number(e.target.value))} data-testid="ic-window">
                  {IC_WINDOWS.map((w) => (
                    <option key={w} value={w}>
                      {w} days
                    </option>
                  ))}
                </select>
              </div>
            }
            empty={has.ic ? null : 'No test date had two or more stocks with both a score and a forward return, so there is no IC to show.'}
          >
            <EChart id="ic" option={ic} height={220} label={`Daily ${icLabel} with its trailing mean`} />
          </ChartCard>

          <ChartCard
            testId="icHeatmap"
            title={`Monthly mean ${icLabel}`}
            help={`Mean daily ${icLabel} of ${heatOf?.label ?? 'the method'} per calendar month of the test period: blue = scores ranked stocks the right way round, red = the wrong way.`}
            controls={
              entries.length > 1 && (
                <div className="field inline">
                  <label htmlFor="heat-method">Method</label>
                  <select
                    id="heat-method"
                    value={heatOf?.label ?? ''}
                    onChange={(e) => setHeatMethod(e.target.value)}
                    data-testid="heat-method"
                  >
                    {entries
                      .filter((m) => m.monthly)
                      .map((m) => (
                        <option key={m.label} value={m.label}>
                          {m.label}
                        </option>
                      ))}
                  </select>
                </div>
              )
            }
            empty={heat && has.ic ? null : 'No monthly IC: the results carry no IC series.'}
          >
            {heat && (
              <EChart
                id="icHeatmap"
                option={heat}
                height={Math.min(340, 62 + 34 * Math.max(1, heatYears))}
                label="Monthly mean IC heat map, years by months"
              />
            )}
          </ChartCard>

          <div className="chart-grid">
            <ChartCard
              testId="quantiles"
              title="Return by score group"
              help={
                <span title={quantileDefinition}>
                  Mean {horizon}-day forward return of each score decile (1 = lowest scores), averaged over the test dates.
                </span>
              }
              empty={has.q ? null : 'No score groups: no test date had enough scored stocks with a forward return.'}
            >
              <EChart id="quantiles" option={qs} height={230} label="Mean forward return per score group" />
            </ChartCard>
            <ChartCard
              testId="monotonicity"
              title="Monotonicity"
              help="The decile means minus their average: a good score rises from 1 to 10. ρ = Spearman(decile, mean return); 1 = perfectly increasing."
              empty={has.q ? null : 'No score groups to check for monotonicity.'}
            >
              <EChart id="monotonicity" option={mono} height={230} label="Mean forward return per score decile, demeaned, per method" />
            </ChartCard>
          </div>

          <TearSheet methods={methods} entries={entries} />

          <PaperTables />
          <SignalTearSheet methods={methods} entries={entries} />

          <ExplainSection />
        </>
      )}
    </Panel>
  );
}
