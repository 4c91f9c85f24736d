/** Small building blocks: panel frame with a "?" help toggle, error box, spinner, number field. */
import { useEffect, useId, useRef, useState, type ReactNode, type RefObject } from 'react';
import { dismissError } from '../../state/actions';
import type { ErrorInfo } from '../../state/store';

/** A "?" button that shows / hides a short explanation. */
export function HelpToggle({ title, children }: { title: string; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <>
      <button
        type="button"
        className="help-btn"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen(!open)}
        title={`What is ${title}?`}
      >
        <span aria-hidden="true">?</span>
        <span className="sr-only">Explain {title}</span>
      </button>
      {open && (
        <div id={id} className="help-box" role="note">
          {children}
        </div>
      )}
    </>
  );
}

/** A numbered step / card with a heading, an optional status line and a help toggle. */
export function Panel(props: {
  id: string;
  step?: number;
  title: string;
  status?: ReactNode;
  help?: ReactNode;
  children: ReactNode;
  className?: string;
  busy?: boolean;
}) {
  const hid = `${props.id}-title`;
  return (
    <section
      id={props.id}
      className={`panel ${props.className ?? ''}`}
      aria-labelledby={hid}
      data-testid={props.id}
      aria-busy={props.busy || undefined}
    >
      <header className="panel-head">
        {props.step !== undefined && (
          <span className="step-num" aria-hidden="true">
            {props.step}
          </span>
        )}
        <h2 id={hid}>{props.title}</h2>
        {props.status !== undefined && <span className="panel-status">{props.status}</span>}
        {props.help && <HelpToggle title={props.title}>{props.help}</HelpToggle>}
      </header>
      <div className="panel-body">{props.children}</div>
    </section>
  );
}

/** The red box: message, hint, dismiss. */
export function ErrorBox({ error }: { error: ErrorInfo | null }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert" data-testid={`error-${error.where}`}>
      <div className="error-text">
        <strong className="error-msg">{error.message}</strong>
        {error.hint && <p className="error-hint">{error.hint}</p>}
      </div>
      <button type="button" className="icon-btn" onClick={() => dismissError(error.where)} aria-label="Dismiss this error">
        ×
      </button>
    </div>
  );
}

/** Spinner with what is happening and, after 2 s, how long it has been going. */
export function Spinner({ label }: { label: string }) {
  const [t0] = useState(() => Date.now());
  const [now, setNow] = useState(t0);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  const secs = Math.floor((now - t0) / 1000);
  return (
    <div className="spinner-row" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>
        {label}
        {secs >= 2 && (
          <span className="muted" aria-hidden="true">
            {' '}
            · {secs} s
          </span>
        )}
      </span>
    </div>
  );
}

/** Empty-state box. */
export function Empty({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div className="empty" data-testid={testId}>
      {children}
    </div>
  );
}

/**
 * A number input that keeps the text being typed and commits on blur / Enter when it parses and is in range;
 * out-of-range or non-numeric text is flagged and not committed.
 */
export function NumberField(props: {
  id?: string;
  compact?: boolean;
  label: string;
  value: number;
  onCommit: (v: number) => void;
  min?: number;
  max?: number;
  step?: number;
  help?: ReactNode;
  disabled?: boolean;
  testId?: string;
  suffix?: string;
}) {
  const autoId = useId();
  const id = props.id ?? autoId;
  const [draft, setDraft] = useState(String(props.value));
  useEffect(() => setDraft(String(props.value)), [props.value]);
  const n = Number(draft);
  const valid =
    draft.trim() !== '' && Number.isFinite(n) && (props.min === undefined || n >= props.min) && (props.max === undefined || n <= props.max);
  const commit = () => {
    if (valid && n !== props.value) props.onCommit(n);
    else if (!valid) setDraft(String(props.value));
  };
  const range = props.min !== undefined && props.max !== undefined ? `${props.min} – ${props.max}` : null;
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {range && !props.compact && <span className="range"> ({range})</span>}
      </label>
      <div className="input-row">
        <input
          id={id}
          type="number"
          inputMode="decimal"
          value={draft}
          min={props.min}
          max={props.max}
          step={props.step ?? 'any'}
          disabled={props.disabled}
          aria-invalid={!valid || undefined}
          aria-describedby={props.help || (props.compact && range) ? `${id}-help` : undefined}
          data-testid={props.testId}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
          }}
        />
        {props.suffix && <span className="suffix">{props.suffix}</span>}
      </div>
      {!valid && <p className="field-error">Enter a number{range ? ` between ${props.min} and ${props.max}` : ''}.</p>}
      {(props.help || (props.compact && range)) && (
        <p id={`${id}-help`} className="field-help">
          {props.compact && range ? `${range} · ` : ''}
          {props.help}
        </p>
      )}
    </div>
  );
}

/** Caveats about the data (survivorship, planted signal, ...), one per line. */
export function Caveats({ notes, testId }: { notes: string[]; testId?: string }) {
  if (!notes.length) return null;
  return (
    <div className="caveat" data-testid={testId}>
      {notes.length === 1 ? (
        <p>{notes[0]}</p>
      ) : (
        <ul>
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * A chart with its heading, one line saying what it shows, optional controls, and an empty state (a sentence)
 * instead of the chart when there is nothing to draw.
 */
export function ChartCard(props: {
  title: ReactNode;
  help: ReactNode;
  controls?: ReactNode;
  empty?: string | null;
  testId: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={`chart-card ${props.className ?? ''}`} data-testid={`card-${props.testId}`}>
      <div className="chart-head">
        <h3>{props.title}</h3>
        {props.controls}
      </div>
      <p className="chart-help">{props.help}</p>
      {props.empty ? <Empty testId={`empty-${props.testId}`}>{props.empty}</Empty> : props.children}
    </div>
  );
}

/**
 * Keep keyboard focus on `ref` across a busy spell: a button disabled while busy drops the focus to <body>; when
 * `busy` ends and nothing else took the focus, give it back to `ref` (WCAG 2.4.3 focus order).
 */
export function useFocusAfterBusy(ref: RefObject<HTMLElement | null>, busy: boolean): void {
  const was = useRef(busy);
  const wanted = useRef(false);
  useEffect(() => {
    if (busy && !was.current) wanted.current = document.activeElement === ref.current || document.activeElement === document.body;
    if (!busy && was.current && wanted.current) {
      const a = document.activeElement;
      if (!a || a === document.body || a === ref.current) ref.current?.focus();
      wanted.current = false;
    }
    was.current = busy;
  }, [busy, ref]);
}
