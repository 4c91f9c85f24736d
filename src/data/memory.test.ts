import { describe, expect, it } from 'vitest';
import { checkMemory, estimatePanelBytes } from './memory';

describe('memory estimate before loading (issue 16)', () => {
  it('2 x T x N x (F + H + 4) x 4 bytes: the shared data fits, a 500-factor panel of the same size does not', () => {
    // shared data: 2012 dates x 500 stocks x 44 factors, 6 horizons -> 2*2012*500*54*4 = 434,592,000 bytes
    expect(estimatePanelBytes(2012, 500, 44, 6)).toBe(434_592_000);
    expect(checkMemory('ok.parquet', 2012, 500, 44, 6).bytes).toBe(434_592_000);
    // 500 factors: 2*2012*500*510*4 = 4,104,480,000 bytes = 3.8 GiB > 2 GiB
    expect(() => checkMemory('wide.parquet', 2012, 500, 500, 6)).toThrow(
      'wide.parquet: 2,012 dates x 500 stocks x 500 factors needs about 3.8 GiB once loaded, more than the 2.0 GiB this page can hold',
    );
    try {
      checkMemory('wide.parquet', 2012, 500, 500, 6);
    } catch (e) {
      // factors that fit: floor(2^31 / (2*2012*500*4)) - 10 = floor(266.8) - 10 = 256; dates with all: floor(2^31/(2*500*510*4)) = 1052
      expect((e as { hint?: string }).hint).toBe(
        'Load fewer factors (about 256 fit), a shorter date range (about 1,052 dates with all the factors), or fewer stocks.',
      );
    }
  });
});
