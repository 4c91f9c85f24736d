/**
 * Run presets (core/run.ts RunPreset): one click sets the split, the strategy, the selected model with its
 * hyper-parameters, and the methods ticked for "Compare methods". Each model folder contributes its own
 * (src/models/<id>/presets.ts), so adding a paper's presets touches no file here.
 */
import type { RunPreset } from '../core/run';

export type { RunPreset } from '../core/run';

const modules = import.meta.glob<{ presets?: RunPreset[] }>('../models/*/presets.ts', { eager: true });

/** every model folder's presets (src/models/<id>/presets.ts), in folder order */
export const PRESETS: RunPreset[] = Object.keys(modules)
  .sort()
  .flatMap((k) => modules[k].presets ?? []);

/** A preset by id (undefined when unknown). */
export const presetById = (id: string): RunPreset | undefined => PRESETS.find((p) => p.id === id);
