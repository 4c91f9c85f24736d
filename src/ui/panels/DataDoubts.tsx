/**
 * Data panel, preprocessing: what to do with data the lab should doubt (issue 16). Doubtful one-day returns (keep /
 * clip / drop) and label-like factor columns (excluded unless the user confirms; a link never carries the confirmation).
 * Both act when the dataset is loaded, so a change shows the panel's "Rebuild summary" note.
 */
import { useState } from 'react';
import { setPreprocessing } from '../../state/actions';
import { useLab } from '../../state/store';
import { DOUBTFUL_RETURNS_HELP, LABEL_LIKE_HELP } from '../help-text';

const MODES = [
  { k: 'keep', label: 'keep (warn)' },
  { k: 'clip', label: 'clip at ±50%' },
  { k: 'drop', label: 'drop the day' },
] as const;

/** the two settings explained, for the Data panel's help */
export function DataDoubtsHelp() {
  return (
    <>
      <p>
        <b>Doubtful returns.</b> {DOUBTFUL_RETURNS_HELP}
      </p>
      <p>
        <b>Label-like columns.</b> {LABEL_LIKE_HELP}
      </p>
    </>
  );
}

export function DataDoubts() {
  const p = useLab((s) => s.run.preprocessing);
  const [asking, setAsking] = useState(false);
  const mode = p.extremeReturns ?? 'keep';
  return (
    <>
      <div className="field">
        <span className="label">Doubtful returns</span>
        <div className="seg" role="radiogroup" aria-label="Doubtful returns" data-testid="prep-extreme-returns">
          {MODES.map(({ k, label }) => (
            <label key={k} className="radio">
              <input
                type="radio"
                name="extremeReturns"
                value={k}
                checked={mode === k}
                onChange={() => setPreprocessing({ extremeReturns: k })}
                data-testid={`prep-extreme-${k}`}
              />
              {label}
            </label>
          ))}
        </div>
        <p className="field-help">
          one-day moves that look like an unadjusted split or a bad price; clip and drop act before factors and labels
        </p>
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={p.includeLabelLike === true}
          onChange={(e) => {
            if (e.target.checked) setAsking(true);
            else {
              setAsking(false);
              setPreprocessing({ includeLabelLike: false });
            }
          }}
          data-testid="prep-label-like"
        />
        Use label-like columns as factors
      </label>
      <p className="field-help">columns named like labels or with |IC| &gt; 0.5 are excluded unless you confirm</p>
      {asking && (
        <div className="note" role="alert" data-testid="label-like-confirm">
          Columns that look like labels may hold the future: every IC and backtest would then be meaningless. Use them as factors anyway?{' '}
          <button
            type="button"
            className="btn danger small"
            onClick={() => {
              setAsking(false);
              setPreprocessing({ includeLabelLike: true });
            }}
            data-testid="label-like-confirm-yes"
          >
            Use them as factors
          </button>{' '}
          <button type="button" className="btn small" onClick={() => setAsking(false)} data-testid="label-like-confirm-no">
            Keep them out
          </button>
        </div>
      )}
    </>
  );
}
