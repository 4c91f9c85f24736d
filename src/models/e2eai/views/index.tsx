/**
 * E2EAI's views (registered for the ui by src/ui/model-views.ts from this folder): Table 1 (ad-hoc and automatic
 * construction, per universe, best and second best marked), the directional contributions and the gate's selections
 * over time (Figure 2), the monotonicity of the deep factor and its attention estimate (Figure 3), and the learned
 * portfolio's weights (holdings over time, weights against the cap).
 */
import { Fragment, useEffect, useMemo, useState } from 'react';
import type { TrainResult } from '../../../state/lab-api';
import { labApi } from '../../../state/api';
import { useLab } from '../../../state/store';
import { EChart } from '../../../ui/charts/EChart';
import { methodColor } from '../../../ui/colors';
import { ChartCard } from '../../../ui/components/common';
import { fmtMetric } from '../../../ui/format';
import type { ModelViews } from '../../../ui/model-views';
import { AUTO_STRATEGY } from '../presets';
import { decileOption, holdingsOption, periodHeatOption, weightHistogramOption } from './charts';
import { AUTO_MODELS, TABLE1_COLUMNS, byGroup, e2eaiDates, monotonicity, semiAnnualMean, table1, weightStats } from './data';

const capOf = (r: TrainResult) => Number(r.run.config?.theta ?? AUTO_STRATEGY.cap ?? 0.1);

/** the session's results re-evaluated with the model-weighted strategy (Table 1's automatic block), by result label */
const autoCache = new Map<TrainResult, TrainResult>();

function useAutoResults(results: TrainResult[]): { auto: TrainResult[]; note: string | null } {
  const [auto, setAuto] = useState<TrainResult[]>([]);
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const todo = results.filter((r) => AUTO_MODELS.includes(r.model) && r.scores?.channels?.weight);
    (async () => {
      const api = labApi();
      if (!api.evaluate) {
        setNote('This engine cannot re-evaluate results: the automatic block is empty.');
        return;
      }
      const out: TrainResult[] = [];
      for (const r of todo) {
        let a = autoCache.get(r);
        if (!a) {
          a = await api.evaluate(r, { ...r.run, strategy: { ...AUTO_STRATEGY, horizon: r.run.strategy.horizon ?? 20, cap: capOf(r) } });
          autoCache.set(r, a);
        }
        out.push(a);
      }
      if (live) {
        setAuto(out);
        setNote(null);
      }
    })().catch((e: unknown) => live && setNote(`Automatic block: ${e instanceof Error ? e.message : String(e)}`));
    return () => {
      live = false;
    };
  }, [results]);
  return { auto, note };
}

function Table1Card({ results }: { results: TrainResult[] }) {
  const { auto, note } = useAutoResults(results);
  const t = useMemo(() => table1(results, auto), [results, auto]);
  return (
    <ChartCard
      testId="e2eai-table1"
      title="Table 1: ad-hoc vs automatic portfolio construction"
      help="The paper's Table 1 on this session's results. Ad-hoc: each method's score ranked into deciles, the top decile held equally weighted (the run's strategy); E2E_d is E2EAI's deep factor, E2E_l its directional attention estimate. Automatic: the portfolio weights themselves through the model-weighted strategy, capped per stock (E2E_auto: the learned weights; S-*: the stepwise pipelines' weights). α annualised excess return, IR information ratio, MD maximum drawdown of the cumulative excess return, TT turnover per rebalance, n̄ average holdings. Bold: best in its block and universe; underlined: second best. Train with Compare methods (E2EAI Quick) to fill it."
      empty={t.blocks.every((b) => !b.rows.length) ? 'No results yet.' : null}
    >
      <div className="table-wrap">
        <table className="metrics" data-testid="e2eai-table1-table">
          <thead>
            <tr>
              <th rowSpan={2}>Method</th>
              {t.universes.map((u) => (
                <th key={u} colSpan={TABLE1_COLUMNS.length}>
                  {u}
                </th>
              ))}
            </tr>
            <tr>
              {t.universes.map((u) =>
                TABLE1_COLUMNS.map((c) => (
                  <th key={`${u}-${c.key}`} title={c.help}>
                    {c.label}
                  </th>
                )),
              )}
            </tr>
          </thead>
          <tbody>
            {t.blocks.map((b) => (
              <Fragment key={b.title}>
                <tr>
                  <th colSpan={1 + t.universes.length * TABLE1_COLUMNS.length} className="muted small">
                    {b.title}
                  </th>
                </tr>
                {b.rows.map((row) => (
                  <tr key={row.key} data-testid={`e2eai-table1-row-${row.label}`}>
                    <th style={{ color: methodColor(row.model) }}>{row.label}</th>
                    {t.universes.map((u) =>
                      TABLE1_COLUMNS.map((c) => {
                        const m = b.marks[u]?.[c.key];
                        const v = row.values[u]?.[c.key];
                        const best = m?.best === row.key,
                          second = m?.second === row.key;
                        return (
                          <td
                            key={`${u}-${c.key}`}
                            className="num"
                            data-key={c.key}
                            data-value={String(v)}
                            data-mark={best ? 'best' : second ? 'second' : ''}
                            style={{ fontWeight: best ? 700 : undefined, textDecoration: second ? 'underline' : undefined }}
                          >
                            {fmtMetric(v, c)}
                          </td>
                        );
                      }),
                    )}
                  </tr>
                ))}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {note && <p className="muted small">{note}</p>}
    </ChartCard>
  );
}

function E2eaiViews({ result: r }: { result: TrainResult }) {
  const results = useLab((s) => s.results);
  const pd = useMemo(() => e2eaiDates(r), [r]);
  const [level, setLevel] = useState<'groups' | 'factors'>('groups');
  const contrib = useMemo(() => {
    if (!pd) return null;
    const f = semiAnnualMean(pd.dates, pd.contribution, pd.factors);
    return level === 'groups' ? byGroup(f, pd.factorGroups) : f;
  }, [pd, level]);
  const sel = useMemo(() => (pd ? semiAnnualMean(pd.dates, pd.selected, pd.factors) : null), [pd]);
  const mono = useMemo(() => monotonicity(r), [r]);
  const ws = useMemo(() => weightStats(r, capOf(r), pd?.dates), [r, pd]);
  const color = methodColor(r.model);
  return (
    <>
      <Table1Card results={results} />
      {!pd || !contrib || !sel ? (
        <p className="muted small" data-testid="e2eai-empty">
          Train E2EAI to see its directional contributions, factor selections and weights.
        </p>
      ) : (
        <div className="chart-grid">
          <ChartCard
            testId="e2eai-directional"
            title="Directional contribution a-bar o d (Figure 2)"
            help="Signed attention of the deep factor's attention estimate (eq. 8): a-bar_k times the direction d from the directional buffer, mean over heads and over each test half-year. Blue: the factor enters positively, red: negatively. Groups sum their factors (opposite members offset)."
            controls={
              <select
                aria-label="Rows"
                value={level}
                onChange={(e) => setLevel(e.target.value as 'groups' | 'factors')}
                data-testid="e2eai-level"
              >
                <option value="groups">factor groups</option>
                <option value="factors">factors</option>
              </select>
            }
          >
            <EChart
              id="e2eaiDirectional"
              option={periodHeatOption(contrib, 'signed attention', true)}
              height={Math.min(640, 100 + 20 * contrib.rows.length)}
              label="E2EAI directional contributions per half-year"
            />
          </ChartCard>
          <ChartCard
            testId="e2eai-selection"
            title="Factor selection timeline (gate, eq. 1)"
            help="Share of each half-year's test dates on which the factor-selection gate kept the factor (selection attention >= gamma_f / m). 1: always selected; 0: never."
          >
            <EChart
              id="e2eaiSelection"
              option={periodHeatOption(sel, 'share of dates selected', false)}
              height={Math.min(640, 100 + 20 * sel.rows.length)}
              label="E2EAI factor selection share per half-year"
            />
          </ChartCard>
        </div>
      )}
      <div className="chart-grid">
        <ChartCard
          testId="e2eai-monotonicity"
          title="Monotonicity of E2E_d and E2E_l (Figure 3)"
          help="Mean forward return (the strategy horizon) per decile of the deep factor and of its directional attention estimate, over the test dates of the run's universe (1 = lowest score). A rising staircase: the score orders returns; similar bars: the attention estimate explains the deep factor's ranking."
          empty={mono.length ? null : 'No decile returns in this result.'}
        >
          <EChart id="e2eaiMonotonicity" option={decileOption(mono, color)} height={260} label="Mean return per score decile" />
          <p className="muted small" data-testid="e2eai-monotonicity-note">
            {mono
              .map((m) => `${m.label}: Spearman(decile, mean) = ${Number.isFinite(m.monotonicity) ? m.monotonicity.toFixed(2) : '–'}`)
              .join('; ')}
          </p>
        </ChartCard>
        <ChartCard
          testId="e2eai-weights"
          title="Learned portfolio weights"
          help="E2E_auto's weights per test date (strategy horizon's head, after the exact capped-simplex projection): stocks held, the effective number of stocks 1/Σw², and the largest weight against the cap theta; below, how the weights are spread between 0 and the cap."
          empty={ws ? null : 'This result has no weight channel.'}
        >
          {ws && (
            <>
              <EChart
                id="e2eaiHoldings"
                option={holdingsOption(ws, r.model)}
                height={240}
                label="Stocks held and largest weight per date"
              />
              <EChart
                id="e2eaiWeightHist"
                option={weightHistogramOption(ws, r.model)}
                height={200}
                label="Distribution of the weights against the cap"
              />
            </>
          )}
        </ChartCard>
      </div>
    </>
  );
}

/** E2EAI's registration: its views for E2EAI results, and `window.__lab.e2eai()` for the browser tests. */
export const views: ModelViews = {
  id: 'e2eai',
  title: 'E2EAI views',
  applies: (r) => r.model === 'e2eai',
  Component: E2eaiViews,
  testApi: {
    e2eai: (results) => {
      const r = results.find((x) => x.model === 'e2eai');
      if (!r) return null;
      const pd = e2eaiDates(r);
      const ws = weightStats(r, capOf(r), pd?.dates);
      const t = table1(
        results,
        [...autoCache.values()].filter((a) => results.some((x) => autoCache.get(x) === a)),
      );
      return {
        table1: t.blocks.map((b) => ({ title: b.title, rows: b.rows.map((x) => ({ label: x.label, values: x.values })) })),
        directional: pd ? byGroup(semiAnnualMean(pd.dates, pd.contribution, pd.factors), pd.factorGroups) : null,
        selectedShare: pd ? semiAnnualMean(pd.dates, pd.selected, pd.factors) : null,
        monotonicity: monotonicity(r),
        weights: ws
          ? {
              dates: ws.dates.length,
              meanHoldings: ws.holdings.reduce((s, v) => s + v, 0) / Math.max(1, ws.holdings.length),
              maxWeight: Math.max(...ws.maxWeight),
              cap: ws.cap,
            }
          : null,
      };
    },
  },
};
