/**
 * The steps of a dataset load (read, panel cache, DuckDB start, parquet decode, validation, factors, preprocessing,
 * cache save) with a progress bar, each step's time and whether it ran, was skipped (cache hit) or is still to come.
 * While loading it replaces the bare spinner; after a load a one-line summary says where the panel came from.
 */
import { useLab } from '../../state/store';
import type { LoadStep } from '../../state/lab-api';
import { Spinner } from '../components/common';

const secs = (ms: number) => (ms < 100 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

const MARK: Record<LoadStep['state'], string> = { done: '✓', running: '…', pending: '·', skipped: '–' };

export function LoadSteps({ loading, activity }: { loading: boolean; activity: string | null }) {
  const steps = useLab((s) => s.dataSteps);
  const summary = useLab((s) => s.summary);
  if (loading) {
    if (!steps?.length) return <Spinner label={activity ?? 'Loading…'} />;
    const finished = steps.filter((s) => s.state === 'done' || s.state === 'skipped').length;
    const pct = Math.round((100 * finished) / steps.length);
    return (
      <div className="load-steps" data-testid="load-steps">
        <Spinner label={activity ?? 'Loading…'} />
        <div
          className="progress"
          role="progressbar"
          aria-label="Dataset load"
          aria-valuemin={0}
          aria-valuemax={steps.length}
          aria-valuenow={finished}
        >
          <div className="progress-fill" style={{ width: `${pct}%` }} />
        </div>
        <StepList steps={steps} />
      </div>
    );
  }
  if (!steps?.length || !summary) return null;
  const cache = summary.cache;
  const total = summary.loadMs;
  return (
    <details className="load-steps done" data-testid="load-steps">
      <summary data-testid="load-summary">
        {cache?.hit
          ? `Loaded from the panel cache (${cache.store}) in ${secs(total ?? 0)}: no parquet decode, validation, factors or preprocessing.`
          : `Loaded in ${secs(total ?? 0)}${
              cache
                ? cache.notice
                  ? ' (panel not cached: see the warnings)'
                  : cache.saving
                    ? `; saving the panel to the cache (${cache.store}) for the next load…`
                    : `; panel saved to the cache (${cache.store}) for the next load`
                : ''
            }${cache?.saving ? '' : '.'}`}
      </summary>
      <StepList steps={steps} />
    </details>
  );
}

function StepList({ steps }: { steps: LoadStep[] }) {
  return (
    <ol className="load-step-list">
      {steps.map((s) => (
        <li key={s.id} className={`load-step ${s.state}`} data-testid={`load-step-${s.id}`} data-state={s.state}>
          <span className="load-step-mark" aria-hidden="true">
            {MARK[s.state]}
          </span>
          <span className="load-step-label">{s.label}</span>
          <span className="load-step-time">
            {s.state === 'done' && s.ms !== undefined ? secs(s.ms) : s.state === 'skipped' ? 'skipped' : ''}
          </span>
          {s.detail ? <span className="load-step-detail">{s.detail}</span> : null}
          <span className="sr-only">{s.state}</span>
        </li>
      ))}
    </ol>
  );
}
