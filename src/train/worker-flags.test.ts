import { describe, expect, it } from 'vitest';
import { workerFlags, workerName } from './worker-flags';

describe('worker flags: the page query switches that reach the lab worker through its name', () => {
  it('no switch: the plain name, no flags', () => {
    expect(workerName('')).toBe('factor-lab');
    expect(workerName('?backend=wasm&x=1')).toBe('factor-lab');
    expect(workerFlags('factor-lab')).toEqual({ wasmThreads: null, kernels: null });
  });
  it('wasmThreads and kernels travel and read back; other values are dropped', () => {
    const n = workerName('?kernels=off&backend=wasm&wasmThreads=off');
    expect(n).toBe('factor-lab?wasmThreads=off&kernels=off');
    expect(workerFlags(n)).toEqual({ wasmThreads: 'off', kernels: 'off' });
    expect(workerFlags(workerName('?wasmThreads=on'))).toEqual({ wasmThreads: 'on', kernels: null });
    expect(workerName('?wasmThreads=maybe&kernels=on')).toBe('factor-lab');
  });
  it('malformed input never throws', () => {
    expect(workerFlags(undefined)).toEqual({ wasmThreads: null, kernels: null });
    expect(workerFlags('factor-lab?%E0%A4%A=1&wasmThreads=off').wasmThreads).toBe('off');
    expect(workerName('?%=1')).toBe('factor-lab');
  });
});
