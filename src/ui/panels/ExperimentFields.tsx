/**
 * Model step: FactorVAE's experiment settings (issue 12): "Seeds" (Compare methods trains each ticked method once per
 * seed: Table 1 over seeds) and "Held-out stocks" (RunConfig.holdout: Table 2, robustness to stocks never trained on).
 */
import { useEffect, useId, useState } from 'react';
import { setHoldout } from '../../state/actions';
import { parseSeedText, seedsText } from '../../state/experiments';
import { useLab } from '../../state/store';
import { NumberField } from '../components/common';
import { EXPERIMENT_HELP } from '../help-text';

/** the Seeds field: a list such as "1, 2, 3, 4, 5"; the run's one seed when empty */
function SeedsField({ disabled }: { disabled: boolean }) {
  const id = useId();
  const seeds = useLab((s) => s.seeds);
  const setSeeds = useLab((s) => s.setSeeds);
  const runSeed = useLab((s) => s.run.seed);
  const shown = seedsText(seeds, runSeed);
  const [draft, setDraft] = useState(shown);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setDraft(shown);
    setError(null);
  }, [shown]);
  const commit = () => {
    try {
      const list = parseSeedText(draft);
      // one seed equal to the run's (or nothing): no list, a plain comparison
      setSeeds(list.length === 0 || (list.length === 1 && list[0] === runSeed) ? [] : list);
      setError(null);
      if (list.length === 0) setDraft(String(runSeed));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="field">
      <label htmlFor={id}>
        Seeds <span className="range">(Compare methods, at most 10)</span>
      </label>
      <input
        id={id}
        type="text"
        inputMode="numeric"
        value={draft}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-help`}
        data-testid="seeds"
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      {error && (
        <p className="field-error" role="alert" data-testid="seeds-error">
          {error}
        </p>
      )}
      <p id={`${id}-help`} className="field-help">
        {EXPERIMENT_HELP.seeds}
      </p>
    </div>
  );
}

type HoldoutMode = 'off' | 'count' | 'fraction';

/** Held-out stocks: off, a count m or a fraction of the test cross-section */
function HoldoutField({ disabled }: { disabled: boolean }) {
  const id = useId();
  const h = useLab((s) => s.run.holdout);
  const mode: HoldoutMode = !h ? 'off' : h.count !== undefined ? 'count' : 'fraction';
  const pick = (m: HoldoutMode) => setHoldout(m === 'off' ? undefined : m === 'count' ? { count: 50 } : { fraction: 0.167 });
  return (
    <div className="field" data-testid="holdout-field">
      <label htmlFor={id}>Held-out stocks</label>
      <select id={id} value={mode} disabled={disabled} onChange={(e) => pick(e.target.value as HoldoutMode)} data-testid="holdout-mode">
        <option value="off">off (train and test on every stock)</option>
        <option value="count">m stocks</option>
        <option value="fraction">a fraction of the stocks</option>
      </select>
      {mode === 'count' && (
        <NumberField
          compact
          label="m (stocks held out)"
          value={h!.count!}
          min={2}
          max={100000}
          step={1}
          disabled={disabled}
          testId="holdout-count"
          onCommit={(v) => setHoldout({ count: Math.round(v) })}
        />
      )}
      {mode === 'fraction' && (
        <NumberField
          compact
          label="fraction held out"
          value={h!.fraction!}
          min={0.001}
          max={0.999}
          step={0.01}
          disabled={disabled}
          testId="holdout-fraction"
          onCommit={(v) => setHoldout({ fraction: v })}
        />
      )}
      <p className="field-help">{EXPERIMENT_HELP.holdout}</p>
    </div>
  );
}

/** collapsed unless a seeds list or a holdout is set (a link may set them: they must show) */
export function ExperimentFields({ disabled }: { disabled: boolean }) {
  const active = useLab((s) => s.seeds.length > 0 || s.run.holdout !== undefined);
  return (
    <details className="more" open={active || undefined} data-testid="experiment-fields">
      <summary>Seeds and held-out stocks{active ? ' (set)' : ''}</summary>
      <fieldset disabled={disabled}>
        <SeedsField disabled={disabled} />
        <HoldoutField disabled={disabled} />
      </fieldset>
    </details>
  );
}
