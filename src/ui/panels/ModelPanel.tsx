/** Step 2, Model: registry model, its hyper-parameters (defaults, ranges, help), seed, split and portfolio. */
import { resetHypers, setHyper, setModel, setSeed, setSplit } from '../../state/actions';
import type { ConfigField } from '../../state/lab-api';
import { useLab } from '../../state/store';
import { methodColor } from '../colors';
import { ErrorBox, NumberField, Panel, Spinner } from '../components/common';

function HyperField({ f, value, disabled }: { f: ConfigField; value: number | string | boolean | undefined; disabled: boolean }) {
  const testId = `hyper-${f.key}`;
  if (typeof f.default === 'boolean') {
    return (
      <div className="field">
        <label className="check">
          <input type="checkbox" checked={value === undefined ? f.default === true : value === true || value === 'true'} disabled={disabled} onChange={(e) => setHyper(f.key, e.target.checked)} data-testid={testId} />
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
          <select id={id} value={String(value ?? f.default)} disabled={disabled} onChange={(e) => setHyper(f.key, e.target.value)} data-testid={testId}>
            {f.options.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        ) : (
          <input id={id} type="text" value={String(value ?? f.default)} disabled={disabled} onChange={(e) => setHyper(f.key, e.target.value)} data-testid={testId} />
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

export function ModelPanel() {
  const run = useLab((s) => s.run);
  const models = useLab((s) => s.models);
  const status = useLab((s) => s.modelsStatus);
  const error = useLab((s) => s.modelsError);
  const busy = useLab((s) => s.trainStatus === 'running' || s.trainStatus === 'paused' || s.trainStatus === 'cancelling');
  const model = models.find((m) => m.id === run.model);
  const split = run.split;

  return (
    <Panel
      id="panel-model"
      step={2}
      title="Model"
      status={model ? <span className="chip" style={{ borderColor: methodColor(model.id) }}><span className="dot" style={{ background: methodColor(model.id) }} />{model.label}</span> : undefined}
      help={
        <>
          <p>
            A model turns each stock's factor values on a date into a <b>score</b>; stocks are then ranked by score. Linear and equal-weight models are baselines; the deep models (MLP, graph attention,
            factor VAE, ...) learn non-linear combinations and, for graph models, use same-industry neighbours.
          </p>
          <p>
            <b>Walk-forward</b> training retrains on an expanding window, validates on the next months and tests on the months after a <b>gap</b> at least as long as the label horizon, so no test label
            leaks into training. The <b>seed</b> fixes initial weights and batch order: same link, same numbers.
          </p>
          <p>
            The <b>portfolio</b> (step 4) buys the top group (decile by default) of scores every rebalance, pays the one-way cost on traded value, and is compared with the benchmark.
          </p>
        </>
      }
    >
      {status === 'loading' && <Spinner label="Reading the model registry…" />}
      <ErrorBox error={error} />
      <div className="field">
        <label htmlFor="model-select">Model</label>
        <select id="model-select" value={run.model} disabled={busy || !models.length} onChange={(e) => setModel(e.target.value)} data-testid="model-select">
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

      <NumberField label="Seed" value={run.seed} min={0} max={2 ** 31 - 1} step={1} disabled={busy} testId="seed" onCommit={setSeed} help="initial weights, batch order and synthetic data" />

      <details className="more">
        <summary>Split</summary>
        <fieldset disabled={busy}>
          <div className="field">
            <label htmlFor="split-kind">Split</label>
            <select id="split-kind" value={split.kind} onChange={(e) => setSplit({ kind: e.target.value as typeof split.kind })} data-testid="split-kind">
              <option value="walkforward">walk-forward (half-year groups)</option>
              <option value="rolling">rolling window (monthly)</option>
              <option value="fixed">fixed train / valid / test</option>
            </select>
          </div>
          <div className="grid-2">
            <NumberField label="Groups" value={split.groups ?? 0} min={0} max={20} step={1} onCommit={(v) => setSplit({ groups: Math.round(v) })} help="test half-years; 0 = all the data allows" testId="split-groups" />
            <NumberField label="Gap" value={split.gap ?? 21} min={0} max={120} step={1} suffix="days" onCommit={(v) => setSplit({ gap: Math.round(v) })} help="between validation and test" testId="split-gap" />
          </div>
          <p className="field-help">The split timeline is drawn in step 3; the portfolio (strategy, costs, label horizon) is set in step 4, Results.</p>
        </fieldset>
      </details>
    </Panel>
  );
}
