/** Keep the URL hash and the store's run in step: write on every change, apply links pasted into the address bar. */
import { hashToRun, runToHash } from './url-state';
import { resolveConfig } from '../models/config';
import { useLab } from './store';

/** Start syncing; returns a function that stops it. */
export function startUrlSync(win: Window = window): () => void {
  let written = win.location.hash;
  const unsubscribe = useLab.subscribe((s, prev) => {
    if (s.run === prev.run) return;
    const h = runToHash(s.run);
    if (h === written) return;
    written = h;
    win.history.replaceState(win.history.state, '', win.location.pathname + win.location.search + h);
  });
  const onHash = () => {
    if (win.location.hash === written) return;
    written = win.location.hash;
    const parsed = hashToRun(win.location.hash);
    const s = useLab.getState();
    const m = s.models.find((x) => x.id === parsed.run.model);
    useLab.setState({
      run: m ? { ...parsed.run, config: resolveConfig(m.configSchema, parsed.run.config, m.id, 'clamp') } : parsed.run,
      urlWarnings: parsed.warnings,
    });
  };
  win.addEventListener('hashchange', onHash);
  return () => {
    unsubscribe();
    win.removeEventListener('hashchange', onHash);
  };
}
