/** The notebook page: title, what the run was, the author's notes, the results and explain views (read-only). */
import { ResultsPanel } from '../panels/ResultsPanel';
import type { NotebookData } from './payload';
import { Markdown } from './Markdown';

export function Notebook({ data, error }: { data: NotebookData | null; error: string | null }) {
  if (!data)
    return (
      <div className="notebook">
        <p className="error-box" role="alert">
          Could not read this notebook: {error}
        </p>
      </div>
    );
  const m = data.manifest;
  return (
    <div className="notebook" data-testid="notebook">
      <header className="notebook-head">
        <h1>{data.title}</h1>
        <p className="muted">
          {m ? `${m.dataset.description}; ` : ''}
          {data.results.map((r) => r.label).join(', ')}; written {data.created}
          {m ? ` (lab ${m.lab}, ${m.producer === 'node' ? 'headless runner' : 'browser'}, ${m.backend})` : ''}. A read-only Factor Lab
          notebook: every chart is interactive, and the per-date series behind each number are inside this file.
        </p>
      </header>
      {data.notes.map((n, i) => (
        <Markdown key={i} text={n} testId={`note-${i}`} />
      ))}
      <main className="main notebook-main">
        <ResultsPanel />
      </main>
    </div>
  );
}
