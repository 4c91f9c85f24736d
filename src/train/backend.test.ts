import { afterEach, describe, expect, it } from 'vitest';
import { tf } from './tf';
import { backendFromQuery, checkWebGpu, registeredBackends, selectBackend } from './backend';
import { oneSeededStep } from './parity';

const g = globalThis as any;
const realNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
afterEach(() => {
  if (realNavigator) Object.defineProperty(globalThis, 'navigator', realNavigator);
  else delete g.navigator;
});
const fakeGpu = (adapter: unknown) =>
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter: async () => adapter } }, configurable: true });

describe('backend selection', () => {
  it('Node has cpu and wasm; auto picks by probe (wasm or cpu) and records the probes', async () => {
    expect(registeredBackends()).toEqual(expect.arrayContaining(['cpu', 'wasm']));
    const c = await selectBackend({ candidates: ['wasm', 'cpu'], shape: { rows: 256, inner: 8, hidden: 16 } });
    expect(c.forced).toBe(false);
    expect(c.backend).toBe('wasm'); // cpu is only the last resort
    expect(tf.getBackend()).toBe('wasm');
    expect(c.probes.map((p) => p.backend)).toEqual(['wasm']);
    expect(c.probes[0].ms).toBeGreaterThan(0);
    expect(c.reason).toMatch(/^fastest on the probe: wasm/);
  });

  it('a forced backend is used as is; an unavailable one is a LabError', async () => {
    const c = await selectBackend({ forced: 'cpu' });
    expect(c).toMatchObject({ backend: 'cpu', forced: true, probes: [] });
    expect(tf.getBackend()).toBe('cpu');
    await expect(selectBackend({ forced: 'webgpu' })).rejects.toThrow(/backend "webgpu" is not available|failed to initialise/);
  });

  it('WebGPU adapters: fallback and SwiftShader are rejected, a real GPU accepted', async () => {
    delete g.navigator;
    expect((await checkWebGpu()).ok).toBe(false);
    fakeGpu(null);
    expect(await checkWebGpu()).toEqual({ ok: false, info: 'requestAdapter returned null' });
    fakeGpu({ isFallbackAdapter: true, info: { vendor: 'google', architecture: 'swiftshader' } });
    expect(await checkWebGpu()).toMatchObject({ ok: false, info: expect.stringMatching(/^fallback adapter/) });
    fakeGpu({ isFallbackAdapter: false, info: { vendor: 'Google', description: 'SwiftShader Device (Subzero)' } });
    expect(await checkWebGpu()).toMatchObject({ ok: false, info: expect.stringMatching(/^software adapter/) });
    fakeGpu({ isFallbackAdapter: false, info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100' } });
    expect(await checkWebGpu()).toEqual({ ok: true, info: 'nvidia / hopper / NVIDIA H100' });
  });

  it('?backend= in the URL', () => {
    expect(backendFromQuery('?backend=webgl&x=1')).toBe('webgl');
    expect(backendFromQuery('?backend=tpu')).toBeUndefined();
    expect(backendFromQuery('')).toBeUndefined();
  });
});

describe('backend parity: one seeded Adam step', () => {
  it('cpu and wasm agree to 1e-5 (loss and every updated weight); a repeat is bit-identical', async () => {
    const a = await oneSeededStep('cpu');
    const b = await oneSeededStep('wasm');
    const a2 = await oneSeededStep('cpu');
    expect(a.backend).toBe('cpu');
    expect(b.backend).toBe('wasm');
    expect(a2.loss).toBe(a.loss);
    expect(a2.weights.map((w) => Array.from(w.values))).toEqual(a.weights.map((w) => Array.from(w.values)));
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    expect(Math.abs(a.lossAfter - b.lossAfter)).toBeLessThan(1e-5);
    // the step did something: loss fell, weights moved by about lr = 0.01
    expect(a.lossAfter).toBeLessThan(a.loss);
    let maxDiff = 0;
    for (let i = 0; i < a.weights.length; i++) {
      expect(b.weights[i].name).toBe(a.weights[i].name);
      for (let j = 0; j < a.weights[i].values.length; j++)
        maxDiff = Math.max(maxDiff, Math.abs(a.weights[i].values[j] - b.weights[i].values[j]));
    }
    expect(maxDiff).toBeLessThan(1e-5);
    await tf.setBackend('cpu');
  });
});
