/**
 * Results › Explain: why a model predicts what it predicts. For the selected trained model, the views that apply to
 * it: the generic attribution views (LRP or gradient x input: per-stock waterfall, top-quintile relevance by factor
 * group over time, the Deep Factor Model paper's Table 5) and the views the model registered from its own folder
 * (src/ui/model-views.ts); then the dataset's industry composition over time.
 */
import { useEffect, useMemo, useState } from 'react';
import { explainedTickers, groupSharesOverTime, stockContribution, tickerStatus } from '../../state/explain-views';
import { pickEntry } from '../../state/entries';
import type { TrainResult } from '../../state/lab-api';
import { latestResults } from '../../state/views';
import { useLab } from '../../state/store';
import { EChart } from '../charts/EChart';
import { attentionOption, groupShareOption, waterfallOption } from '../charts/explain-options';
import { ChartCard, HelpToggle } from '../components/common';
import { modelViews, type ModelViews } from '../model-views';

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const sci = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(4) : v.toExponential(2)) : '–');

function LrpViews({ result: r }: { result: TrainResult }) {
  const ex = r.explanation;
  const dates = useMemo(() => ex?.dates.map((d) => d.date) ?? [], [ex]);
  const [date, setDate] = useState('');
  const day = dates.includes(date) ? date : (dates[dates.length - 1] ?? '');
  const tickers = useMemo(() => explainedTickers(r, day), [r, day]);
  // default stock: the top prediction of the date
  const topTicker = useMemo(() => {
    const d = ex?.dates.find((x) => x.date === day);
    if (!d || !r.tickers) return '';
    let best = 0;
    for (let m = 1; m < d.prediction.length; m++) if (d.prediction[m] > d.prediction[best]) best = m;
    return d.stocks.length ? r.tickers[d.stocks[best]] : '';
  }, [ex, r, day]);
  const [typed, setTyped] = useState('');
  const typedStatus = tickerStatus(r, day, typed);
  // a typed ticker that is not explained shows no stock at all (never another one in its place) and says why
  const ticker = typedStatus === 'ok' ? typed : typedStatus === '' ? topTicker : '';
  const contrib = useMemo(() => (day && ticker ? stockContribution(r, day, ticker) : null), [r, day, ticker]);
  const wf = useMemo(() => (contrib ? waterfallOption(contrib) : null), [contrib]);
  const shares = useMemo(() => groupSharesOverTime(r), [r]);
  const area = useMemo(() => (shares ? groupShareOption(shares) : null), [shares]);
  const note = r.explainNote;

  if (!ex) {
    return (
      <p className="muted small" data-testid="lrp-empty">
        {note ?? `${r.label} carries no explanation.`}
      </p>
    );
  }
  const relSum = contrib ? Object.values(contrib.relevances).reduce((s, v) => s + v, 0) : 0;
  return (
    <>
      <p className="muted small" data-testid="lrp-method">
        {r.label}: {ex.methodLabel} · head k = {ex.horizon} days · {ex.dates.length} explained month-end{ex.dates.length === 1 ? '' : 's'}
        {ex.note ? ` · ${ex.note}` : ''}
        {r.explainNote ? ` · ${r.explainNote}` : ''}
      </p>
      <ChartCard
        testId="lrp-stock"
        title={contrib ? `Why ${contrib.ticker} got ${sci(contrib.prediction)} on ${contrib.date}` : 'Contributions of one stock'}
        help="Each bar is one factor's relevance: how much of the prediction it accounts for (blue pushes it up, red down). Bars start where the previous one ended, so the chain ends at the prediction (purple). The grey bias and ε bars are the part the network's biases and the ε stabiliser keep; 'other factors' pools the smallest."
        controls={
          <div className="field inline">
            <label htmlFor="lrp-date">Date</label>
            <select id="lrp-date" value={day} onChange={(e) => setDate(e.target.value)} data-testid="lrp-date">
              {dates.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
            <label htmlFor="lrp-ticker">Stock</label>
            <input
              id="lrp-ticker"
              list="lrp-tickers"
              placeholder={topTicker}
              value={typed}
              onChange={(e) => setTyped(e.target.value.trim().toUpperCase())}
              data-testid="lrp-ticker"
              size={10}
              aria-invalid={typedStatus === 'absent' || typedStatus === 'unknown' || undefined}
              aria-describedby={typedStatus === 'absent' || typedStatus === 'unknown' ? 'lrp-ticker-error' : undefined}
              title="A ticker of this date's cross-section (the list offers them); empty = the date's top prediction"
            />
            <datalist id="lrp-tickers">
              {tickers.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
          </div>
        }
        empty={
          contrib
            ? null
            : typedStatus === 'unknown'
              ? `"${typed}" is not a ticker of this dataset. Pick one from the list, or clear the box for the date's top prediction.`
              : typedStatus === 'absent'
                ? `"${typed}" is not in the cross-section on ${day} (not listed or not scored that day). Pick another date or stock.`
                : 'No explained stock on this date.'
        }
      >
        {(typedStatus === 'unknown' || typedStatus === 'absent') && (
          <p id="lrp-ticker-error" className="field-error" role="alert" data-testid="lrp-ticker-error">
            {typedStatus === 'unknown' ? `Unknown ticker "${typed}"` : `"${typed}" is not explained on ${day}`}
          </p>
        )}
        {contrib && wf && (
          <>
            <EChart
              id="lrpStock"
              option={wf}
              height={Math.min(560, 90 + 22 * Math.min(Object.keys(contrib.relevances).length + 4, 21))}
              label={`Factor contributions to ${contrib.ticker}'s prediction on ${contrib.date}`}
            />
            <p className="muted small" data-testid="lrp-sum">
              Σ factor relevance {sci(relSum)} + bias {sci(contrib.bias)} + ε {sci(contrib.eps)}
              {Math.abs(contrib.residual) > 1e-9 ? ` + unexplained ${sci(contrib.residual)}` : ''} = prediction {sci(contrib.prediction)}
              {contrib.top ? ' · in the top quintile' : ''}
            </p>
          </>
        )}
      </ChartCard>
      <ChartCard
        testId="lrp-groups"
        title="Top-quintile portfolio: relevance by factor group over time"
        help="At each explained date, the stocks in the top fifth of the prediction form the portfolio; its relevance is their mean relevance (paper §3.3). Each band is a group's share of the absolute relevance, so the bands add up to 100% (paper Figure 3)."
        empty={shares && shares.dates.length ? null : 'No explained dates.'}
      >
        {area && (
          <EChart
            id="lrpGroupShares"
            option={area}
            height={240}
            label="Share of the top-quintile portfolio's relevance per factor group over time"
          />
        )}
      </ChartCard>
      <ChartCard
        testId="lrp-table5"
        title="Correlation vs relevance per factor group (paper Table 5)"
        help="Spearman and Kendall: rank correlation, across the top-quintile stocks, between each factor of the group and the prediction, averaged over the group's factors and the explained dates (as the paper); 'composite' correlates the group's mean factor instead. LRP share: the group's share of the portfolio's relevance. A group can matter a lot to the model yet correlate weakly with its output (it interacts with others, or its effect is non-monotonic), or correlate strongly yet carry little relevance (it rides along with a group that does the work)."
      >
        <div className="table-wrap">
          <table className="metrics wrap-head" data-testid="table5">
            <thead>
              <tr>
                <th scope="col">Factor group</th>
                <th title="mean over the group's factors of Spearman(factor, prediction)">Spearman</th>
                <th title="mean over the group's factors of Kendall tau-b(factor, prediction)">Kendall</th>
                <th title="Spearman(group composite, prediction)">Spearman (composite)</th>
                <th title="Kendall tau-b(group composite, prediction)">Kendall (composite)</th>
                <th>LRP share %</th>
                <th>signed share %</th>
              </tr>
            </thead>
            <tbody>
              {ex.table5.map((row) => (
                <tr key={row.group}>
                  <th scope="row">{row.group}</th>
                  <td className="num">{f3(row.spearman)}</td>
                  <td className="num">{f3(row.kendall)}</td>
                  <td className="num">{f3(row.spearmanComposite)}</td>
                  <td className="num">{f3(row.kendallComposite)}</td>
                  <td className="num">{f1(row.lrpShare)}</td>
                  <td className="num">{f1(row.signedShare)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </ChartCard>
    </>
  );
}

/** The generic attribution views: any result with an explanation (or a note saying why there is none). */
export const attributionViews: ModelViews = {
  id: 'attribution',
  title: 'Attribution: LRP or gradient x input',
  applies: (r) => !!r.explanation || !!r.explainNote,
  Component: LrpViews,
};

/** every registration, generic first */
export const allViews: ModelViews[] = [attributionViews, ...modelViews];

/** Latest result per model that has at least one view, with the views that apply to it. */
export function explainable(results: TrainResult[]): { result: TrainResult; views: ModelViews[] }[] {
  return latestResults(results)
    .map((result) => ({ result, views: allViews.filter((v) => v.applies(result)) }))
    .filter((x) => x.views.length > 0);
}

/** The dataset's industry shares at month ends (DMFM Figure 4): data, not a model, so it shows for any run. */
function IndustryComposition() {
  const summary = useLab((s) => s.summary);
  const prop = useMemo(() => {
    const ip = summary?.industryProportion;
    if (!ip || ip.dates.length === 0) return null;
    return attentionOption(
      ip.industries,
      ip.dates.map((d) => d.slice(0, 7)),
      ip.share,
      'month end',
      'share of stocks',
    );
  }, [summary]);
  return (
    <ChartCard
      testId="industry-proportion"
      title="Industry composition over time (DMFM Figure 4)"
      help="Share of the cross-section in each industry at each month end. The industry graph links stocks of the same industry, so a large industry gives its members many same-industry edges (the edges-per-stock chart of the dataset summary)."
      empty={prop ? null : 'Load a dataset with industries to see their shares over time.'}
    >
      {prop && (
        <EChart
          id="industryProportion"
          option={prop}
          height={Math.min(560, 90 + 18 * (summary?.industryProportion?.industries.length ?? 1))}
          label="Share of stocks per industry at each month end"
        />
      )}
    </ChartCard>
  );
}

/**
 * The views of one trained entry, chosen in a selector when several entries have views (default: the latest). Chosen
 * by display label, so two entries of one model (factorvae, factorvae-prior; two seeds) each show their own views.
 */
function ModelSelectorViews() {
  const results = useLab((s) => s.results);
  const items = useMemo(() => explainable(results), [results]);
  const [picked, setPicked] = useState('');
  const latest = items[items.length - 1]?.result.label ?? '';
  // a newly trained entry becomes the selection
  useEffect(() => setPicked(latest), [latest]);
  const cur = pickEntry(items, picked, (x) => x.result.label);
  if (!cur)
    return (
      <p className="muted small" data-testid="explain-empty">
        Train a model to see why it predicts what it predicts.
      </p>
    );
  return (
    <>
      {items.length > 1 && (
        <div className="field inline" data-testid="explain-model-field">
          <label htmlFor="explain-model">Model</label>
          <select id="explain-model" value={cur.result.label} onChange={(e) => setPicked(e.target.value)} data-testid="explain-model">
            {items.map((x) => (
              <option key={x.result.label} value={x.result.label}>
                {x.result.label}
              </option>
            ))}
          </select>
        </div>
      )}
      {cur.views.map((v) => (
        <div key={v.id} data-testid={`views-${v.id}`}>
          <h4>
            {v.title}: {cur.result.label}
          </h4>
          <v.Component result={cur.result} />
        </div>
      ))}
    </>
  );
}

export function ExplainSection() {
  return (
    <section className="explain" data-testid="explain-section" aria-labelledby="explain-title">
      <div className="heading-row" data-testid="explain-heading">
        <h3 id="explain-title">Explain</h3>
        <HelpToggle title="How to read these explanations">
          <p>
            <b>LRP (layer-wise relevance propagation)</b> runs the prediction backwards through the network: each layer hands its output's
            relevance to its inputs in proportion to what each input contributed (z_ij = x_i w_ij), until every input factor holds a share.
            For a linear model this is exactly w × x. The <b>ε-rule</b> adds a small ε to each denominator so near-zero sums do not explode;
            what the biases and ε absorb is shown as separate bars, so factors + bias + ε = prediction. The <b>z-rule</b> (paper Eq. 6)
            redistributes the biases onto the inputs, so the factors alone add up to the prediction, at the price of instability where a
            neuron's input sums to about zero.
          </p>
          <p>
            <b>Relevance vs correlation</b>: relevance says what the model used for this prediction; correlation says how the group moves
            with the prediction across stocks. They disagree when factors interact, when a factor's effect flips sign between stocks, or
            when correlated groups ride along with the one the model actually reads (Table 5).
          </p>
          <p>
            Graph and attention models (DMFM, MGAT) mix stocks through attention layers LRP cannot pass; the lab shows their own view
            instead. <b>DMFM factor attention</b> is the weight each input factor gets in the attention estimate f-hat_k = F a-bar_k of each
            deep factor; the faithfulness chart says how closely that estimate follows the deep factor.
          </p>
        </HelpToggle>
      </div>
      <ModelSelectorViews />
      <IndustryComposition />
    </section>
  );
}
