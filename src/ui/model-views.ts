/**
 * The Explain views a model registers from its own folder: every `src/models/<id>/views/index.tsx` that exports
 * `views: ModelViews` is picked up here (Vite / Vitest glob import), so adding a model's views touches no generic UI
 * file. The generic views (LRP / gradient x input of any explained result) register here too.
 */
import type { ComponentType } from 'react';
import type { TrainResult } from '../state/lab-api';

export interface ModelViews {
  /** a stable id (the model's id for a model's own views) */
  id: string;
  /** heading above the views, e.g. 'DMFM views' */
  title: string;
  /** whether these views have something to show for a result */
  applies(r: TrainResult): boolean;
  /** the views of one result */
  Component: ComponentType<{ result: TrainResult }>;
  /** functions added to window.__lab for the browser tests (called with the store's results) */
  testApi?: Record<string, (results: TrainResult[]) => unknown>;
}

const modules = import.meta.glob<{ views?: ModelViews }>('../models/*/views/index.tsx', { eager: true });

/** every model folder's registered views, in folder order */
export const modelViews: ModelViews[] = Object.keys(modules)
  .sort()
  .map((k) => modules[k].views)
  .filter((v): v is ModelViews => !!v);
