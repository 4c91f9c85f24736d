/**
 * FactorVAE presets vs the examples/ configs of the headless runner: the same split, strategy, seed and per-model
 * hyper-parameters (the examples add the FactorVAE-prior ablation as a labelled extra entry), and every preset names
 * registered models whose schemas accept its settings.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../core/run';
import { getModel } from '../registry';
import { resolveConfig } from '../common';
import { presets } from './presets';

describe('FactorVAE presets', () => {
  for (const p of presets) {
    it(`examples/${p.id}.json runs the ${p.label} preset (plus the FactorVAE-prior ablation)`, () => {
      const ex = JSON.parse(readFileSync(new URL(`../../../examples/${p.id}.json`, import.meta.url), 'utf8')) as {
        run: Partial<RunConfig>;
        models: { model: string; label?: string; config?: Record<string, unknown> }[];
      };
      expect(ex.run.split).toEqual(p.run.split);
      expect(ex.run.strategy).toEqual(p.run.strategy);
      expect(ex.run.seed).toBe(p.run.seed);
      const plain = ex.models.filter((m) => !m.label);
      expect(plain.map((m) => m.model).sort()).toEqual([...p.compare].sort());
      for (const m of plain) expect(m.config ?? {}).toEqual(p.configs[m.model]);
      const prior = ex.models.find((m) => m.label === 'factorvae-prior')!;
      expect(prior.config).toEqual({ ...p.configs.factorvae, variant: 'prior' });
    });

    it(`${p.label}: registered models, settings inside their schemas, 1-day label`, () => {
      for (const id of p.compare) expect(() => resolveConfig(getModel(id).configSchema, p.configs[id], id)).not.toThrow();
      expect(p.run.strategy.horizon).toBe(1);
      expect(p.run.split.kind).toBe('fixed');
    });
  }
});
