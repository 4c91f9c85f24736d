/** Step 3, Train: backend, Train / Pause / Cancel, progress with epoch, step and ETA, live loss and validation curves. */
import { useMemo, useRef } from 'react';
import {
  cancelTraining,
  compareMethods,
  discardCheckpoint,
  resumeTraining,
  setBackendPref,
  splitError,
  startTraining,
  togglePause,
} from '../../state/actions';
import { BACKEND_PREFS, type BackendPref } from '../../state/lab-api';
import { useLab } from '../../state/store';
import { EChart } from '../charts/EChart';
import { lossOption } from '../charts/options';
import { fmtDuration, fmtNum } from '../format';
import { methodColor } from '../colors';
import { Empty, ErrorBox, Panel, useFocusAfterBusy } from '../components/common';
import { SplitTimeline } from './SplitTimeline';
import { runKey } from '../../state/checkpoints';
import { effectiveSeeds } from '../../state/experiments';

/** "Compare methods": tick registry models and train them one after another on the same data, split and seed. */
function CompareMethods({ disabled }: { disabled: boolean }) {
  const models = useLab((s) => s.models);
  const ids = useLab((s) => s.compareIds);
  const setIds = useLab((s) => s.setCompareIds);
  const queue = useLab((s) => s.queue);
  const runModel = useLab((s) => s.run.model);
  const nSeeds = useLab((s) => effectiveSeeds(s.seeds, s.run.seed).length);
  const picked = models.filter((m) => ids.includes(m.id));
  const button = useRef<HTMLButtonElement>(null);
  useFocusAfterBusy(button, queue !== null);
  const toggle = (id: string) =>
    setIds(ids.includes(id) ? ids.filter((x) => x !== id) : models.map((m) => m.id).filter((x) => x === id || ids.includes(x)));
  return (
    <div className="compare" data-testid="compare-methods">
      <div className="compare-row">
        <span className="compare-title">Compare methods</span>
        {models.map((m) => (
          <label key={m.id} className="check">
            <input
              type="checkbox"
              checked={ids.includes(m.id)}
              disabled={disabled || queue !== null}
              onChange={() => toggle(m.id)}
              data-testid={`compare-${m.id}`}
            />
            <span className="dot" style={{ background: methodColor(m.id) }} aria-hidden="true" />
            {m.label}
          </label>
        ))}
        <button
          ref={button}
          type="button"
          className="btn"
          disabled={disabled || picked.length === 0}
          onClick={() => void compareMethods()}
          data-testid="compare-button"
        >
          Train &amp; compare {picked.length}
          {nSeeds > 0 && ` × ${nSeeds} seed${nSeeds > 1 ? 's' : ''}`}
        </button>
      </div>
      {queue ? (
        <p className="field-help" data-testid="compare-queue">
          {queue.ids.map((id, i) => {
            const label = queue.labels?.[i] ?? models.find((m) => m.id === id)?.label ?? id;
            const state = i < queue.index ? '✓' : i === queue.index ? '…' : '';
            return (
              <span key={i} className={i === queue.index ? 'strong' : i < queue.index ? '' : 'muted'}>
                {i > 0 && ' → '}
                {label} {state}
              </span>
            );
          })}
          <span className="muted">
            {' '}
            · method {queue.index + 1} of {queue.ids.length}
          </span>
        </p>
      ) : (
        <p className="field-help">
          Trains each ticked model in turn on the same data, split, seed and portfolio; the selected model (
          {models.find((m) => m.id === runModel)?.label ?? runModel}) keeps your hyper-parameters, the others use their defaults.
        </p>
      )}
    </div>
  );
}

const STATUS_TEXT: Record<string, string> = {
  idle: 'ready to train',
  running: 'training',
  paused: 'paused',
  cancelling: 'cancelling…',
  done: 'finished',
  cancelled: 'cancelled',
  error: 'failed',
};

const BACKEND_LABEL: Record<BackendPref, string> = {
  auto: 'auto (fastest measured)',
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WebAssembly',
  cpu: 'CPU (plain JS)',
};

export function TrainPanel() {
  const status = useLab((s) => s.trainStatus);
  const progress = useLab((s) => s.progress);
  const lossCurve = useLab((s) => s.lossCurve);
  const validCurve = useLab((s) => s.validCurve);
  const pref = useLab((s) => s.backendPref);
  const forced = useLab((s) => s.backendForced);
  const inUse = useLab((s) => s.backendInUse);
  const inUseWhy = useLab((s) => s.backendReason);
  const backends = useLab((s) => s.backends);
  const error = useLab((s) => s.trainError);
  const hasData = useLab((s) => s.summary !== null && s.dataStatus !== 'loading');
  const models = useLab((s) => s.models);
  const runModel = useLab((s) => s.run.model);
  const trainingRun = useLab((s) => s.trainingRun);
  const active = status === 'running' || status === 'paused' || status === 'cancelling';
  // a split the loaded dates cannot hold: Train stays off and says why (the timeline below shows the same message)
  const summaryForSplit = useLab((s) => s.summary);
  const splitCfg = useLab((s) => s.run.split);
  const badSplit = useMemo(
    () => splitError({ summary: summaryForSplit, run: { ...useLab.getState().run, split: splitCfg } }),
    [summaryForSplit, splitCfg],
  );
  const trainButton = useRef<HTMLButtonElement>(null);
  const queued = useLab((s) => s.queue !== null);
  useFocusAfterBusy(trainButton, active && !queued);
  const model = trainingRun?.model ?? runModel;
  const modelLabel = models.find((m) => m.id === runModel)?.label ?? runModel;
  const validMetric = progress?.validMetric ?? 'IC';
  const option = useMemo(() => lossOption(lossCurve, validCurve, model, validMetric), [lossCurve, validCurve, model, validMetric]);
  const frac = progress?.fraction ?? 0;
  // the ETA comes with the progress (src/state/eta.ts: measured time per step x the work left)
  const eta = progress && status === 'running' ? (progress.etaMs ?? null) : null;
  const checkpoint = useLab((s) => s.checkpoint);
  const run = useLab((s) => s.run);
  const saved = checkpoint && !active && checkpoint.groups.length > 0 ? checkpoint : null;
  const savedIsOther = saved !== null && saved.runKey !== runKey(run);
  const lastLoss = lossCurve[lossCurve.length - 1]?.loss;
  const lastValid = validCurve[validCurve.length - 1];

  return (
    <Panel
      id="panel-train"
      step={3}
      title="Train"
      busy={active}
      status={
        <span data-testid="train-status" data-status={status}>
          {saved && (status === 'idle' || status === 'cancelled' || status === 'error')
            ? `${STATUS_TEXT[status]} · ${saved.groups.length} of ${saved.total} groups saved`
            : STATUS_TEXT[status]}
        </span>
      }
      help={
        <>
          <p>
            Training runs in a background worker with TensorFlow.js, so the page stays responsive. <b>Backends</b>: WebGPU and WebGL use the
            graphics card, WebAssembly and CPU the processor; <i>auto</i>
            measures and picks the fastest here (a software WebGPU adapter can be slower than WebAssembly). All give the same numbers to
            about 1e-5.
          </p>
          <p>
            The <b>loss</b> is the training objective on mini-batches (lower is better). The <b>validation</b> points, once per epoch, are
            computed on months the model has not trained on; when train loss keeps falling but validation stops improving, the model is
            starting to overfit. Each split group trains a fresh model, so the loss starts high again at each group mark.
          </p>
          <p>
            The <b>ETA</b> is the measured time per training step (validation included) times the steps left: the rest of this group at its
            expected epochs, and each later group scaled by its training days (walk-forward windows grow). Until a group has finished it
            assumes every epoch is trained, so with early stopping it is an upper bound, marked <i>rough</i>; after a group stops early,
            later groups are expected to stop at a similar epoch. The bar shows the share of that work done.
          </p>
          <p>
            <b>Resume</b>: every finished walk-forward group is saved in this browser (IndexedDB). When a run stops (Cancel, an error, a
            reload), <i>Resume</i> trains only the groups still missing of that same run, with the same result as an uninterrupted run;{' '}
            <i>Discard</i> deletes the saved groups. <i>Train</i> always starts afresh from the current settings (its first finished group
            replaces the saved groups of the same run).
          </p>
        </>
      }
    >
      <div className="train-controls">
        <div className="field inline">
          <label htmlFor="backend-select">Backend</label>
          <select
            id="backend-select"
            value={pref}
            disabled={active}
            onChange={(e) => setBackendPref(e.target.value as BackendPref)}
            data-testid="backend-select"
          >
            {BACKEND_PREFS.map((b) => {
              const info = backends.find((x) => x.name === b);
              return (
                <option key={b} value={b} disabled={info ? !info.available : false}>
                  {BACKEND_LABEL[b]}
                  {info && !info.available ? ' (unavailable)' : info?.note ? ` (${info.note})` : ''}
                </option>
              );
            })}
          </select>
          <span className="muted small" data-testid="backend-in-use">
            {inUse ? (
              <>
                using <b>{inUse}</b>
              </>
            ) : pref === 'auto' ? (
              'chosen when training starts'
            ) : null}
            {forced && <> · set by ?backend= in the link</>}
          </span>
          {inUse && inUseWhy && (
            <details className="backend-why muted small" data-testid="backend-reason">
              <summary>why {inUse}?</summary>
              {inUseWhy}
            </details>
          )}
        </div>
        <div className="btn-row">
          <button
            ref={trainButton}
            type="button"
            className="btn primary"
            disabled={!hasData || active || badSplit !== null}
            onClick={() => void startTraining()}
            data-testid="train-button"
            title={badSplit ? `The split cannot be planned: ${badSplit}` : undefined}
          >
            Train {modelLabel}
          </button>
          <button
            type="button"
            className="btn"
            disabled={status !== 'running' && status !== 'paused'}
            onClick={togglePause}
            data-testid="pause-button"
            aria-pressed={status === 'paused'}
          >
            {status === 'paused' ? 'Resume' : 'Pause'}
          </button>
          <button
            type="button"
            className="btn danger"
            disabled={!active || status === 'cancelling'}
            onClick={cancelTraining}
            data-testid="cancel-button"
          >
            Cancel
          </button>
          {saved && (
            <>
              <button
                type="button"
                className="btn"
                disabled={!hasData}
                onClick={() => void resumeTraining()}
                data-testid="resume-button"
                title={`Train the remaining groups of ${saved.label}`}
              >
                Resume ({saved.groups.length} of {saved.total} groups done
                {saved.queue?.length ? `, then ${saved.queue.length} more model${saved.queue.length === 1 ? '' : 's'}` : ''})
              </button>
              <button
                type="button"
                className="btn small"
                onClick={() => void discardCheckpoint()}
                data-testid="discard-checkpoint"
                title="Delete the saved groups"
              >
                Discard
              </button>
            </>
          )}
        </div>
      </div>

      {saved && (
        <p className="field-help" data-testid="checkpoint-note">
          Saved in this browser: {saved.label}, finished groups {saved.groups.map((g) => g.label).join(', ')} ({saved.groups.length} of{' '}
          {saved.total})
          {saved.queue?.length ? `; "Compare methods" was stopped with ${saved.queue.map((r) => r.model).join(', ')} still to train` : ''}
          {savedIsOther ? '; other settings than the current ones: Resume trains the saved run' : ''}. Resume trains only the missing
          groups; Train starts afresh.
        </p>
      )}

      {badSplit && hasData && !active && (
        <p className="field-error" data-testid="train-split-error">
          Train is off: {badSplit.replace(/^splits:\s*/, '')} Change the split in step 2.
        </p>
      )}

      <CompareMethods disabled={!hasData || active || badSplit !== null} />

      {!hasData && status === 'idle' && <p className="muted small">Load a dataset (step 1) to enable training.</p>}

      {progress && (
        <div className="progress-block">
          <div
            className={`progress ${status}`}
            role="progressbar"
            aria-label="Training progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={Math.round(frac * 100)}
            aria-valuetext={`${Math.round(frac * 100)}%`}
            data-testid="train-progress"
          >
            <div className="progress-fill" style={{ width: `${(frac * 100).toFixed(1)}%` }} />
          </div>
          <div className="progress-text" aria-live="polite">
            {trainingRun && <span className="strong">{models.find((m) => m.id === trainingRun.model)?.label ?? trainingRun.model}</span>}
            <span className="strong">{Math.round(frac * 100)}%</span>
            {progress.phase === 'training' && progress.epochs > 0 && (
              <span data-testid="progress-epoch">
                epoch {progress.epoch}/{progress.epochs}
              </span>
            )}
            {progress.phase === 'training' && progress.steps > 0 && (
              <span>
                step {progress.step}/{progress.steps}
              </span>
            )}
            {progress.groups !== undefined && progress.groups > 1 && (
              <span>
                group {progress.group}/{progress.groups}
              </span>
            )}
            <span>elapsed {fmtDuration(progress.elapsedMs)}</span>
            {status === 'running' && (
              <span
                data-testid="progress-eta"
                data-rough={progress.etaRough || undefined}
                title={progress.etaWhy ? `Rough estimate: ${progress.etaWhy}` : 'Measured time per step × the steps left'}
              >
                {eta === null ? 'ETA: measuring…' : `ETA ${progress.etaRough ? '~' : ''}${fmtDuration(eta)}`}
                {eta !== null && progress.etaRough && (
                  <span className="muted"> (rough{progress.etaWhy?.startsWith('early') ? ': at most' : ''})</span>
                )}
              </span>
            )}
            {progress.message && <span className="muted">{progress.message}</span>}
          </div>
        </div>
      )}

      <ErrorBox error={error} />

      <SplitTimeline />

      {lossCurve.length > 0 || validCurve.length > 0 ? (
        <>
          <div className="kv-row">
            <span>
              train loss <b>{fmtNum(lastLoss ?? NaN, 4)}</b>
            </span>
            {lastValid?.loss !== undefined && (
              <span>
                valid loss <b>{fmtNum(lastValid.loss, 4)}</b>
              </span>
            )}
            {lastValid?.ic !== undefined && (
              <span>
                valid {validMetric} <b>{fmtNum(lastValid.ic, 4)}</b>
              </span>
            )}
          </div>
          <EChart id="loss" option={option} height={220} label="Training loss per step and validation loss and IC per epoch" />
        </>
      ) : (
        hasData && status !== 'running' && <Empty>The loss and validation curves appear here while a model trains.</Empty>
      )}
    </Panel>
  );
}
