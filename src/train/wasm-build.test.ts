import { describe, expect, it } from 'vitest';
import { chooseWasmBuild, wasmPoolSize } from './wasm-build';

describe('wasmPoolSize (tfjs caps the pool at max(1, floor(cores / 2)) and 8)', () => {
  it('halves the logical cores, floors, and caps', () => {
    expect(wasmPoolSize(2)).toBe(1); // floor(2/2) = 1
    expect(wasmPoolSize(3)).toBe(1); // floor(3/2) = 1
    expect(wasmPoolSize(4)).toBe(2); // floor(4/2) = 2
    expect(wasmPoolSize(8)).toBe(4);
    expect(wasmPoolSize(32)).toBe(8); // min(8, 16)
    expect(wasmPoolSize(8, 1)).toBe(1); // asked for 1: min(1, 4)
    expect(wasmPoolSize(8, 3)).toBe(3);
    expect(wasmPoolSize(0)).toBe(1); // unknown cores: 1
    expect(wasmPoolSize(NaN, NaN)).toBe(1);
  });
});

describe('chooseWasmBuild', () => {
  it('not isolated: plain SIMD, whatever the cores or override', () => {
    for (const override of [null, 'on', 'off'])
      expect(chooseWasmBuild({ isolated: false, cores: 16, override })).toMatchObject({ threaded: false, threads: 1 });
  });
  it('isolated with 2 or 3 cores: plain SIMD, and the reason says why', () => {
    for (const cores of [1, 2, 3]) {
      const c = chooseWasmBuild({ isolated: true, cores });
      expect(c.threaded).toBe(false);
      expect(c.threads).toBe(1);
      expect(c.why).toContain('the threaded build is slower at one thread');
    }
  });
  it('isolated with 4+ cores: threaded, pool of floor(cores / 2)', () => {
    expect(chooseWasmBuild({ isolated: true, cores: 4 })).toMatchObject({ threaded: true, threads: 2 });
    expect(chooseWasmBuild({ isolated: true, cores: 12 })).toMatchObject({ threaded: true, threads: 6 });
  });
  it('isolated, many cores but one thread asked for (the bench default): plain SIMD', () => {
    expect(chooseWasmBuild({ isolated: true, cores: 16, threads: 1 })).toMatchObject({ threaded: false, threads: 1 });
  });
  it('?wasmThreads=on|off overrides the choice on an isolated page; other values are ignored', () => {
    expect(chooseWasmBuild({ isolated: true, cores: 2, override: 'on' })).toMatchObject({ threaded: true, threads: 1 });
    expect(chooseWasmBuild({ isolated: true, cores: 8, override: 'off' })).toMatchObject({ threaded: false, threads: 1 });
    expect(chooseWasmBuild({ isolated: true, cores: 8, override: 'maybe' })).toMatchObject({ threaded: true, threads: 4 });
    expect(chooseWasmBuild({ isolated: true, cores: 8, override: 'on' }).why).toContain('?wasmThreads=on');
  });
});
