/**
 * One name per method on the page. The headless runner labels a model entry by its model id when the config gives no
 * label (`linear`, `factorvae@3`: those labels key a bundle's metrics.json, its checkpoints and `--models`), while the
 * page labels its own runs by the model's display name (resultLabel: `Linear`, `FactorVAE (...)@3`, marked when held
 * out). A bundle's methods are renamed here, when they are opened (openedResults in lab-api-worker.ts, the path of
 * "Open run", the gallery, the notebook and its folder), so bundles already on disk show display names without being
 * rewritten. An explicit label (`factorvae-prior`) is kept as it is. Colours follow the model id, never the label.
 */
import type { RunConfig } from '../core/run';
import { seedLabel } from '../eval/seeds';
import { resultLabel } from './experiments';

const SEEDED = /^(.*)@(\d+)$/;

/**
 * The display label of a method stored under `label`: a runner default label (`<id>` or `<id>@<seed>`, where `nameOf(id)`
 * knows the id) becomes the model's name as the page labels its own runs (resultLabel: held-out mark from `run`, then
 * `@<seed>`); any other label is returned unchanged. Without `run` (a gallery card) only the name and seed are known.
 */
export function methodDisplayLabel(
  label: string,
  nameOf: (id: string) => string | undefined,
  run?: Pick<RunConfig, 'seed' | 'holdout'>,
): string {
  const m = SEEDED.exec(label);
  const id = m ? m[1] : label;
  const name = nameOf(id);
  if (name === undefined) return label;
  const seed = m ? Number(m[2]) : undefined;
  if (!run) return seed === undefined ? name : seedLabel(name, seed);
  return resultLabel(name, { holdout: run.holdout, seed: seed ?? run.seed }, seed !== undefined);
}

/** the display label of a bundle method whose output names its model ({ id, name }) */
export const bundleMethodLabel = (label: string, model: { id: string; name: string }, run: Pick<RunConfig, 'seed' | 'holdout'>): string =>
  methodDisplayLabel(label, (id) => (id === model.id ? model.name : undefined), run);
