/** The model zoo as the UI and the runner see it: every ModelSpec, looked up by id. */
import { LabError } from '../core/errors';
import { schemaDefaults } from './config';
import { ewSpec } from './baselines/ew';
import { linearSpec } from './baselines/linear';
import { mlpSpec } from './baselines/mlp';
import { dmfmSpec } from './dmfm/dmfm';
import { e2eaiSpec } from './e2eai/e2eai';
import { sAvgSpec, sBestSpec, sT20Spec } from './e2eai/stepwise';
import { mgatSpec } from './dmfm/mgat';
import { dfmSpec } from './dfm/dfm';
import { factorVaeSpec } from './factorvae/factorvae';
import { ridgeSpec } from './dfm/ridge';
import { rfSpec } from './dfm/rf';
import { svrSpec } from './dfm/svr';
import { alstmSpec } from './seq-baselines/alstm';
import { caSpec } from './seq-baselines/ca';
import { gatSpec } from './seq-baselines/gat';
import { gruSpec } from './seq-baselines/gru';
import { ipcaSpec } from './seq-baselines/ipca';
import { transformerSpec } from './seq-baselines/transformer';
import type { ModelConfig, ModelSpec } from './types';

/** all registered models, in menu order */
export const models: ModelSpec[] = [
  linearSpec,
  ewSpec,
  mlpSpec,
  mgatSpec,
  dmfmSpec,
  e2eaiSpec,
  sBestSpec,
  sAvgSpec,
  sT20Spec,
  dfmSpec,
  ridgeSpec,
  rfSpec,
  svrSpec,
  factorVaeSpec,
  ipcaSpec,
  caSpec,
  gruSpec,
  alstmSpec,
  gatSpec,
  transformerSpec,
];

/** the spec for `id`; a LabError listing the known ids otherwise */
export function getModel(id: string): ModelSpec {
  const m = models.find((s) => s.id === id);
  if (!m) throw new LabError(`Unknown model "${id}".`, `Known models: ${models.map((s) => s.id).join(', ')}.`);
  return m;
}

/** the schema defaults of a model, e.g. for a new run or the URL encoder */
export function defaultConfig(id: string): ModelConfig {
  return schemaDefaults(getModel(id).configSchema);
}
