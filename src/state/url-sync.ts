/** Keep the URL hash and the store's run in step: write on every change, apply links pasted into the address bar. */
import { clipText, hashToRun, runToHash } from './url-state';
import { defaultRun } from '../core/run';
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
    const warnings = [...parsed.warnings];
    let m = s.models.find((x) => x.id === parsed.run.model);
    if (!m && s.models.length) {
      // the same fallback as at start-up (actions.loadModels), so the banner names the model the selector shows
      m = s.models.find((x) => x.id === defaultRun.model) ?? s.models[0];
      warnings.push(`model '${clipText(parsed.run.model)}' is not in this build; using ${m.label}`);
    }
    useLab.setState({
      run: m ? { ...parsed.run, model: m.id, config: resolveConfig(m.configSchema, parsed.run.config, m.id, 'clamp') } : parsed.run,
      urlWarnings: warnings,
    });
  };
  win.addEventListener('hashchange', onHash);
  return () => {
    unsubscribe();
    win.removeEventListener('hashchange', onHash);
  };
}
