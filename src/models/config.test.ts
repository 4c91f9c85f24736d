import { describe, expect, it } from 'vitest';
import { LabError } from '../core/errors';
import { resolveConfig, schemaDefaults } from './config';

const schema = [
  { key: 'hidden', label: 'Hidden units', default: 64, min: 4, max: 512, step: 4 },
  { key: 'lr', label: 'Learning rate', default: 0.001, min: 1e-5, max: 0.1 },
  { key: 'act', label: 'Activation', default: 'relu', options: ['relu', 'tanh'] },
  { key: 'graph', label: 'Use graph', default: true },
];

describe("resolveConfig, mode 'clamp' (the UI, URL state, presets)", () => {
  it('fills defaults, clamps, coerces and drops unknown keys', () => {
    expect(resolveConfig(schema, { hidden: 1000, lr: '0.01', act: 'gelu', graph: 'false', junk: 3 }, 'm', 'clamp')).toEqual({
      hidden: 512,
      lr: 0.01,
      act: 'relu',
      graph: false,
    });
    expect(resolveConfig(schema, {}, 'm', 'clamp')).toEqual({ hidden: 64, lr: 0.001, act: 'relu', graph: true });
    expect(schemaDefaults(schema)).toEqual({ hidden: 64, lr: 0.001, act: 'relu', graph: true });
  });
  it('a value that is not a number takes the default; one below the range takes the minimum', () => {
    expect(resolveConfig(schema, { hidden: '', lr: 'abc', graph: 1 }, 'm', 'clamp')).toEqual({
      hidden: 64,
      lr: 0.001,
      act: 'relu',
      graph: true,
    });
    expect(resolveConfig(schema, { hidden: 1, lr: 0 }, 'm', 'clamp')).toMatchObject({ hidden: 4, lr: 1e-5 });
  });
});

describe("resolveConfig, mode 'strict' (a model's build, the runner)", () => {
  it('fills defaults, keeps valid values and the keys the schema lacks', () => {
    expect(resolveConfig(schema, { hidden: 128, act: 'tanh', epochs: 3 }, 'm')).toEqual({
      hidden: 128,
      lr: 0.001,
      act: 'tanh',
      graph: true,
      epochs: 3,
    });
    expect(resolveConfig(schema, { lr: '0.01' }, 'm', 'strict')).toMatchObject({ lr: 0.01 });
  });
  it('throws a LabError naming the model and key where clamp would repair', () => {
    expect(() => resolveConfig(schema, { hidden: 1000 }, 'mlp')).toThrow(LabError);
    expect(() => resolveConfig(schema, { hidden: 1000 }, 'mlp')).toThrow('Model "mlp": config "hidden" = 1000 is outside [4, 512].');
    expect(() => resolveConfig(schema, { lr: 'abc' }, 'mlp')).toThrow('config "lr" = abc is not a number');
    expect(() => resolveConfig(schema, { act: 'gelu' }, 'mlp')).toThrow('config "act" = "gelu" is not one of relu, tanh');
  });
});

describe('every registered model', () => {
  it('has schema defaults that strict mode accepts unchanged (so both modes start from the same config)', async () => {
    const { models } = await import('./registry');
    for (const m of models) {
      const raw = Object.fromEntries(m.configSchema.map((f) => [f.key, f.default]));
      expect(schemaDefaults(m.configSchema)).toEqual(raw);
      expect(resolveConfig(m.configSchema, {}, m.id)).toEqual(raw);
    }
  });
});
