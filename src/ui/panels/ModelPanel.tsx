/** Step 2, Model: registry model, its hyper-parameters (defaults, ranges, help), seed, split and portfolio. */
import { ExperimentFields } from './ExperimentFields';
import { applyPreset, resetHypers, setHyper, setModel, setSeed, setSplit, setSplitKind, applyMarketPreset } from '../../state/actions';
import type { SplitConfig } from '../../core/run';
import { PRESETS } from '../../state/presets';
import type { ConfigField } from '../../state/lab-api';
import { useLab } from '../../state/store';
import { presetIntact } from '../../state/views';
import { methodColor } from '../colors';
import { ErrorBox, NumberField, Panel, Spinner } from '../components/common';

function HyperField({ f, value, disabled }: { f: ConfigField; value: number | string | boolean | undefined; disabled: boolean }) {
  const testId = `hyper-${f.key}`;
  if (typeof f.default === 'boolean') {
    return (
      <div className="field">
        <label className="check">
          <input
            type="checkbox"
            checked={value === undefined ? f.default === true : value === true || value === 'true'}
            disabled={disabled}
            onChange={(e) => setHyper(f.key, e.target.checked)}
            data-testid={testId}
          />
          {f.label} <span className="range">(default {String(f.default)})</span>
        </label>
        {f.help && <p className="field-help">{f.help}</p>}
      </div>
    );
  }
  if (typeof f.default === 'string') {
    const id = `hp-${f.key}`;
    return (
      <div className="field">
        <label htmlFor={id}>
          {f.label} <span className="range">(default {f.default})</span>
        </label>
        {f.options ? (
          <select
            id={id}
            value={String(value ?? f.default)}
            disabled={disabled}
            onChange={(e) => setHyper(f.key, e.target.value)}
            data-testid={testId}
          >
            {f.options.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        ) : (
          <input
            id={id}
            type="text"
            value={String(value ?? f.default)}
            disabled={disabled}
            onChange={(e) => setHyper(f.key, e.target.value)}
            data-testid={testId}
          />
        )}
        {f.help && <p className="field-help">{f.help}</p>}
      </div>
    );
  }
  return (
    <NumberField
      label={f.label}
      value={typeof value === 'number' ? value : f.default}
      min={f.min}
      max={f.max}
      step={f.step}
      disabled={disabled}
      testId={testId}
      help={
        <>
          {f.help}
          {f.help ? ' ' : ''}
          <span className="muted">Default {String(f.default)}.</span>
        </>
      }
      onCommit={(v) => setHyper(f.key, v)}
    />
  );
}

/** An ISO date field (empty = unset); commits on change when the value is a full date. */
function DateField({
  label,
  value,
  onCommit,
  help,
  testId,
  min,
  max,
}: {
  label: string;
  value: string | undefined;
  onCommit: (v: string | undefined) => void;
  help?: string;
  testId: string;
  min?: string;
  max?: string;
}) {
  const id = `split-${testId}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="date"
        value={value ?? ''}
        min={min}
        max={max}
        onChange={(e) => onCommit(e.target.value || undefined)}
        data-testid={testId}
        aria-describedby={help ? `${id}-help` : undefined}
      />
      {help && (
        <p className="field-help" id={`${id}-help`}>
          {help}
        </p>
      )}
    </div>
  );
}

/** Split settings per kind: walk-forward (first test half-year, groups, training window), rolling (window), fixed (dates). */
function SplitFields({ split, first, last }: { split: SplitConfig; first?: string; last?: string }) {
  const set = (patch: Partial<SplitConfig>) => setSplit(patch);
  return (
    <>
      {split.kind === 'walkforward' && (
        <>
          <DateField
            label="First test half-year"
            value={split.start}
            min={first}
            max={last}
            onCommit={(v) => set({ start: v })}
            testId="split-start"
            help="the test starts at the half-year containing this date; empty = the last Groups half-years"
          />
          <div className="grid-2">
            <NumberField
              label="Groups"
              value={split.groups ?? 0}
              min={0}
              max={40}
              step={1}
              onCommit={(v) => set({ groups: Math.round(v) })}
              help="test half-years; 0 = all the data allows"
              testId="split-groups"
            />
            <NumberField
              label="Training window"
              value={split.trainYears ?? 0}
              min={0}
              max={30}
              step={0.5}
              suffix="years"
              onCommit={(v) => set({ trainYears: v })}
              help="0 = expanding from the first date (the paper)"
              testId="split-train-years"
            />
          </div>
        </>
      )}
      {split.kind === 'rolling' && (
        <>
          <DateField
            label="First prediction month"
            value={split.start}
            min={first}
            max={last}
            onCommit={(v) => set({ start: v })}
            testId="split-start"
            help="empty = the first month with a full window"
          />
          <div className="grid-2">
            <NumberField
              label="Window"
              value={split.windowMonths ?? 60}
              min={1}
              max={240}
              step={1}
              suffix="months"
              onCommit={(v) => set({ windowMonths: Math.round(v) })}
              help="month-end cross-sections trained on (Deep Factor Model: 60)"
              testId="split-window"
            />
            <NumberField
              label="Months"
              value={split.groups ?? 0}
              min={0}
              max={400}
              step={1}
              onCommit={(v) => set({ groups: Math.round(v) })}
              help="test months; 0 = all"
              testId="split-groups"
            />
          </div>
        </>
      )}
      {split.kind === 'fixed' && (
        <div className="grid-3">
          <DateField
            label="Train end"
            value={split.trainEnd}
            min={first}
            max={last}
            onCommit={(v) => set({ trainEnd: v })}
            testId="split-train-end"
          />
          <DateField
            label="Validation end"
            value={split.validEnd}
            min={first}
            max={last}
            onCommit={(v) => set({ validEnd: v })}
            testId="split-valid-end"
          />
          <DateField
            label="Test end"
            value={split.testEnd}
            min={first}
            max={last}
            onCommit={(v) => set({ testEnd: v })}
            testId="split-test-end"
          />
        </div>
      )}
      <NumberField
        label="Gap"
        value={split.gap ?? 21}
        min={0}
        max={120}
        step={1}
        suffix="days"
        onCommit={(v) => set({ gap: Math.round(v) })}
        help="trading days between validation and test; raised to the longest label horizon so no label leaks"
        testId="split-gap"
      />
      {split.kind === 'fixed' && (
        <p className="field-help">
          Empty boundaries: the last two years test, the year before validates (FactorVAE's layout). Set the train and validation ends
          together.
        </p>
      )}
    </>
  );
}

/** One-click run presets (split, strategy, model, compared baselines with their hyper-parameters). */
function Presets({ disabled }: { disabled: boolean }) {
  const presetId = useLab((s) => s.presetId);
  const current = PRESETS.find((p) => p.id === presetId);
  // pressed only while the setup is still the preset's: an edit after it leaves the button up, marked 'modified'
  const intact = useLab((s) => (current ? presetIntact(current, s) : false));
  return (
    <div className="field presets" role="group" aria-labelledby="presets-label">
      <span id="presets-label" className="label">
        Presets
      </span>
      <div className="btn-row">
        {PRESETS.map((p) => (
          <button
            key={p.id}
            type="button"
            className={`btn small${p.id === presetId && intact ? ' active' : ''}`}
            disabled={disabled}
            title={p.summary}
            aria-pressed={p.id === presetId && intact}
            onClick={() => (p.market ? void applyMarketPreset(p.id) : applyPreset(p.id))}
            data-testid={`preset-${p.id}`}
            data-modified={(p.id === presetId && !intact) || undefined}
          >
            {p.label}
            {p.id === presetId && !intact && <span className="muted"> · modified</span>}
          </button>
        ))}
      </div>
      <p className="field-help" data-testid="preset-help">
        {current
          ? current.help
          : 'A preset sets the model and its hyper-parameters, the split, the portfolio and the baselines ticked for "Compare methods" in step 3, so a paper\'s table is one click away. Your data settings stay as they are.'}
      </p>
    </div>
  );
}
export function ModelPanel() {
  const run = useLab((s) => s.run);
  const models = useLab((s) => s.models);
  const status = useLab((s) => s.modelsStatus);
  const error = useLab((s) => s.modelsError);
  const busy = useLab((s) => s.trainStatus === 'running' || s.trainStatus === 'paused' || s.trainStatus === 'cancelling');
  const model = models.find((m) => m.id === run.model);
  const split = run.split;
  const summary = useLab((s) => s.summary);

  return (
    <Panel
      id="panel-model"
      step={2}
      title="Model"
      status={
        model ? (
          <span className="chip" title={model.label} style={{ borderColor: methodColor(model.id) }}>
            <span className="dot" style={{ background: methodColor(model.id) }} />
            {model.label.replace(/\s*\(.*\)$/, '')}
          </span>
        ) : undefined
      }
      help={
        <>
          <p>
            A model turns each stock's factor values on a date into a <b>score</b>; stocks are then ranked by score. Linear and equal-weight
            models are baselines; the deep models learn non-linear combinations and, for graph models, use same-industry neighbours. This
            build has: <span data-testid="model-list">{models.map((m) => m.label).join(', ') || 'loading…'}</span>.
          </p>
          <p>
            <b>Walk-forward</b> training retrains on an expanding window, validates on the next months and tests on the months after a{' '}
            <b>gap</b> at least as long as the label horizon, so no test label leaks into training. The <b>seed</b> fixes initial weights
            and batch order: same link, same numbers.
          </p>
          <p>
            The <b>portfolio</b> (step 4) buys the top group (decile by default) of scores every rebalance, pays the one-way cost on traded
            value, and is compared with the benchmark.
          </p>
        </>
      }
    >
      {status === 'loading' && <Spinner label="Reading the model registry…" />}
      <ErrorBox error={error} />
      <Presets disabled={busy || !models.length} />
      <div className="field">
        <label htmlFor="model-select">Model</label>
        <select
          id="model-select"
          value={run.model}
          disabled={busy || !models.length}
          onChange={(e) => setModel(e.target.value)}
          data-testid="model-select"
        >
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.label}
            </option>
          ))}
          {!model && <option value={run.model}>{run.model}</option>}
        </select>
        {model?.description && <p className="field-help">{model.description}</p>}
      </div>

      {model && model.configSchema.length > 0 && (
        <fieldset className="hypers" disabled={busy}>
          <legend>
            Hyper-parameters
            <button type="button" className="btn link" onClick={resetHypers} data-testid="reset-hypers">
              reset to defaults
            </button>
          </legend>
          {model.configSchema.map((f) => (
            <HyperField key={f.key} f={f} value={run.config[f.key]} disabled={busy} />
          ))}
        </fieldset>
      )}

      <NumberField
        label="Seed"
        value={run.seed}
        min={0}
        max={2 ** 31 - 1}
        step={1}
        disabled={busy}
        testId="seed"
        onCommit={setSeed}
        help="initial weights, batch order and synthetic data"
      />
      <ExperimentFields disabled={busy} />

      <details className="more">
        <summary>Split</summary>
        <fieldset disabled={busy}>
          <div className="field">
            <label htmlFor="split-kind">Split</label>
            <select
              id="split-kind"
              value={split.kind}
              onChange={(e) => setSplitKind(e.target.value as typeof split.kind)}
              data-testid="split-kind"
            >
              <option value="walkforward">walk-forward (half-year groups)</option>
              <option value="rolling">rolling window (monthly)</option>
              <option value="fixed">fixed train / valid / test</option>
            </select>
          </div>
          <SplitFields split={split} first={summary?.dates.start} last={summary?.dates.end} />
          <p className="field-help">
            The split timeline is drawn in step 3; the portfolio (strategy, costs, label horizon) is set in step 4, Results.
          </p>
        </fieldset>
      </details>
    </Panel>
  );
}
