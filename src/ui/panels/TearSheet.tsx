/**
 * Portfolio tear sheet (what quantstats users expect): monthly and yearly returns as a heat map, rolling Sharpe and
 * rolling beta to the benchmark, one colour per method. Numbers from src/state/tearsheet.ts.
 */
import { useMemo, useState } from 'react';
import type { MethodSeries } from '../../state/lab-api';
import { linesWithPicked, pickSeries } from '../../state/entries';
import { dailyReturns, monthlyReturns, rollingBeta, rollingSharpe } from '../../state/tearsheet';
import { EChart } from '../charts/EChart';
import { rollingOption } from '../charts/eval-options';
import { ChartCard } from '../components/common';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const navOf = (m: MethodSeries) => m.nav ?? m.cumReturn.map((v) => v + 1);
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}` : '');
/** green for gains, red for losses, stronger with size (5% a month = full) */
const heat = (v: number) =>
  Number.isFinite(v)
    ? v >= 0
      ? `rgba(22, 163, 74, ${Math.min(1, v / 0.05) * 0.5})`
      : `rgba(220, 38, 38, ${Math.min(1, -v / 0.05) * 0.5})`
    : 'transparent';

/**
 * `methods`: one line per method in the rolling charts (methodViews); `entries`: what the monthly table's picker lists,
 * one per entry by display label (entryViews: two entries of one model, each seed), defaulting to `methods`.
 */
export function TearSheet({ methods, entries = methods }: { methods: MethodSeries[]; entries?: MethodSeries[] }) {
  const [window, setWindow] = useState(63);
  const choices = entries.filter((m) => m.dates.length > 1);
  const [picked, setPicked] = useState('');
  const cur = pickSeries(choices, picked);
  // one line per method; a picked seed (or held-out run) of a method shows in place of its latest one
  const withDays = linesWithPicked(methods, cur).filter((m) => m.dates.length > 1);
  const sharpe = useMemo(
    () =>
      rollingOption(
        withDays.map((m) => ({ method: m.method, label: m.label, dates: m.dates, values: rollingSharpe(dailyReturns(navOf(m)), window) })),
        0,
      ),
    [withDays, window],
  );
  const betaLines = withDays.filter((m) => m.benchNav?.length === m.dates.length);
  const beta = useMemo(
    () =>
      rollingOption(
        betaLines.map((m) => ({
          method: m.method,
          label: m.label,
          dates: m.dates,
          values: rollingBeta(dailyReturns(navOf(m)), dailyReturns(m.benchNav!), window),
        })),
        1,
      ),
    [betaLines, window],
  );
  const monthly = useMemo(() => (cur ? monthlyReturns(cur.dates, dailyReturns(navOf(cur))) : null), [cur]);
  if (!cur || !monthly) return null;
  return (
    <section className="tearsheet" data-testid="tearsheet" aria-labelledby="tearsheet-title">
      <h3 id="tearsheet-title">Portfolio tear sheet</h3>
      <ChartCard
        testId="monthlyReturns"
        title="Monthly and yearly returns (%)"
        help="The portfolio's return compounded over each calendar month's holding days, and over each year (last column), net of costs: green = gain, red = loss. A row of mostly green months is a steadier strategy than one great month."
        controls={
          <div className="field inline">
            <label htmlFor="tear-method">Method</label>
            <select id="tear-method" value={cur.label} onChange={(e) => setPicked(e.target.value)} data-testid="tear-method">
              {choices.map((m) => (
                <option key={m.label} value={m.label}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
        }
      >
        <div className="table-wrap">
          <table className="metrics heat" data-testid="monthly-returns">
            <thead>
              <tr>
                <th scope="col">Year</th>
                {MONTHS.map((m) => (
                  <th key={m} scope="col" className="num">
                    {m}
                  </th>
                ))}
                <th scope="col" className="num">
                  Year
                </th>
              </tr>
            </thead>
            <tbody>
              {monthly.years.map((y, yi) => (
                <tr key={y}>
                  <th scope="row">{y}</th>
                  {monthly.months[yi].map((v, mi) => (
                    <td key={mi} className="num" style={{ background: heat(v) }}>
                      {pct(v)}
                    </td>
                  ))}
                  <td className="num strong" style={{ background: heat(monthly.year[yi] / 4) }}>
                    {pct(monthly.year[yi])}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </ChartCard>
      <div className="chart-grid">
        <ChartCard
          testId="rollingSharpe"
          title={`Rolling Sharpe (${window} days)`}
          help="Sharpe ratio of the last N daily returns, annualised: mean / sd × √252 (risk-free 0). It shows when a strategy worked, not only whether it did on average; above 0 = earning more than it swings."
          controls={
            <div className="field inline">
              <label htmlFor="tear-window">Window</label>
              <select id="tear-window" value={window} onChange={(e) => setWindow(Number(e.target.value))} data-testid="tear-window">
                {[21, 63, 126].map((w) => (
                  <option key={w} value={w}>
                    {w} days
                  </option>
                ))}
              </select>
            </div>
          }
        >
          <EChart id="rollingSharpe" option={sharpe} height={230} label="Rolling annualised Sharpe ratio per method" />
        </ChartCard>
        <ChartCard
          testId="rollingBeta"
          title={`Rolling beta to the benchmark (${window} days)`}
          help="How much the portfolio moves with the benchmark: cov(portfolio, benchmark) / var(benchmark) over the window. 1 = moves one for one, 0 = independent of it (a long-short portfolio aims at 0)."
          empty={betaLines.length ? null : 'No benchmark series to compare with.'}
        >
          <EChart id="rollingBeta" option={beta} height={230} label="Rolling beta of each method to the benchmark" />
        </ChartCard>
      </div>
    </section>
  );
}
