/**
 * The notebook viewer: the lab's results and explain views, read-only, over the data embedded in the page (payload.ts).
 * Built as one self-contained HTML file (vite.notebook.config.ts): no tfjs, no DuckDB, no worker, no network.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { useLab } from '../../state/store';
import { setLabApi } from '../../state/api';
import { LabError } from '../../core/errors';
import type { LabApi } from '../../state/lab-api';
import { decodeNotebook, fromB64, type NotebookData } from './payload';
import { Notebook } from './Notebook';
import { installTestApi } from '../test-api';
import '../../styles.css';
import './notebook.css';

const readOnly = (): never => {
  throw new LabError('This is a notebook: its results are read-only.', 'Open the run bundle in the lab to train or re-evaluate.');
};
setLabApi({ loadDataset: readOnly, query: readOnly, train: readOnly, setPaused: () => undefined, listModels: async () => [] } as LabApi);

let data: NotebookData | null = null;
let error: string | null = null;
try {
  const raw = document.getElementById('lab-notebook-data')?.textContent ?? '';
  if (!raw.trim()) throw new Error('this notebook carries no data (export it from the lab)');
  data = decodeNotebook(fromB64(raw));
  useLab.setState({ results: data.results, trainStatus: 'done' });
} catch (e) {
  error = (e as Error).message;
}
installTestApi(window);
(window as unknown as { __notebook?: unknown }).__notebook = { metrics: () => data?.metrics ?? null, error: () => error };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Notebook data={data} error={error} />
  </StrictMode>,
);
