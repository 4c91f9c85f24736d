/** Data summary card: date range, stocks, factors, memory; same-industry edges per stock per day; industry shares. */
import { useMemo } from 'react';
import { bundledSpec, loadDataset } from '../../state/actions';
import { finiteMean } from '../../state/derive';
import { useLab } from '../../state/store';
import { EChart } from '../charts/EChart';
import { edgesOption, industriesOption, MAX_INDUSTRY_BARS } from '../charts/options';
import { fmtInt, fmtMB } from '../format';
import { SURVIVORSHIP } from '../help-text';
import { Caveats, Empty, Panel, Spinner } from '../components/common';

export function SummaryCard() {
  const summary = useLab((s) => s.summary);
  const status = useLab((s) => s.dataStatus);
  const activity = useLab((s) => s.dataActivity);
  const edges = useMemo(() => (summary ? edgesOption(summary) : null), [summary]);
  const inds = useMemo(() => (summary ? industriesOption(summary) : null), [summary]);
  const groups = useMemo(() => new Set(summary?.factors.map((f) => f.group)).size, [summary]);
  const bundled = useLab((s) => s.loadedSpec?.kind === 'bundled');
  const notes = useMemo(() => (summary ? (bundled ? [SURVIVORSHIP, ...summary.notes] : summary.notes) : []), [summary, bundled]);

  return (
    <Panel
      id="panel-summary"
      title="Dataset summary"
      busy={status === 'loading'}
      status={summary ? <span>{summary.name}</span> : undefined}
      help={
        <>
          <p>
            Graph models (MGAT, DMFM) connect two stocks on a date when they are in the same industry <i>and</i> the same universe. A
            stock's <b>same-industry edges</b> are the other members of its industry in that universe on that date. The <b>edge chart</b>{' '}
            shows their average per stock each day, one line per universe (DMFM Figure 3): Σ<sub>i</sub> n<sub>i</sub>(n<sub>i</sub> − 1) /
            N for industries of n<sub>i</sub> members out of the universe's N.
          </p>
          <p>
            A larger universe gives more edges: &lsquo;all&rsquo; has the most, a 100-stock universe far fewer. The lines move over time
            because stocks enter and leave the data and because the universes are rebuilt every month: top100, next150 and rest (the default
            sizes) rank stocks by their trailing (about 3-month) dollar volume at the previous month end. A universe has no line in the
            first month (no history to rank on yet). The number in the title is the mean for &lsquo;all&rsquo;.
          </p>
          <p>
            The <b>industry</b> bars show each industry's share of the stocks; a model can look good just by favouring one large industry,
            which industry-neutral preprocessing prevents.
          </p>
        </>
      }
    >
      {!summary ? (
        status === 'loading' ? (
          <Spinner label={activity ?? 'Loading…'} />
        ) : (
          <Empty testId="summary-empty">
            <p className="big">Load a dataset to begin.</p>
            <p>The bundled dataset has daily prices of US large-cap stocks from 2012 to 2019.</p>
            <button type="button" className="btn primary" onClick={() => void loadDataset(bundledSpec())} data-testid="empty-load-bundled">
              Load the bundled dataset
            </button>
          </Empty>
        )
      ) : (
        <>
          {status === 'loading' && <Spinner label={activity ?? 'Loading…'} />}
          <dl className="stats">
            <div>
              <dt>Dates</dt>
              <dd className="dates" data-testid="summary-dates" title={`${summary.dates.start} to ${summary.dates.end}`}>
                <span>{summary.dates.start} →</span> <span>{summary.dates.end}</span>
              </dd>
              <dd className="sub">{fmtInt(summary.dates.count)} trading days</dd>
            </div>
            <div>
              <dt>Stocks</dt>
              <dd data-testid="summary-stocks">{fmtInt(summary.stocks)}</dd>
              <dd className="sub">{summary.universes.length} universes</dd>
            </div>
            <div>
              <dt>Factors</dt>
              <dd data-testid="summary-factors">{fmtInt(summary.factors.length)}</dd>
              <dd className="sub">in {groups} groups</dd>
            </div>
            <div>
              <dt>Memory</dt>
              <dd data-testid="summary-mb">{fmtMB(summary.bytes)}</dd>
              <dd className="sub">{summary.fileBytes ? `file ${fmtMB(summary.fileBytes)}` : 'panel arrays'}</dd>
            </div>
          </dl>
          <Caveats notes={notes} testId="summary-notes" />
          {summary.warnings && summary.warnings.length > 0 && (
            <details className="warnings" data-testid="summary-warnings">
              <summary>
                {summary.warnings.length} data warning{summary.warnings.length > 1 ? 's' : ''} from loading
              </summary>
              <ul>
                {summary.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </details>
          )}
          <div className="chart-pair">
            <figure>
              <figcaption>
                Same-industry edges per stock per day{' '}
                <span className="muted">
                  (mean {finiteMean(summary.edges.avgEdges).toFixed(1)}
                  {(summary.edges.byUniverse?.length ?? 0) > 1 ? ' in all' : ''})
                </span>
              </figcaption>
              {summary.edges.dates.length ? (
                <EChart
                  id="edges"
                  option={edges!}
                  height={200}
                  label="Average number of same-industry edges per stock on each date, one line per universe"
                />
              ) : (
                <Empty>No industry data in this dataset.</Empty>
              )}
            </figure>
            <figure>
              <figcaption>
                Industries (share of stocks){' '}
                {summary.industries.length > MAX_INDUSTRY_BARS && (
                  <span className="muted">
                    ({summary.industries.length}, largest {MAX_INDUSTRY_BARS - 1} shown)
                  </span>
                )}
              </figcaption>
              {summary.industries.length ? (
                <EChart id="industries" option={inds!} height={200} label="Share of stocks per industry" />
              ) : (
                <Empty>No industry data in this dataset.</Empty>
              )}
            </figure>
          </div>
        </>
      )}
    </Panel>
  );
}
