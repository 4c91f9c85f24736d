/** Step 1, Data: dataset source (bundled / synthetic / file), universe, factor groups, preprocessing. */
import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  applyPrep,
  bundledSpec,
  cancelPendingLoad,
  confirmPendingLoad,
  loadDataset,
  loadFile,
  setPreprocessing,
  setUniverse,
  syntheticSpec,
  toggleFactorGroup,
} from '../../state/actions';
import { useLab } from '../../state/store';
import { SIGNAL_CONTROLS, syntheticFactorRoles } from '../../data/synthetic';
import { ErrorBox, NumberField, Panel, useFocusAfterBusy } from '../components/common';
import { DataDoubts, DataDoubtsHelp } from './DataDoubts';
import { LoadSteps } from './LoadSteps';

type Source = 'bundled' | 'synthetic' | 'file';

/** Settings of the synthetic market (keys of src/data/synthetic.ts SyntheticOptions). */
const SYNTH_FIELDS: { key: string; label: string; min: number; max: number; step: number; help: string }[] = [
  { key: 'nStocks', label: 'Stocks', min: 20, max: 1000, step: 10, help: 'cross-section size N' },
  { key: 'nDays', label: 'Trading days', min: 250, max: 5000, step: 50, help: 'history length T' },
  { key: 'nIndustries', label: 'Industries', min: 2, max: 30, step: 1, help: 'industries share a return factor' },
  { key: 'nFactors', label: 'Factors', min: 6, max: 40, step: 1, help: '6 carry the planted signal, the rest are noise' },
  {
    key: 'alpha',
    label: 'Signal (α/day)',
    min: 0,
    max: 0.02,
    step: 0.0005,
    help: 'daily return per 1 sd of the true score; 0 = pure noise',
  },
  { key: 'seed', label: 'Market seed', min: 0, max: 2147483647, step: 1, help: 'same seed, same market' },
];

export function DataPanel() {
  const run = useLab((s) => s.run);
  const summary = useLab((s) => s.summary);
  const dataStatus = useLab((s) => s.dataStatus);
  const activity = useLab((s) => s.dataActivity);
  const error = useLab((s) => s.dataError);
  const loadedPrep = useLab((s) => s.loadedPrep);
  const training = useLab((s) => s.trainStatus === 'running' || s.trainStatus === 'paused' || s.trainStatus === 'cancelling');
  const [source, setSource] = useState<Source>(run.dataset.kind === 'url' ? 'file' : run.dataset.kind);
  const [synth, setSynth] = useState<Record<string, number>>(() => ({
    ...syntheticSpec().synthetic,
    ...(run.dataset.kind === 'synthetic' ? run.dataset.synthetic : {}),
  }));
  // follow the run when it changes from outside (a link read at start-up, a finished load)
  const kind = run.dataset.kind;
  const synthJson = JSON.stringify(run.dataset.synthetic ?? null);
  useEffect(() => setSource(kind === 'url' ? 'file' : kind), [kind]);
  useEffect(() => {
    const fromRun = JSON.parse(synthJson) as Record<string, number> | null;
    if (fromRun) setSynth((cur) => ({ ...cur, ...fromRun }));
  }, [synthJson]);
  const [dragOver, setDragOver] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const loadButton = useRef<HTMLButtonElement>(null);
  const chooseButton = useRef<HTMLButtonElement>(null);
  const discardButton = useRef<HTMLButtonElement>(null);
  const pending = useLab((s) => s.pendingLoad);
  const loading = dataStatus === 'loading';
  const busy = loading || training;
  useFocusAfterBusy(source === 'file' ? chooseButton : loadButton, loading);
  // the question replaces the click's target: put the focus on its safe answer's neighbour (Discard is explicit)
  useEffect(() => {
    if (pending) discardButton.current?.focus();
  }, [pending]);

  const groups = useMemo(() => {
    const m = new Map<string, number>();
    for (const f of summary?.factors ?? []) m.set(f.group, (m.get(f.group) ?? 0) + 1);
    return [...m.entries()];
  }, [summary]);
  const allGroups = groups.map(([g]) => g);
  const groupOn = (g: string) => run.factors.length === 0 || run.factors.includes(g);
  // universe and factor groups apply at Train; only preprocessing changes the loaded panel
  const prepChanged =
    summary !== null && loadedPrep !== null && JSON.stringify(loadedPrep.preprocessing) !== JSON.stringify(run.preprocessing);
  const universe = summary?.universes.find((u) => u.name === run.universe);
  const p = run.preprocessing;

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragOver(false);
    const f = e.dataTransfer.files[0];
    if (f && !busy) {
      setSource('file');
      void loadFile(f);
    }
  };

  return (
    <Panel
      id="panel-data"
      step={1}
      title="Data"
      busy={loading}
      status={
        <span data-testid="data-status" data-status={dataStatus}>
          {dataStatus === 'ready' ? summary?.name : dataStatus === 'loading' ? 'loading…' : 'nothing loaded'}
        </span>
      }
      help={
        <>
          <p>
            <b>Dataset.</b> The bundled set is daily prices of US large caps, 2012–2019, with technical factors computed in the browser. A{' '}
            <b>synthetic market</b> has a known signal, so you can check a model finds it. Your own <b>parquet or CSV file</b> holds daily
            prices (columns <code>date</code>, <code>ticker</code>, <code>open</code>, <code>high</code>, <code>low</code>,{' '}
            <code>close</code>, <code>volume</code>, and <code>adj_close</code> or <code>adj_factor</code> if you have them) or a factor
            panel (<code>date</code>, <code>ticker</code>, numeric factor columns, and <code>close</code> or <code>fwd_ret_1</code> for
            backtests); a file with every price column is read as prices, and the summary says which shape it chose and why. It never leaves
            your browser. A CSV (<code>.csv</code> or gzip-compressed <code>.csv.gz</code>) needs a header row naming the columns, values
            separated by commas (semicolons, tabs or <code>|</code> work too; a semicolon file may use decimal commas) and dates written{' '}
            <code>yyyy-mm-dd</code> (or <code>yyyymmdd</code>); a date such as 03/01/2012 is refused, as day and month cannot be told apart.
          </p>
          <p>
            <b>Survivorship caveat:</b> the bundled universe is the S&amp;P 500 membership of April 2021, not the membership on each past
            date, so stocks that later failed are missing and past returns look better than a real investor could have had.
          </p>
          <p>
            <b>Universe</b>: the stocks eligible on each date. Universes are rebuilt through time (a stock can enter and leave); each one's
            rule is shown under the selector.
          </p>
          <p>
            <b>MAD winsorising</b> tames outliers: each day, each factor is clipped to median ± k × 1.4826 × MAD (median absolute deviation;
            1.4826 × MAD estimates the standard deviation of normal data). k = 5 clips only extreme values; 0 turns it off.
          </p>
          <p>
            <b>z-score</b> rescales each factor per day to mean 0, standard deviation 1; <b>rank</b> replaces values by their
            cross-sectional rank (robust to outliers). <b>Fill</b> puts missing values at the day's mean (0 after normalising); <b>mask</b>{' '}
            drops the stock that day. <b>Industry-neutral</b> removes each industry's mean, so a factor compares stocks within their
            industry.
          </p>
          <DataDoubtsHelp />
        </>
      }
    >
      <div
        className={`drop-zone ${dragOver ? 'drag-over' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragOver(true);
        }}
        onDragLeave={() => setDragOver(false)}
        onDrop={onDrop}
      >
        <fieldset className="radio-group" disabled={busy}>
          <legend>Dataset</legend>
          {(
            [
              ['bundled', 'Bundled: US large caps 2012–2019'],
              ['synthetic', 'Synthetic market'],
              ['file', 'Your parquet or CSV file'],
            ] as const
          ).map(([k, label]) => (
            <label key={k} className="radio">
              <input
                type="radio"
                name="source"
                value={k}
                checked={source === k}
                onChange={() => setSource(k)}
                data-testid={`source-${k}`}
              />
              {label}
            </label>
          ))}
        </fieldset>

        {source === 'synthetic' && (
          <>
            <div className="grid-2">
              {SYNTH_FIELDS.map((f) => (
                <NumberField
                  key={f.key}
                  compact
                  label={f.label}
                  value={synth[f.key]}
                  min={f.min}
                  max={f.max}
                  step={f.step}
                  help={f.help}
                  disabled={busy}
                  testId={`synth-${f.key}`}
                  onCommit={(v) => setSynth({ ...synth, [f.key]: v })}
                />
              ))}
            </div>
            <fieldset className="signal-fields" data-testid="synth-signal">
              <legend>Planted signal (score = weighted parts, returns = α × score + noise)</legend>
              <div className="grid-2">
                {SIGNAL_CONTROLS.map((f) => (
                  <NumberField
                    key={f.key}
                    compact
                    label={f.label}
                    value={synth[f.key] ?? f.def}
                    min={f.min}
                    max={f.max}
                    step={f.step}
                    help={f.help}
                    disabled={busy}
                    testId={`synth-${f.key}`}
                    onCommit={(v) => setSynth({ ...synth, [f.key]: v })}
                  />
                ))}
              </div>
            </fieldset>
            <details className="more" data-testid="synth-roles">
              <summary>Factor roles</summary>
              <table className="roles">
                <thead>
                  <tr>
                    <th scope="col">Factor</th>
                    <th scope="col">Role</th>
                    <th scope="col">Planted as</th>
                  </tr>
                </thead>
                <tbody>
                  {syntheticFactorRoles(synth.nFactors ?? 12).map((r) => (
                    <tr key={r.name}>
                      <td>{r.name}</td>
                      <td>
                        <code>{r.short}</code>
                      </td>
                      <td>{r.role}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </>
        )}

        {source === 'file' ? (
          <div className="file-row">
            <input
              ref={fileInput}
              id="file-input"
              className="sr-only"
              type="file"
              accept=".parquet,.csv,.csv.gz,.tsv,.txt,text/csv,application/octet-stream"
              data-testid="file-input"
              disabled={busy}
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void loadFile(f);
                e.target.value = '';
              }}
            />
            <button
              ref={chooseButton}
              type="button"
              className="btn primary"
              disabled={busy}
              onClick={() => fileInput.current?.click()}
              data-testid="choose-file"
            >
              Choose a file…
            </button>
            <span className="muted small">.parquet, .csv or .csv.gz, or drop it on this panel</span>
          </div>
        ) : (
          <button
            ref={loadButton}
            type="button"
            className="btn primary"
            disabled={busy}
            data-testid="load-dataset"
            onClick={() => void loadDataset(source === 'bundled' ? bundledSpec() : syntheticSpec(synth))}
          >
            {dataStatus === 'ready' && run.dataset.kind === source ? 'Reload' : 'Load'}{' '}
            {source === 'bundled' ? 'bundled dataset' : 'synthetic market'}
          </button>
        )}
      </div>

      {pending && (
        <div className="confirm" role="alertdialog" aria-labelledby="pending-load-q" data-testid="pending-load">
          <p id="pending-load-q">
            Loading <b>{pending.spec.name}</b> discards the trained results of {pending.results.join(', ')} (they belong to{' '}
            {summary?.name ?? 'the loaded dataset'}). Export or save them first if you need them.
          </p>
          <div className="row">
            <button
              ref={discardButton}
              type="button"
              className="btn danger small"
              onClick={() => void confirmPendingLoad()}
              data-testid="confirm-discard"
            >
              Discard {pending.results.length} result{pending.results.length === 1 ? '' : 's'} and load
            </button>
            <button
              type="button"
              className="btn small"
              onClick={() => {
                cancelPendingLoad();
                (source === 'file' ? chooseButton : loadButton).current?.focus();
              }}
              data-testid="keep-results"
            >
              Keep the results
            </button>
          </div>
        </div>
      )}
      <LoadSteps loading={loading} activity={activity} />
      <ErrorBox error={error} />

      <div className="field">
        <label htmlFor="universe">Universe</label>
        <select
          id="universe"
          value={run.universe}
          disabled={!summary || busy}
          onChange={(e) => setUniverse(e.target.value)}
          data-testid="universe-select"
        >
          {(summary?.universes ?? [{ name: run.universe, description: '', avgMembers: NaN }]).map((u) => (
            <option key={u.name} value={u.name}>
              {u.name}
              {Number.isFinite(u.avgMembers) ? ` (~${Math.round(u.avgMembers)} stocks/day)` : ''}
            </option>
          ))}
        </select>
        {universe?.description && <p className="field-help">{universe.description}</p>}
      </div>

      <div className="field">
        <label htmlFor="industry-level">Industry level</label>
        <select
          id="industry-level"
          value={p.industryLevel ?? 'sector'}
          disabled={busy}
          onChange={(e) => setPreprocessing({ industryLevel: e.target.value as 'sector' | 'sub_industry' })}
          data-testid="industry-level-select"
        >
          <option value="sector">GICS sector (11 groups)</option>
          <option value="sub_industry">GICS sub-industry (~120; sector where missing)</option>
        </select>
        <p className="field-help">
          Industries of a prices file with a sectors file: the industry graph and industry-neutral factors. Sectors give every stock peers;
          sub-industries are finer, but many hold a single stock.
        </p>
      </div>

      <fieldset className="checks" disabled={!summary || busy}>
        <legend>Factor groups</legend>
        {groups.length === 0 && <p className="muted small">Load a dataset to see its factors.</p>}
        {groups.map(([g, n]) => (
          <label key={g} className="check">
            <input
              type="checkbox"
              checked={groupOn(g)}
              onChange={() => toggleFactorGroup(g, allGroups)}
              data-testid={`factor-group-${g}`}
            />
            {g} <span className="muted">({n})</span>
          </label>
        ))}
        {groups.length > 0 && !allGroups.some(groupOn) && <p className="field-error">Tick at least one group.</p>}
      </fieldset>

      <fieldset className="prep" disabled={busy}>
        <legend>Preprocessing</legend>
        <NumberField
          label="MAD clip k"
          value={p.madK}
          min={0}
          max={20}
          step={0.5}
          testId="prep-madk"
          help="clip at median ± k·1.4826·MAD per day; 0 = off"
          onCommit={(v) => setPreprocessing({ madK: v })}
        />
        <div className="field">
          <span className="label">Normalise per day</span>
          <div className="seg" role="radiogroup" aria-label="Normalise per day">
            {(['zscore', 'rank', 'none'] as const).map((k) => (
              <label key={k} className="radio">
                <input type="radio" name="normalize" checked={p.normalize === k} onChange={() => setPreprocessing({ normalize: k })} />
                {k === 'zscore' ? 'z-score' : k}
              </label>
            ))}
          </div>
        </div>
        <div className="field">
          <span className="label">Missing values</span>
          <div className="seg" role="radiogroup" aria-label="Missing values">
            {(['fill', 'mask'] as const).map((k) => (
              <label key={k} className="radio">
                <input type="radio" name="missing" checked={p.missing === k} onChange={() => setPreprocessing({ missing: k })} />
                {k === 'fill' ? 'fill with mean' : 'mask the stock'}
              </label>
            ))}
          </div>
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={p.industryNeutral}
            onChange={(e) => setPreprocessing({ industryNeutral: e.target.checked })}
            data-testid="prep-neutral"
          />
          Industry-neutral factors
        </label>
        <NumberField
          label="Minimum history"
          value={p.minHistory}
          min={0}
          max={1000}
          step={10}
          suffix="days"
          testId="prep-minhistory"
          help="trading days of prices a stock needs before it enters"
          onCommit={(v) => setPreprocessing({ minHistory: Math.round(v) })}
        />
        <DataDoubts />
      </fieldset>

      {prepChanged && (
        <div className="note" data-testid="prep-changed">
          The summary was built with other preprocessing. Training always uses the settings above.{' '}
          <button type="button" className="btn small" disabled={busy} onClick={() => void applyPrep()}>
            Rebuild summary
          </button>
        </div>
      )}
    </Panel>
  );
}
