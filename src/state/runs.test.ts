/** Runs: ?run= URLs are http(s) only; runs that differ in data, split or test period are flagged, not mixed; the list store. */
import { describe, expect, it } from 'vitest';
import { memoryRunStore, mismatch, runUrlOf } from './runs';
import type { TrainResult } from './lab-api';
import { defaultRun } from '../core/run';

const res = (over: Partial<TrainResult['run']> = {}, dates = ['2019-01-02', '2019-06-28']): TrainResult =>
  ({
    model: 'linear',
    label: 'linear',
    run: { ...defaultRun, ...over },
    series: [{ icDates: dates }],
  }) as unknown as TrainResult;

describe('runs (src/state/runs.ts)', () => {
  it('?run= takes http(s) and same-site paths, refuses other schemes', () => {
    const base = 'https://lab.example/lab/?x=1';
    expect(runUrlOf('?run=gallery/dmfm.flrun.zip', base)!.href).toBe('https://lab.example/lab/gallery/dmfm.flrun.zip');
    expect(runUrlOf('?run=https%3A%2F%2Fother.example%2Fa.zip', base)!.href).toBe('https://other.example/a.zip');
    expect(runUrlOf('?backend=wasm', base)).toBeNull();
    expect(() => runUrlOf('?run=javascript:alert(1)', base)).toThrow(/http\(s\)/);
    expect(() => runUrlOf('?run=data:application/zip;base64,AAAA', base)).toThrow(/http\(s\)/);
  });

  it('flags runs that differ in data, split, universe or test period', () => {
    const a = [res()];
    expect(mismatch(a, [res()])).toBeNull();
    expect(mismatch(a, [res({ dataset: { kind: 'synthetic', name: 'synthetic' } })])).toMatch(/data differ/);
    expect(mismatch(a, [res({ split: { kind: 'rolling' } })])).toMatch(/split differs/);
    expect(mismatch(a, [res({ universe: 'top100' })])).toMatch(/universe differs/);
    expect(mismatch(a, [res({}, ['2019-01-02', '2019-12-31'])])).toMatch(
      /test period differs \(2019-01-02 … 2019-06-28 vs 2019-01-02 … 2019-12-31\)/,
    );
  });

  it('the memory store lists newest first without the bytes, gets and deletes', async () => {
    const s = memoryRunStore();
    const r = (id: string, savedAt: number) => ({
      id,
      name: id,
      savedAt,
      methods: ['a'],
      dataset: 'd',
      period: '',
      size: 3,
      bytes: new Uint8Array([1, 2, 3]),
    });
    await s.put(r('old', 1));
    await s.put(r('new', 2));
    const list = await s.list();
    expect(list.map((x) => x.id)).toEqual(['new', 'old']);
    expect('bytes' in list[0]).toBe(false);
    expect(Array.from((await s.get('old'))!.bytes)).toEqual([1, 2, 3]);
    await s.delete('old');
    expect((await s.list()).map((x) => x.id)).toEqual(['new']);
  });
});
