/**
 * FactorVAE Table 2 (robustness) in the Results step: each method trained without m held-out stocks and evaluated on
 * them alone; Rank IC and Rank ICIR as mean (std) over the seeds, with m and the seeds stated (state/experiments.ts).
 */
import { useMemo } from 'react';
import { formatMeanStd, seedStdDefinition } from '../../eval/seeds';
import { table2View, type Table2Row } from '../../state/experiments';
import type { TrainResult } from '../../state/lab-api';
import { methodColor } from '../colors';
import { ChartCard } from '../components/common';
import { EXPERIMENT_HELP } from '../help-text';

const SWATCH = { display: 'inline-block', width: 10, height: 10, borderRadius: 2 } as const;

/** "50 of 397" when every seed held out as many stocks of as many, else the list per seed */
export function describeM(r: Pick<Table2Row, 'm' | 'of'>): string {
  const one = (i: number) => (Number.isFinite(r.m[i]) ? `${r.m[i]} of ${r.of[i]}` : '?');
  const same = r.m.every((v, i) => v === r.m[0] && r.of[i] === r.of[0]);
  return same ? one(0) : r.m.map((_, i) => one(i)).join(', ');
}

export function Table2Card({ results }: { results: TrainResult[] }) {
  const rows = useMemo(() => table2View(results), [results]);
  return (
    <ChartCard
      testId="fvae-table2"
      title="Table 2: robustness on held-out stocks"
      help={<span title={seedStdDefinition}>{EXPERIMENT_HELP.table2}</span>}
      empty={
        rows.length
          ? null
          : 'No holdout run yet: set "Held-out stocks" in the Model step (m stocks or a fraction), then train or compare the methods.'
      }
    >
      <div style={{ overflowX: 'auto' }}>
        <table className="metrics paper" data-testid="fvae-table2-table">
          <thead>
            <tr>
              <th>Method</th>
              <th>Held out</th>
              <th title="stocks held out of training (of the stocks in the test cross-section), per seed">m</th>
              <th>Seeds</th>
              <th>Rank IC</th>
              <th>Rank ICIR</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.method}-${r.setting}`} data-method={r.model}>
                <td>
                  <span style={{ ...SWATCH, background: methodColor(r.model) }} /> {r.method}
                </td>
                <td>{r.setting}</td>
                <td>{describeM(r)}</td>
                <td>{r.seeds.join(', ')}</td>
                <td>{formatMeanStd(r.rankIc)}</td>
                <td>{formatMeanStd(r.rankIcir, 3)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </ChartCard>
  );
}
