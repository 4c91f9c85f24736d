/** The lab page: header with the four steps, configuration on the left (Data, Model), outputs on the right. */
import { useState } from 'react';
import { useLab } from '../state/store';
import { DataPanel } from './panels/DataPanel';
import { ModelPanel } from './panels/ModelPanel';
import { ResultsPanel } from './panels/ResultsPanel';
import { SqlConsole } from './panels/SqlConsole';
import { SummaryCard } from './panels/SummaryCard';
import { TrainPanel } from './panels/TrainPanel';
import { RunsPanel } from './components/RunsPanel';

type StepState = 'done' | 'active' | 'todo';

function goTo(id: string) {
  const el = document.getElementById(id);
  if (!el) return;
  el.scrollIntoView({ behavior: 'smooth', block: 'start' });
  const h = el.querySelector('h2');
  if (h) {
    h.setAttribute('tabindex', '-1');
    h.focus({ preventScroll: true });
  }
}

function Stepper() {
  const dataStatus = useLab((s) => s.dataStatus);
  const dataName = useLab((s) => s.summary?.name);
  const modelLabel = useLab((s) => s.models.find((m) => m.id === s.run.model)?.label ?? s.run.model);
  const trainStatus = useLab((s) => s.trainStatus);
  const frac = useLab((s) => s.progress?.fraction ?? 0);
  const nResults = useLab((s) => s.results.length);
  const steps: { id: string; n: number; title: string; detail: string; state: StepState }[] = [
    {
      id: 'panel-data',
      n: 1,
      title: 'Data',
      detail: dataStatus === 'loading' ? 'loading…' : (dataName ?? 'choose a dataset'),
      state: dataStatus === 'ready' ? 'done' : 'active',
    },
    {
      id: 'panel-model',
      n: 2,
      title: 'Model',
      detail: modelLabel,
      state: dataStatus === 'ready' ? (trainStatus === 'idle' ? 'active' : 'done') : 'todo',
    },
    {
      id: 'panel-train',
      n: 3,
      title: 'Train',
      detail: trainStatus === 'running' ? `${Math.round(frac * 100)}%` : trainStatus === 'idle' ? 'not started' : trainStatus,
      state: trainStatus === 'done' ? 'done' : trainStatus === 'idle' && dataStatus !== 'ready' ? 'todo' : 'active',
    },
    {
      id: 'panel-results',
      n: 4,
      title: 'Results',
      detail: nResults ? `${nResults} model${nResults > 1 ? 's' : ''}` : 'none yet',
      state: nResults ? 'done' : 'todo',
    },
  ];
  return (
    <nav aria-label="Steps">
      <ol className="stepper">
        {steps.map((s) => (
          <li key={s.id} className={`step ${s.state}`}>
            <button type="button" onClick={() => goTo(s.id)} data-testid={`step-${s.title.toLowerCase()}`}>
              <span className="step-num" aria-hidden="true">
                {s.state === 'done' ? '✓' : s.n}
              </span>
              <span className="step-text">
                <span className="step-title">{s.title}</span>
                <span className="step-detail">{s.detail}</span>
              </span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}

function CopyLink() {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn small"
      title="The link holds the whole setup (dataset, preprocessing, model, hyper-parameters, seed)"
      onClick={() => {
        void navigator.clipboard?.writeText(window.location.href).then(
          () => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          },
          () => undefined,
        );
      }}
    >
      {copied ? 'Link copied' : 'Copy link to this setup'}
    </button>
  );
}

function UrlWarnings() {
  const warnings = useLab((s) => s.urlWarnings);
  const [hidden, setHidden] = useState(false);
  if (!warnings.length || hidden) return null;
  return (
    <div className="banner" role="status" data-testid="url-warnings">
      <div>
        <b>Some settings in this link were not used:</b>
        <ul>
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      </div>
      <button type="button" className="icon-btn" aria-label="Dismiss" onClick={() => setHidden(true)}>
        ×
      </button>
    </div>
  );
}

export function App() {
  return (
    <div className="app">
      <a
        className="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          goTo('panel-summary');
        }}
      >
        Skip to results
      </a>
      <header className="topbar">
        <div className="brand">
          <h1>Factor Lab</h1>
          <span className="tagline">train and test stock-selection models in your browser</span>
        </div>
        <Stepper />
        <CopyLink />
      </header>
      <UrlWarnings />
      <div className="layout">
        <aside className="sidebar" aria-label="Setup">
          <DataPanel />
          <ModelPanel />
        </aside>
        <main id="main" className="main">
          <SummaryCard />
          <TrainPanel />
          <ResultsPanel />
          <RunsPanel />
          <SqlConsole />
          <footer className="footer">
            Bundled prices: Pooksoft/PooksoftSP500EquityPriceDataSet (MIT, from AlphaVantage); sectors: that repository and
            datasets/s-and-p-500-companies (ODC-PDDL). Results are research illustrations, not investment advice.
          </footer>
        </main>
      </div>
    </div>
  );
}
