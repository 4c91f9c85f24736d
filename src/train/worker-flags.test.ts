import { describe, expect, it } from 'vitest';
import { workerFlags, workerName } from './worker-flags';

describe('worker flags: the page query switches that reach the lab worker through its name', () => {
  it('no switch: the plain name, no flags', () => {
    expect(workerName('')).toBe('factor-lab');
    expect(workerName('?backend=wasm&x=1')).toBe('factor-lab');
    expect(workerFlags('factor-lab')).toEqual({ wasmThreads: null, kernels: null, prepHelpers: null });
  });
  it('wasmThreads and kernels travel and read back; other values are dropped', () => {
    const n = workerName('?kernels=off&backend=wasm&wasmThreads=off');
    expect(n).toBe('factor-lab?wasmThreads=off&kernels=off');
    expect(workerFlags(n)).toEqual({ wasmThreads: 'off', kernels: 'off', prepHelpers: null });
    expect(workerFlags(workerName('?wasmThreads=on'))).toEqual({ wasmThreads: 'on', kernels: null, prepHelpers: null });
    expect(workerName('?wasmThreads=maybe&kernels=on')).toBe('factor-lab');
  });
  it('prepHelpers=off travels (any other value is dropped)', () => {
    const n = workerName('?prepHelpers=off&kernels=off');
    expect(n).toBe('factor-lab?kernels=off&prepHelpers=off');
    expect(workerFlags(n)).toEqual({ wasmThreads: null, kernels: 'off', prepHelpers: 'off' });
    expect(workerName('?prepHelpers=2')).toBe('factor-lab');
  });
  it('malformed input never throws', () => {
    expect(workerFlags(undefined)).toEqual({ wasmThreads: null, kernels: null, prepHelpers: null });
    expect(workerFlags('factor-lab?%E0%A4%A=1&wasmThreads=off').wasmThreads).toBe('off');
    expect(workerName('?%=1')).toBe('factor-lab');
  });
});
