/**
 * Results › Explain: why a model predicts what it predicts. LRP views (per-stock waterfall, top-quintile relevance by
 * factor group over time, the Deep Factor Model paper's Table 5) and the DMFM views (factor attention heat map,
 * faithfulness of the attention estimate, industry composition over time).
 */
import { useMemo, useState } from 'react';
import { dmfmResult, estimateComparison, explainedResult, explainedTickers, groupSharesOverTime, meanAttention, stockContribution, type EstimateComparison } from '../../state/explain-views';
import { useLab } from '../../state/store';
import { EChart } from '../charts/EChart';
import { attentionOption, estimatePortfolioOption, faithfulnessOption, groupShareOption, waterfallOption } from '../charts/explain-options';
import { methodColor } from '../colors';
import { ChartCard, HelpToggle } from '../components/common';
import { fmtMetric } from '../format';

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const sci = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(4) : v.toExponential(2)) : '–');

function LrpViews() {
  const results = useLab((s) => s.results);
  const r = useMemo(() => explainedResult(results), [results]);
  const ex = r?.explanation;
  const dates = useMemo(() => ex?.dates.map((d) => d.date) ?? [], [ex]);
  const [date, setDate] = useState('');
  const day = dates.includes(date) ? date : dates[dates.length - 1] ?? '';
  const tickers = useMemo(() => (r ? explainedTickers(r, day) : []), [r, day]);
  // default stock: the top prediction of the date
  const topTicker = useMemo(() => {
    const d = ex?.dates.find((x) => x.date === day);
    if (!d || !r?.tickers) return '';
    let best = 0;
    for (let m = 1; m < d.prediction.length; m++) if (d.prediction[m] > d.prediction[best]) best = m;
    return d.stocks.length ? r.tickers[d.stocks[best]] : '';
  }, [ex, r, day]);
  const [typed, setTyped] = useState('');
  const ticker = tickers.includes(typed) ? typed : topTicker;
  const contrib = useMemo(() => (r && day && ticker ? stockContribution(r, day, ticker) : null), [r, day, ticker]);
  const wf = useMemo(() => (contrib ? waterfallOption(contrib) : null), [contrib]);
  const shares = useMemo(() => (r ? groupSharesOverTime(r) : null), [r]);
  const area = useMemo(() => (shares ? groupShareOption(shares) : null), [shares]);
  const note = [...results].reverse().find((x) => x.explainNote)?.explainNote;

  if (!r || !ex) {
    return <p className="muted small" data-testid="lrp-empty">{note ?? 'Train a Deep Factor Model (DFM), MLP or linear model to see its LRP explanation here.'}</p>;
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
                <option key={d} value={d}>{d}</option>
              ))}
            </select>
            <label htmlFor="lrp-ticker">Stock</label>
            <input id="lrp-ticker" list="lrp-tickers" placeholder={topTicker} value={typed} onChange={(e) => setTyped(e.target.value.trim().toUpperCase())} data-testid="lrp-ticker" size={10} />
            <datalist id="lrp-tickers">
              {tickers.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
          </div>
        }
        empty={contrib ? null : 'No explained stock on this date.'}
      >
        {contrib && wf && (
          <>
            <EChart id="lrpStock" option={wf} height={Math.min(560, 90 + 22 * Math.min(Object.keys(contrib.relevances).length + 4, 21))} label={`Factor contributions to ${contrib.ticker}'s prediction on ${contrib.date}`} />
            <p className="muted small" data-testid="lrp-sum">
              Σ factor relevance {sci(relSum)} + bias {sci(contrib.bias)} + ε {sci(contrib.eps)}
              {Math.abs(contrib.residual) > 1e-9 ? ` + unexplained ${sci(contrib.residual)}` : ''} = prediction {sci(contrib.prediction)}
              {contrib.top ? ' · in the top quintile' : ''}
              {typed && !tickers.includes(typed) ? ` · "${typed}" is not in this date's cross-section; showing ${ticker}` : ''}
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
        {area && <EChart id="lrpGroupShares" option={area} height={240} label="Share of the top-quintile portfolio's relevance per factor group over time" />}
      </ChartCard>
      <ChartCard
        testId="lrp-table5"
        title="Correlation vs relevance per factor group (paper Table 5)"
        help="Spearman and Kendall: rank correlation, across the top-quintile stocks, between each factor of the group and the prediction, averaged over the group's factors and the explained dates (as the paper); 'composite' correlates the group's mean factor instead. LRP share: the group's share of the portfolio's relevance. A group can matter a lot to the model yet correlate weakly with its output (it interacts with others, or its effect is non-monotonic), or correlate strongly yet carry little relevance (it rides along with a group that does the work)."
      >
        <div className="table-wrap">
          <table className="metrics" data-testid="table5">
            <thead>
              <tr>
                <th>Factor group</th>
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
                  <th>{row.group}</th>
                  <td>{f3(row.spearman)}</td>
                  <td>{f3(row.kendall)}</td>
                  <td>{f3(row.spearmanComposite)}</td>
                  <td>{f3(row.kendallComposite)}</td>
                  <td>{f1(row.lrpShare)}</td>
                  <td>{f1(row.signedShare)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </ChartCard>
    </>
  );
}

/** A short line sample (solid or dashed) in the method's colour, as the chart draws it. */
const LineKey = ({ color, dashed }: { color: string; dashed: boolean }) => (
  <span aria-hidden="true" style={{ display: 'inline-block', width: 22, marginRight: 8, verticalAlign: 'middle', borderTop: `2.5px ${dashed ? 'dashed' : 'solid'} ${color}` }} />
);

/** DMFM: the deep factor f_k's portfolio next to its attention estimate f-hat_k's (table + cumulative excess). */
function EstimateCard({ c, faith }: { c: EstimateComparison | null; faith: number }) {
  const opt = useMemo(() => (c ? estimatePortfolioOption(c) : null), [c]);
  const color = methodColor(c?.rows[0].method ?? 'dmfm');
  const [f, fh] = c ? [c.rows[0].values, c.rows[1].values] : [{}, {}] as Record<string, number>[];
  const alphaCol = c?.columns.find((x) => x.key === 'alpha');
  return (
    <ChartCard
      testId="dmfm-estimate"
      title="Deep factor vs its attention estimate"
      help="Both portfolios use the same strategy, dates and costs: one ranks stocks by the deep factor f_k, the other by its attention estimate f-hat_k = F a-bar_k. If f-hat earns about what f earns, the attention weights capture what the deep factor trades on; a big gap means the deep factor uses non-linear or industry / universe graph information the attention weights do not show."
      empty={c ? null : 'This DMFM result has no attention-estimate portfolio (train it again).'}
    >
      {c && opt && (
        <>
          <div className="table-wrap">
            <table className="metrics" data-testid="dmfm-estimate-table">
              <thead>
                <tr>
                  <th>Portfolio ranked by</th>
                  {c.columns.map((col) => (
                    <th key={col.key} title={col.help}>{col.label}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {c.rows.map((row) => (
                  <tr key={row.key} data-testid={`dmfm-estimate-row-${row.key}`}>
                    <th><LineKey color={color} dashed={row.key === 'fhat'} />{row.label}</th>
                    {c.columns.map((col) => (
                      <td key={col.key} className="num" data-key={col.key} data-value={String(row.values[col.key])}>{fmtMetric(row.values[col.key], col)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <EChart id="dmfmEstimatePortfolio" option={opt} height={240} label="Cumulative excess return of the deep factor's portfolio and of its attention estimate's" />
          <p className="muted small" data-testid="dmfm-estimate-note">
            Excess over the benchmark ({c.benchmark}); head k = {c.head} scores the strategy horizon of {c.horizon} days.
            {alphaCol && Number.isFinite(f.alpha) && Number.isFinite(fh.alpha) ? ` Annualised excess return ${fmtMetric(f.alpha, alphaCol)}% (f) vs ${fmtMetric(fh.alpha, alphaCol)}% (f-hat).` : ''}
            {Number.isFinite(faith) ? ` corr(f_k, f-hat_k) = ${faith.toFixed(2)}.` : ''}
          </p>
        </>
      )}
    </ChartCard>
  );
}

function DmfmViews() {
  const results = useLab((s) => s.results);
  const summary = useLab((s) => s.summary);
  const r = useMemo(() => dmfmResult(results), [results]);
  const [level, setLevel] = useState<'groups' | 'factors'>('groups');
  const [hz, setHz] = useState<string>('all');
  const att = useMemo(() => (r?.dmfm ? meanAttention(r.dmfm) : null), [r]);
  const heat = useMemo(() => {
    if (!r?.dmfm || !att) return null;
    const rows = level === 'groups' ? att.groups : att.factors;
    const pick = (w: { weights: number[][]; groupWeights: number[][] }) => (level === 'groups' ? w.groupWeights : w.weights);
    const k = att.horizons.indexOf(Number(hz));
    if (hz === 'all' || k < 0) return attentionOption(rows, att.horizons.map(String), pick(att), 'horizon k (trading days)');
    // one horizon over the test periods
    return attentionOption(rows, r.dmfm.map((p) => p.start.slice(0, 7)), r.dmfm.map((p) => pick(p)[k]), `test period (k = ${hz})`);
  }, [r, att, level, hz]);
  const faith = useMemo(() => (att ? faithfulnessOption(att.faithfulness) : null), [att]);
  const est = useMemo(() => (r ? estimateComparison(r) : null), [r]);
  const prop = useMemo(() => {
    const ip = summary?.industryProportion;
    if (!ip || ip.dates.length === 0) return null;
    return attentionOption(ip.industries, ip.dates.map((d) => d.slice(0, 7)), ip.share, 'month end', 'share of stocks');
  }, [summary]);
  return (
    <>
      {!r || !att || !heat ? (
        <p className="muted small" data-testid="dmfm-empty">Train the DMFM to see its factor attention and how faithful the attention estimate is.</p>
      ) : (
        <div className="chart-grid">
          <ChartCard
            testId="dmfm-attention"
            title={`DMFM factor attention${hz === 'all' ? ' per horizon' : `, k = ${hz}, per test period`}`}
            help="a-bar_k (paper Eq. 11): for each deep factor f_k, a softmax over the input factors says how much of f_k each input factor accounts for, averaged over the stocks and the test dates. A column sums to 1; groups sum their factors' weights. Hover a cell for the number."
            controls={
              <div className="field inline">
                <select aria-label="Rows" value={level} onChange={(e) => setLevel(e.target.value as 'groups' | 'factors')} data-testid="dmfm-level">
                  <option value="groups">factor groups</option>
                  <option value="factors">factors</option>
                </select>
                <select aria-label="Horizon" value={hz} onChange={(e) => setHz(e.target.value)} data-testid="dmfm-horizon">
                  <option value="all">all horizons</option>
                  {att.horizons.map((k) => (
                    <option key={k} value={String(k)}>k = {k}</option>
                  ))}
                </select>
              </div>
            }
          >
            <EChart id="dmfmAttention" option={heat} height={Math.min(620, 90 + 22 * (level === 'groups' ? att.groups.length : att.factors.length))} label="DMFM mean factor attention" />
          </ChartCard>
          <ChartCard
            testId="dmfm-faithfulness"
            title="Faithfulness: corr(f_k, f-hat_k)"
            help="f-hat_k = F a-bar_k is the attention's linear estimate of the deep factor. The correlation across stocks (mean over test dates and periods) says how much of f_k the attention weights explain: near 1, read the heat map as the factor's recipe; near 0, the deep factor relies on things the attention does not show (non-linear mixes, the industry and universe context)."
          >
            {faith && <EChart id="dmfmFaithfulness" option={faith} height={220} label="Correlation of each deep factor with its attention estimate" />}
          </ChartCard>
        </div>
      )}
      {r && att && <EstimateCard c={est} faith={att.faithfulness.find((x) => x.horizon === est?.head)?.corr ?? NaN} />}
      <ChartCard
        testId="industry-proportion"
        title="Industry composition over time (DMFM Figure 4)"
        help="Share of the cross-section in each industry at each month end. The industry graph links stocks of the same industry, so a large industry gives its members many same-industry edges (the edges-per-stock chart of the dataset summary)."
        empty={prop ? null : 'Load a dataset with industries to see their shares over time.'}
      >
        {prop && <EChart id="industryProportion" option={prop} height={Math.min(560, 90 + 18 * (summary?.industryProportion?.industries.length ?? 1))} label="Share of stocks per industry at each month end" />}
      </ChartCard>
    </>
  );
}

export function ExplainSection() {
  return (
    <section className="explain" data-testid="explain-section">
      <h3>Explain</h3>
      <HelpToggle title="How to read these explanations">
        <p>
          <b>LRP (layer-wise relevance propagation)</b> runs the prediction backwards through the network: each layer hands its output's relevance to its inputs in proportion to what each input
          contributed (z_ij = x_i w_ij), until every input factor holds a share. For a linear model this is exactly w × x. The <b>ε-rule</b> adds a small ε to each denominator so near-zero
          sums do not explode; what the biases and ε absorb is shown as separate bars, so factors + bias + ε = prediction. The <b>z-rule</b> (paper Eq. 6) redistributes the biases onto the
          inputs, so the factors alone add up to the prediction, at the price of instability where a neuron's input sums to about zero.
        </p>
        <p>
          <b>Relevance vs correlation</b>: relevance says what the model used for this prediction; correlation says how the group moves with the prediction across stocks. They disagree
          when factors interact, when a factor's effect flips sign between stocks, or when correlated groups ride along with the one the model actually reads (Table 5).
        </p>
        <p>
          Graph and attention models (DMFM, MGAT) mix stocks through attention layers LRP cannot pass; the lab shows their own view instead. <b>DMFM factor attention</b> is the weight each input
          factor gets in the attention estimate f-hat_k = F a-bar_k of each deep factor; the faithfulness chart says how closely that estimate follows the deep factor.
        </p>
      </HelpToggle>
      <h4>LRP views</h4>
      <LrpViews />
      <h4>DMFM views</h4>
      <DmfmViews />
    </section>
  );
}
