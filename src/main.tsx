/**
 * Start-up: pick the engine (the worker adapter; a mock only in a dev preview build with VITE_LAB_MOCK=1),
 * read the URL into the store, keep the hash in sync, install window.__lab, render.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { initLab } from './state/actions';
import { initRuns } from './state/runs';
import type { LabApi } from './state/lab-api';
import { startUrlSync } from './state/url-sync';
import { App } from './ui/App';
import { installTestApi } from './ui/test-api';
import './styles.css';

async function createApi(): Promise<LabApi> {
  // Statically replaced at build time: the mock is not even bundled unless VITE_LAB_MOCK=1.
  if (import.meta.env.VITE_LAB_MOCK === '1') return (await import('./state/dev/mock-lab-api')).createMockLabApi();
  return (await import('./state/lab-api-worker')).createWorkerLabApi();
}

installTestApi(window);
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
const api = await createApi();
// initLab reads the URL synchronously before its first await; sync starts right after, so every later change
// (including edits made while the models or a linked dataset are still loading) is written back to the hash
const ready = initLab(api, { hash: window.location.hash, search: window.location.search });
startUrlSync(window);
await ready;
void initRuns({ search: window.location.search, href: window.location.href });
