/** The synthetic market's ground truth: how much of each planted part each trained model's score captured. */
import { useMemo } from 'react';
import { groundTruthView, TRUTH_PARTS } from '../../state/ground-truth';
import { useLab } from '../../state/store';
import { methodColor } from '../colors';
import { ChartCard } from '../components/common';

/** a diverging cell colour: blue for positive correlation, red for negative, white at 0 */
const cellBg = (v: number) =>
  Number.isFinite(v)
    ? v >= 0
      ? `rgba(37, 99, 235, ${Math.min(1, v) * 0.55})`
      : `rgba(220, 38, 38, ${Math.min(1, -v) * 0.55})`
    : 'transparent';

export function GroundTruth() {
  const results = useLab((s) => s.results);
  const spec = useLab((s) => s.loadedSpec);
  const rows = useMemo(() => groundTruthView(results, spec), [results, spec]);
  if (!rows) return null;
  return (
    <ChartCard
      testId="groundTruth"
      title="Ground truth: which planted part each model found"
      help="The synthetic market plants its signal in parts (step 1). Each cell is the mean, over test dates, of the correlation across stocks between the model's score and that part (1 = found it exactly, 0 = blind to it). The oracle column compares with the whole planted score. Expect Linear to catch only the linear part, an MLP also the interaction, and the graph models (DMFM, MGAT) the industry-relative part, which needs each stock's industry peers."
      empty={rows.length ? null : 'Train a model on this synthetic market to compare it with the planted signal.'}
    >
      <div className="table-wrap">
        <table className="metrics truth" data-testid="ground-truth-table">
          <thead>
            <tr>
              <th scope="col">Method</th>
              {TRUTH_PARTS.map((p) => (
                <th key={p.key} scope="col" className="num" title={p.help}>
                  {p.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.method} data-method={r.method}>
                <th scope="row">
                  <span className="dot" style={{ background: methodColor(r.method) }} aria-hidden="true" />
                  {r.label}
                </th>
                {TRUTH_PARTS.map((p) => (
                  <td key={p.key} className="num" style={{ background: cellBg(r.corr[p.key]) }} data-col={p.key}>
                    {Number.isFinite(r.corr[p.key]) ? r.corr[p.key].toFixed(2) : '–'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">{TRUTH_PARTS.map((p) => `${p.label}: ${p.help}.`).join(' ')}</p>
    </ChartCard>
  );
}
