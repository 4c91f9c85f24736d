/**
 * FactorVAE's experiment views in the Results step: Table 1 (Rank IC and Rank ICIR, mean (std) over seeds, per method)
 * and Table 3 + Figure 6 (TopK-Drop and TDrisk: AR, SR, MDD of the excess return; cumulative excess / absolute curves,
 * one colour per method, TDrisk dotted). Table 3 is re-evaluated by the engine from the stored scores (no training).
 * Shown when a result is FactorVAE's, trades TopK-Drop, or a method has several seeds.
 */
import { useEffect, useMemo, useState } from 'react';
import { formatMeanStd, seedStdDefinition } from '../../eval/seeds';
import { labApi } from '../../state/api';
import { useLab } from '../../state/store';
import { methodOf, seedTableView, table3View, type Table3View } from '../../state/paper-tables';
import type { TrainResult } from '../../state/lab-api';
import { EChart } from '../charts/EChart';
import { cumOption } from '../charts/options';
import { methodColor } from '../colors';
import { ChartCard } from '../components/common';
import { Table2Card } from './Table2';

let lastTable3: Table3View | null = null;
/** the Table 3 view last drawn (window.__lab.view('factorvaeTables')) */
export const currentTable3 = () => lastTable3;

const SWATCH = { display: 'inline-block', width: 10, height: 10, borderRadius: 2 } as const;
const pct = (v: number) => (Number.isFinite(v) ? (v * 100).toFixed(2) : '–');
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');

/**
 * whether the FactorVAE experiment views apply to these results: a model with a risk channel (sigma, what TDrisk
 * ranks by), a TopK-Drop strategy, or a method trained with several seeds (no model is named here: layering rule)
 */
export const paperTablesApply = (results: TrainResult[]) =>
  results.some((r) => r.scores?.channels?.sigma !== undefined || r.run.strategy.kind === 'topkdrop' || r.run.holdout !== undefined) ||
  new Set(results.map((r) => `${methodOf(r)}@${r.run.seed}`)).size > new Set(results.map(methodOf)).size;

export function PaperTables() {
  const results = useLab((s) => s.results);
  const applies = useMemo(() => paperTablesApply(results), [results]);
  const seeds = useMemo(() => (applies ? seedTableView(results) : []), [applies, results]);
  const [t3, setT3] = useState<{ of: TrainResult[]; view: Table3View | null; error: string | null } | null>(null);
  const [mode, setMode] = useState<'excess' | 'absolute'>('excess');

  useEffect(() => {
    if (!applies) return;
    let live = true;
    const api = labApi();
    if (!api.evaluate) return;
    const evaluate = api.evaluate.bind(api);
    table3View(results, (r, run) => evaluate(r, run))
      .then((view) => {
        lastTable3 = view;
        if (live) setT3({ of: results, view, error: null });
      })
      .catch((e: Error) => live && setT3({ of: results, view: null, error: e.message }));
    return () => {
      live = false;
    };
  }, [applies, results]);

  const view = t3?.of === results ? t3.view : null;
  const fig6 = useMemo(
    () =>
      view
        ? cumOption(
            view.rows.map((r) => r.series),
            mode === 'absolute' ? view.benchmark : null,
            mode,
          )
        : null,
    [view, mode],
  );
  if (!applies) return null;
  const multiSeed = seeds.some((s) => s.seeds.length > 1);
  return (
    <section className="paper-tables" data-testid="paper-tables">
      {/* stacked, not side by side: method labels are long and the tables must not overlap at 1280 px */}
      <ChartCard
        testId="fvae-table1"
        title="Table 1: Rank IC and Rank ICIR over seeds"
        help={
          <span title={seedStdDefinition}>
            FactorVAE's prediction table: each method's mean per-date Rank IC (Spearman of score and next return) and Rank ICIR (mean / std
            of the daily Rank IC), as mean (std) over the seeds it was trained with. Train a method again with another seed (Model step), or
            open the run bundle of examples/factorvae-seeds.json, to fill the spread; one seed shows std 0. "Seeds" in the Model step trains
            every compared method over a list of seeds.
          </span>
        }
        empty={seeds.length ? null : 'No result to tabulate.'}
      >
        <div style={{ overflowX: 'auto' }}>
          <table className="metrics paper" data-testid="fvae-table1-table">
            <thead>
              <tr>
                <th>Method</th>
                <th>Seeds</th>
                <th>Rank IC</th>
                <th>Rank ICIR</th>
              </tr>
            </thead>
            <tbody>
              {seeds.map((s) => (
                <tr key={s.method}>
                  <td>
                    <span
                      style={{ ...SWATCH, background: methodColor(results.find((r) => methodOf(r) === s.method)?.model ?? s.method) }}
                    />{' '}
                    {s.method}
                  </td>
                  <td>{s.seeds.join(', ')}</td>
                  <td>{formatMeanStd(s.stats.rankIc)}</td>
                  <td>{formatMeanStd(s.stats.rankIcir, 3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {!multiSeed && <p className="muted small">One seed per method so far: the std is 0 until a method runs with more seeds.</p>}
      </ChartCard>
      <Table2Card results={results} />
      <ChartCard
        testId="fvae-table3"
        title="Table 3: TopK-Drop and TDrisk"
        help="FactorVAE's portfolio table: every method's scores traded daily by TopK-Drop (hold k stocks, each day sell the n worst held and buy the n best not held) and, for a model with a risk (sigma), by TDrisk, which ranks by mu - eta sigma. AR: annualised mean excess return over the benchmark; SR: its Sharpe ratio (mean / std x sqrt 252); MDD: max drawdown of the compounded excess curve. Costs and execution lag are the strategy's."
        empty={t3?.error ?? (view ? null : 'Re-evaluating the stored scores…')}
      >
        {view && (
          <>
            <div style={{ overflowX: 'auto' }}>
              <table className="metrics paper" data-testid="fvae-table3-table">
                <thead>
                  <tr>
                    <th>Method</th>
                    <th>Strategy</th>
                    <th>AR (%)</th>
                    <th>SR</th>
                    <th>MDD (%)</th>
                  </tr>
                </thead>
                <tbody>
                  {view.rows.map((r) => (
                    <tr key={`${r.label}-${r.strategy}`}>
                      <td>
                        <span style={{ ...SWATCH, background: methodColor(r.model) }} /> {r.label}
                      </td>
                      <td>{r.strategy === 'TDrisk' ? `TDrisk (eta ${r.eta})` : 'TopK-Drop'}</td>
                      <td>{pct(r.ar)}</td>
                      <td>{f2(r.sr)}</td>
                      <td>{pct(r.mdd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="muted small" data-testid="fvae-table3-note">
              {view.notes.join(' ')}
            </p>
          </>
        )}
      </ChartCard>
      <ChartCard
        testId="fvae-fig6"
        title={`Figure 6: cumulative ${mode} return, TopK-Drop and TDrisk`}
        help="The daily portfolios of Table 3 over the test period: cumulative excess return over the benchmark, or the absolute return with the benchmark dashed. One colour per method; TDrisk is dotted in its model's colour."
        empty={view ? null : (t3?.error ?? 'Re-evaluating the stored scores…')}
        controls={
          <div className="field inline">
            <select
              aria-label="Figure 6 curve"
              value={mode}
              onChange={(e) => setMode(e.target.value as 'excess' | 'absolute')}
              data-testid="fvae-fig6-mode"
            >
              <option value="excess">excess</option>
              <option value="absolute">absolute</option>
            </select>
          </div>
        }
      >
        {fig6 && (
          <EChart id="fvaeFig6" option={fig6} height={300} label="Cumulative return of the TopK-Drop and TDrisk portfolios per method" />
        )}
      </ChartCard>
    </section>
  );
}
