/** examples/e2eai-*.json are the E2EAI presets for the headless runner: they must not drift from the UI presets. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../core/run';
import { getModel } from '../registry';
import { resolveConfig } from '../common';
import { AUTO_STRATEGY, presets } from './presets';

const read = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../examples/${name}.json`, import.meta.url), 'utf8')) as {
    run: Partial<RunConfig>;
    models: { model: string; config?: Record<string, unknown> }[];
  };

describe('E2EAI presets and examples', () => {
  for (const p of presets) {
    it(`examples/${p.id}.json (ad-hoc block) and ${p.id}-auto.json (automatic block) run the ${p.label} preset`, () => {
      const ex = read(p.id);
      expect(ex.run.split).toEqual(p.run.split);
      expect(ex.run.strategy).toEqual(p.run.strategy);
      expect(ex.run.seed).toBe(p.run.seed);
      expect(ex.models.map((m) => m.model).sort()).toEqual([...p.compare].sort());
      for (const m of ex.models) expect(m.config ?? {}).toEqual(p.configs[m.model]);
      const auto = read(`${p.id}-auto`);
      expect(auto.run.split).toEqual(p.run.split);
      expect(auto.run.strategy).toEqual(AUTO_STRATEGY);
      expect(auto.models.map((m) => m.model).sort()).toEqual(['e2eai', 's-avg', 's-best', 's-t20']);
      for (const m of auto.models) expect(m.config ?? {}).toEqual(p.configs[m.model]);
      // every configuration is valid for its model's schema (strict: no value out of range)
      for (const id of p.compare) expect(() => resolveConfig(getModel(id).configSchema, p.configs[id], id)).not.toThrow();
    });
  }
});
