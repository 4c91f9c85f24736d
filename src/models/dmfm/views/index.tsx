/**
 * DMFM's Explain views (registered for the ui by src/ui/model-views.ts from this folder): the factor attention heat
 * map per horizon or test period (paper Figure 2), the faithfulness of the attention estimate, and the deep factor's
 * portfolio next to its attention estimate's.
 */
import { useMemo, useState } from 'react';
import type { TrainResult } from '../../../state/lab-api';
import { EChart } from '../../../ui/charts/EChart';
import { attentionOption } from '../../../ui/charts/explain-options';
import { methodColor } from '../../../ui/colors';
import { ChartCard } from '../../../ui/components/common';
import { fmtMetric } from '../../../ui/format';
import type { ModelViews } from '../../../ui/model-views';
import { estimatePortfolioOption, faithfulnessOption } from './charts';
import { dmfmPeriods, dmfmResult, estimateComparison, meanAttention, type EstimateComparison } from './data';

/** A short line sample (solid or dotted) in the method's colour, as the chart draws it. */
const LineKey = ({ color, dotted }: { color: string; dotted: boolean }) => (
  <span
    aria-hidden="true"
    style={{
      display: 'inline-block',
      width: 22,
      marginRight: 8,
      verticalAlign: 'middle',
      borderTop: `2.5px ${dotted ? 'dotted' : 'solid'} ${color}`,
    }}
  />
);

/** DMFM: the deep factor f_k's portfolio next to its attention estimate f-hat_k's (table + cumulative excess). */
function EstimateCard({ c, faith }: { c: EstimateComparison | null; faith: number }) {
  const opt = useMemo(() => (c ? estimatePortfolioOption(c) : null), [c]);
  const color = methodColor(c?.rows[0].method ?? '');
  const [f, fh] = c ? [c.rows[0].values, c.rows[1].values] : ([{}, {}] as Record<string, number>[]);
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
                    <th key={col.key} title={col.help}>
                      {col.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {c.rows.map((row) => (
                  <tr key={row.key} data-testid={`dmfm-estimate-row-${row.key}`}>
                    <th>
                      <LineKey color={color} dotted={row.key === 'fhat'} />
                      {row.label}
                    </th>
                    {c.columns.map((col) => (
                      <td key={col.key} className="num" data-key={col.key} data-value={String(row.values[col.key])}>
                        {fmtMetric(row.values[col.key], col)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <EChart
            id="dmfmEstimatePortfolio"
            option={opt}
            height={240}
            label="Cumulative excess return of the deep factor's portfolio and of its attention estimate's"
          />
          <p className="muted small" data-testid="dmfm-estimate-note">
            Excess over the benchmark ({c.benchmark}); head k = {c.head} scores the strategy horizon of {c.horizon} days.
            {alphaCol && Number.isFinite(f.alpha) && Number.isFinite(fh.alpha)
              ? ` Annualised excess return ${fmtMetric(f.alpha, alphaCol)}% (f) vs ${fmtMetric(fh.alpha, alphaCol)}% (f-hat).`
              : ''}
            {Number.isFinite(faith) ? ` corr(f_k, f-hat_k) = ${faith.toFixed(2)}.` : ''}
          </p>
        </>
      )}
    </ChartCard>
  );
}

/** DMFM's views of one trained result: attention heat map, faithfulness, f vs f-hat portfolio. */
function DmfmViews({ result: r }: { result: TrainResult }) {
  const periods = useMemo(() => dmfmPeriods(r), [r]);
  const [level, setLevel] = useState<'groups' | 'factors'>('groups');
  const [hz, setHz] = useState<string>('all');
  const att = useMemo(() => (periods ? meanAttention(periods) : null), [periods]);
  const heat = useMemo(() => {
    if (!periods || !att) return null;
    const rows = level === 'groups' ? att.groups : att.factors;
    const pick = (w: { weights: number[][]; groupWeights: number[][] }) => (level === 'groups' ? w.groupWeights : w.weights);
    const k = att.horizons.indexOf(Number(hz));
    if (hz === 'all' || k < 0) return attentionOption(rows, att.horizons.map(String), pick(att), 'horizon k (trading days)');
    // one horizon over the test periods
    return attentionOption(
      rows,
      periods.map((p) => p.start.slice(0, 7)),
      periods.map((p) => pick(p)[k]),
      `test period (k = ${hz})`,
    );
  }, [periods, att, level, hz]);
  const faith = useMemo(() => (att ? faithfulnessOption(att.faithfulness) : null), [att]);
  const est = useMemo(() => estimateComparison(r), [r]);
  return (
    <>
      {!att || !heat ? (
        <p className="muted small" data-testid="dmfm-empty">
          Train the DMFM to see its factor attention and how faithful the attention estimate is.
        </p>
      ) : (
        <div className="chart-grid">
          <ChartCard
            testId="dmfm-attention"
            title={`DMFM factor attention${hz === 'all' ? ' per horizon' : `, k = ${hz}, per test period`}`}
            help="a-bar_k (paper Eq. 11): for each deep factor f_k, a softmax over the input factors says how much of f_k each input factor accounts for, averaged over the stocks and the test dates. A column sums to 1; groups sum their factors' weights. Hover a cell for the number."
            controls={
              <div className="field inline">
                <select
                  aria-label="Rows"
                  value={level}
                  onChange={(e) => setLevel(e.target.value as 'groups' | 'factors')}
                  data-testid="dmfm-level"
                >
                  <option value="groups">factor groups</option>
                  <option value="factors">factors</option>
                </select>
                <select aria-label="Horizon" value={hz} onChange={(e) => setHz(e.target.value)} data-testid="dmfm-horizon">
                  <option value="all">all horizons</option>
                  {att.horizons.map((k) => (
                    <option key={k} value={String(k)}>
                      k = {k}
                    </option>
                  ))}
                </select>
              </div>
            }
          >
            <EChart
              id="dmfmAttention"
              option={heat}
              height={Math.min(620, 90 + 22 * (level === 'groups' ? att.groups.length : att.factors.length))}
              label="DMFM mean factor attention"
            />
          </ChartCard>
          <ChartCard
            testId="dmfm-faithfulness"
            title="Faithfulness: corr(f_k, f-hat_k)"
            help="f-hat_k = F a-bar_k is the attention's linear estimate of the deep factor. The correlation across stocks (mean over test dates and periods) says how much of f_k the attention weights explain: near 1, read the heat map as the factor's recipe; near 0, the deep factor relies on things the attention does not show (non-linear mixes, the industry and universe context)."
          >
            {faith && (
              <EChart
                id="dmfmFaithfulness"
                option={faith}
                height={220}
                label="Correlation of each deep factor with its attention estimate"
              />
            )}
          </ChartCard>
        </div>
      )}
      {att && <EstimateCard c={est} faith={att.faithfulness.find((x) => x.horizon === est?.head)?.corr ?? NaN} />}
    </>
  );
}

/** DMFM's registration: its views for DMFM results, and `window.__lab.dmfm()` for the browser tests. */
export const views: ModelViews = {
  id: 'dmfm',
  title: 'DMFM views',
  applies: (r) => r.model === 'dmfm',
  Component: DmfmViews,
  testApi: {
    dmfm: (results) => {
      const r = dmfmResult(results);
      const p = r ? dmfmPeriods(r) : undefined;
      if (!p) return null;
      const a = meanAttention(p);
      return {
        horizons: a.horizons,
        groups: a.groups,
        groupWeights: a.groupWeights,
        faithfulness: a.faithfulness.map((f) => ({ horizon: f.horizon, corr: f.corr })),
      };
    },
  },
};
