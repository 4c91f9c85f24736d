/**
 * Signal tear sheet (what Alphalens users expect): IC decay, IC by industry, cumulative return per score quintile,
 * factor rank autocorrelation and turnover per quintile; with the portfolio's return distribution and its book on a
 * chosen date. Numbers from src/eval/signal-views.ts via MethodSeries.signal; one colour per method.
 */
import { useMemo, useState } from 'react';
import type { MethodSeries } from '../../state/lab-api';
import { linesWithPicked, pickSeries } from '../../state/entries';
import { bookOn } from '../../state/signal-sheet';
import { EChart } from '../charts/EChart';
import {
  distributionOption,
  icDecayOption,
  industryIcOption,
  quantileCumOption,
  quantileTurnoverOption,
  rankAutocorrOption,
} from '../charts/signal-options';
import { ChartCard } from '../components/common';
import { SIGNAL_HELP } from '../help-text';
import { methodColor } from '../colors';

const pct = (v: number, d = 2) => (Number.isFinite(v) ? `${(v * 100).toFixed(d)}%` : '–');
const fix = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–');

/**
 * `methods`: one line per method in the cross-method charts (methodViews); `entries`: what the picker lists, one per
 * entry by display label (entryViews: two entries of one model, each seed), defaulting to `methods`.
 */
export function SignalTearSheet({ methods, entries = methods }: { methods: MethodSeries[]; entries?: MethodSeries[] }) {
  const choices = useMemo(() => entries.filter((m) => m.signal), [entries]);
  const [picked, setPicked] = useState('');
  const cur = pickSeries(choices, picked);
  // one line per method; a picked seed (or held-out run) of a method shows in place of its latest one
  const withSig = useMemo(() => linesWithPicked(methods, cur).filter((m) => m.signal), [methods, cur]);
  const bookDates = cur?.signal?.book.dates ?? [];
  const [date, setDate] = useState('');
  const decay = useMemo(() => icDecayOption(withSig), [withSig]);
  const industry = useMemo(() => industryIcOption(withSig), [withSig]);
  const autocorr = useMemo(() => rankAutocorrOption(withSig), [withSig]);
  const turnover = useMemo(() => quantileTurnoverOption(withSig), [withSig]);
  const qcum = useMemo(() => quantileCumOption(cur), [cur]);
  const dist = useMemo(() => distributionOption(cur), [cur]);
  if (!cur?.signal) return null;
  const s = cur.signal;
  const industries = Math.max(0, ...withSig.map((m) => m.signal!.industryIc.length));
  const book = bookOn(s, date || bookDates[bookDates.length - 1] || '');
  const d = s.distribution;
  return (
    <section className="tearsheet signal-tearsheet" data-testid="signal-tearsheet" aria-labelledby="signal-tearsheet-title">
      <div className="chart-head">
        <h3 id="signal-tearsheet-title">Signal tear sheet</h3>
        <div className="field inline">
          <label htmlFor="signal-method">Method</label>
          <select id="signal-method" value={cur.label} onChange={(e) => setPicked(e.target.value)} data-testid="signal-method">
            {choices.map((m) => (
              <option key={m.label} value={m.label}>
                {m.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="chart-help">{SIGNAL_HELP.section}</p>
      <div className="chart-grid">
        <ChartCard testId="icDecay" title="IC decay across horizons" help={SIGNAL_HELP.icDecay}>
          <EChart
            id="icDecay"
            option={decay}
            height={240}
            label="Mean rank IC per forward-return horizon with ±2 standard errors, per method"
          />
        </ChartCard>
        <ChartCard
          testId="industryIc"
          title="IC by industry"
          help={SIGNAL_HELP.industryIc}
          empty={industries ? null : 'This dataset has no industries.'}
        >
          <EChart
            id="industryIc"
            option={industry}
            height={Math.max(240, 60 + industries * Math.max(14, 6 * withSig.length + 4))}
            label="Mean within-industry rank IC per industry and method"
          />
        </ChartCard>
        <ChartCard
          testId="quantileCum"
          title={`Cumulative return by score quintile: ${cur.label}`}
          help={SIGNAL_HELP.quantileCum}
          empty={s.quantiles.dates.length ? null : 'No holding days to chart.'}
        >
          <EChart
            id="quantileCum"
            option={qcum}
            height={240}
            label={`Cumulative return of each score quintile of ${cur.label}, and top minus bottom`}
          />
        </ChartCard>
        <ChartCard
          testId="rankAutocorr"
          title="Factor rank autocorrelation"
          help={SIGNAL_HELP.rankAutocorr}
          empty={s.rank.dates.length ? null : 'Fewer than two rebalances: nothing to correlate.'}
        >
          <EChart
            id="rankAutocorr"
            option={autocorr}
            height={240}
            label="Spearman correlation of each rebalance's scores with the previous one's, per method"
          />
        </ChartCard>
        <ChartCard
          testId="quantileTurnover"
          title="Turnover per quintile"
          help={SIGNAL_HELP.quantileTurnover}
          empty={s.rank.dates.length ? null : 'Fewer than two rebalances: no turnover.'}
        >
          <EChart
            id="quantileTurnover"
            option={turnover}
            height={240}
            label="Mean share of new names per score quintile at each rebalance, per method"
          />
        </ChartCard>
        <ChartCard
          testId="returnDistribution"
          title={`Daily return distribution: ${cur.label}`}
          help={SIGNAL_HELP.distribution}
          empty={d.n ? null : 'No holding days.'}
        >
          <EChart id="returnDistribution" option={dist} height={200} label={`Histogram of the daily net returns of ${cur.label}`} />
          <dl className="stat-row" data-testid="distribution-stats">
            <div>
              <dt>Mean</dt>
              <dd>{pct(d.mean, 3)}</dd>
            </div>
            <div>
              <dt>Std</dt>
              <dd>{pct(d.std, 2)}</dd>
            </div>
            <div>
              <dt>Skew</dt>
              <dd>{fix(d.skew)}</dd>
            </div>
            <div>
              <dt>Excess kurtosis</dt>
              <dd>{fix(d.kurtosis)}</dd>
            </div>
            <div>
              <dt>VaR 5%</dt>
              <dd>{pct(d.var5)}</dd>
            </div>
            <div>
              <dt>CVaR 5%</dt>
              <dd>{pct(d.cvar5)}</dd>
            </div>
          </dl>
        </ChartCard>
      </div>
      <ChartCard
        testId="holdings"
        title={`Holdings: ${cur.label}`}
        help={SIGNAL_HELP.holdings}
        controls={
          <div className="field inline">
            <label htmlFor="signal-book-date">On</label>
            <input
              id="signal-book-date"
              type="date"
              data-testid="signal-book-date"
              min={bookDates[0]?.slice(0, 10)}
              max={cur.dates[cur.dates.length - 1]?.slice(0, 10)}
              value={(date || bookDates[bookDates.length - 1] || '').slice(0, 10)}
              onChange={(e) => setDate(e.target.value)}
            />
          </div>
        }
        empty={book ? null : bookDates.length ? `No rebalance yet on that date (the first is ${bookDates[0]}).` : 'No rebalance was made.'}
      >
        {book && (
          <>
            <p className="chart-help" data-testid="holdings-summary">
              Set at the rebalance of {book.date}: {book.holdings.length} stocks, long{' '}
              {pct(
                book.holdings.reduce((a, h) => a + Math.max(0, h.weight), 0),
                1,
              )}
              , short {pct(-book.holdings.reduce((a, h) => a + Math.min(0, h.weight), 0), 1)}.
            </p>
            <div className="table-wrap holdings-wrap">
              <table className="metrics" data-testid="holdings-table">
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Ticker</th>
                    <th scope="col" className="num">
                      Weight
                    </th>
                    <th scope="col">Side</th>
                  </tr>
                </thead>
                <tbody>
                  {book.holdings.map((h, i) => (
                    <tr key={h.ticker}>
                      <td className="num">{i + 1}</td>
                      <td>
                        <span className="swatch" style={{ background: methodColor(cur.method) }} aria-hidden="true" /> {h.ticker}
                      </td>
                      <td className="num">{pct(h.weight, 2)}</td>
                      <td>{h.weight >= 0 ? 'long' : 'short'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </ChartCard>
    </section>
  );
}
