/** Keep the URL hash and the store's setup in step: write on every change, apply links pasted into the address bar. */
import { clipText, hashToRun, runToHash, type CompareSetup } from './url-state';
import { defaultRun } from '../core/run';
import { resolveConfig } from '../models/config';
import { useLab, type LabState } from './store';

/**
 * The "Compare methods" part of the link: the ticked ids and, for each ticked model other than the selected one (whose
 * hyper-parameters are the run's config), the hyper-parameters a preset set for it.
 */
export function compareSetupOf(s: Pick<LabState, 'compareIds' | 'presetConfigs' | 'run'>): CompareSetup {
  const configs: CompareSetup['configs'] = {};
  for (const id of s.compareIds) if (id !== s.run.model && s.presetConfigs[id]) configs[id] = { ...s.presetConfigs[id] };
  return { ids: [...s.compareIds], configs };
}

/** The hash of the whole setup: the run and the "Compare methods" setup. */
export const setupHash = (s: Pick<LabState, 'compareIds' | 'presetConfigs' | 'run'> & { seeds?: number[] }): string =>
  runToHash(s.run, compareSetupOf(s), s.seeds);

/** Start syncing; returns a function that stops it. */
export function startUrlSync(win: Window = window): () => void {
  let written = win.location.hash;
  const unsubscribe = useLab.subscribe((s, prev) => {
    if (s.run === prev.run && s.compareIds === prev.compareIds && s.presetConfigs === prev.presetConfigs && s.seeds === prev.seeds) return;
    const h = setupHash(s);
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
    const known = (id: string) => s.models.length === 0 || s.models.some((x) => x.id === id);
    useLab.setState({
      run: m ? { ...parsed.run, model: m.id, config: resolveConfig(m.configSchema, parsed.run.config, m.id, 'clamp') } : parsed.run,
      urlWarnings: warnings,
      ...(parsed.compare ? { compareIds: parsed.compare.ids.filter(known), presetConfigs: parsed.compare.configs } : {}),
      ...(parsed.seeds ? { seeds: parsed.seeds } : {}),
    });
  };
  win.addEventListener('hashchange', onHash);
  return () => {
    unsubscribe();
    win.removeEventListener('hashchange', onHash);
  };
}
