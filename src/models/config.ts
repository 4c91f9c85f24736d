/**
 * A model's hyper-parameters resolved against its config schema: one function for the model (strict) and the UI
 * (clamp). No tfjs: the UI thread imports it (models import it through common.ts).
 */
import { LabError } from '../core/errors';

export type ConfigValue = number | string | boolean;

/** What the resolver reads of a schema field (models' ConfigField, and its UI mirror in state/lab-api.ts). */
export interface ConfigFieldSpec {
  key: string;
  default: ConfigValue;
  min?: number;
  max?: number;
  options?: string[];
  help?: string;
}

/** 'strict': an invalid value throws (a model's build, the runner); 'clamp': it is repaired (UI edits, URL, presets). */
export type ConfigMode = 'clamp' | 'strict';

/**
 * The config completed from the schema: a missing key takes its default. Per field type:
 *  - number: a number or a numeric string. Outside [min, max]: strict throws, clamp clamps. Not a number: strict
 *    throws, clamp takes the default. (strict also reads any value `Number()` reads, e.g. '' as 0, as it always has.)
 *  - string with options: one of them; otherwise strict throws, clamp takes the default.
 *  - other strings: String(value) (clamp), the value as given (strict).
 *  - boolean: clamp reads true / false / 'true' / 'false' and takes the default otherwise; strict keeps the value.
 * Keys the schema lacks: strict keeps them (a caller's extra settings), clamp drops them (stale keys of another model).
 * `modelId` names the model in strict mode's errors.
 */
export function resolveConfig(
  schema: ConfigFieldSpec[],
  config: Record<string, ConfigValue>,
  modelId: string,
  mode: ConfigMode = 'strict',
): Record<string, ConfigValue> {
  const strict = mode === 'strict';
  const out: Record<string, ConfigValue> = {};
  for (const f of schema) {
    const given = config[f.key];
    const v = strict ? (given ?? f.default) : given === undefined ? f.default : given;
    if (typeof f.default === 'number') {
      let n = strict ? Number(v) : typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) {
        if (strict)
          throw new LabError(
            `Model "${modelId}": config "${f.key}" = ${String(v)} is not a number.`,
            `Expected a number in [${f.min}, ${f.max}].`,
          );
        n = f.default;
      }
      if (strict && ((f.min !== undefined && n < f.min) || (f.max !== undefined && n > f.max)))
        throw new LabError(`Model "${modelId}": config "${f.key}" = ${n} is outside [${f.min}, ${f.max}].`, f.help);
      out[f.key] = strict ? n : Math.min(f.max ?? Infinity, Math.max(f.min ?? -Infinity, n));
    } else if (typeof f.default === 'boolean' && !strict) {
      out[f.key] = typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : f.default;
    } else if (f.options) {
      const s = String(v);
      if (f.options.includes(s)) out[f.key] = s;
      else if (strict) throw new LabError(`Model "${modelId}": config "${f.key}" = "${s}" is not one of ${f.options.join(', ')}.`, f.help);
      else out[f.key] = f.default;
    } else out[f.key] = strict ? v : String(v);
  }
  if (strict) for (const k of Object.keys(config)) if (!(k in out)) out[k] = config[k];
  return out;
}

/** A schema's defaults (what a model builds with when given no config). */
export const schemaDefaults = (schema: ConfigFieldSpec[]): Record<string, ConfigValue> => resolveConfig(schema, {}, '', 'clamp');
