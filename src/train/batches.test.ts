import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from './tf';
import { getModel } from '../models/registry';
import { plantedPanel } from './fixtures';
import { prepareData } from './data';
import { epochBatches, epochOrder, maxBatchDates, trainModel, trainOptionsFrom } from './loop';

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const sizes = (n: number, B: number, min?: number) => epochBatches(range(0, n), B, min).map((b) => b.length);

describe('epochBatches: no batch of fewer than 4 dates when the epoch has more', () => {
  it('batch sizes', () => {
    expect(sizes(32, 16)).toEqual([16, 16]);
    expect(sizes(17, 16)).toEqual([17]); // 16 + 1: the 1 joins the batch before
    expect(sizes(19, 16)).toEqual([19]); // 16 + 3
    expect(sizes(20, 16)).toEqual([16, 4]); // a last batch of 4 stays
    expect(sizes(35, 16)).toEqual([16, 19]); // 16 + 16 + 3
    expect(sizes(30, 8)).toEqual([8, 8, 8, 6]);
    expect(sizes(3, 16)).toEqual([3]); // an epoch of 3 dates can only be one batch of 3
    expect(sizes(0, 16)).toEqual([]);
    expect(sizes(60, 10)).toEqual([10, 10, 10, 10, 10, 10]); // DFM: 60 month ends per window
    expect(sizes(62, 10)).toEqual([10, 10, 10, 10, 10, 12]);
    // batchDates below 4 is taken as asked; only a shorter remainder joins the batch before
    expect(sizes(7, 2)).toEqual([2, 2, 3]);
    expect(sizes(7, 1)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    // another minimum
    expect(sizes(21, 16, 6)).toEqual([21]);
    expect(sizes(22, 16, 6)).toEqual([16, 6]);
    // the memory estimate's batch is the largest epochBatches makes: 16 + 3 = 19, 2 + 1 = 3, 1
    expect([maxBatchDates(16), maxBatchDates(2), maxBatchDates(1)]).toEqual([19, 3, 1]);
    for (let n = 1; n <= 70; n++) expect(Math.max(...sizes(n, 16))).toBeLessThanOrEqual(maxBatchDates(16));
  });

  it('every date exactly once, in the shuffled order', () => {
    for (const [n, B] of [
      [17, 16],
      [35, 16],
      [123, 16],
      [62, 10],
      [7, 2],
      [5, 8],
    ]) {
      const order = epochOrder(5, 1, range(100, 100 + n));
      const batches = epochBatches(order, B);
      expect(batches.flat()).toEqual(order);
      for (const b of batches.slice(0, -1)) expect(b.length).toBe(B);
      if (n >= 4) for (const b of batches) expect(b.length).toBeGreaterThanOrEqual(Math.min(4, B));
    }
  });
});

describe('the training loop steps over epochBatches', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('17 training dates at batchDates 16: one step per epoch, over all 17 dates', async () => {
    const d = prepareData(plantedPanel({ T: 30, N: 20, F: 4, horizons: [1], seed: 3, noise: 1, missing: 0 }));
    const cfg = { hidden: 4, layers: 1, epochs: 2, batchDates: 16, lr: 0.01 };
    const m = getModel('mlp').build({ F: d.F, horizons: d.horizons, seed: 1, config: cfg });
    const progress: { step: number; steps: number }[] = [];
    const h = await trainModel(m, d, { train: range(0, 17), valid: [] }, trainOptionsFrom(cfg, 1, 0), {
      onProgress: (p) => {
        if (p.phase === 'train') progress.push({ step: p.step, steps: p.steps });
      },
    });
    m.dispose();
    expect(h.steps).toBe(2); // 2 epochs x 1 step (was 2 x 2 with a 1-date batch)
    expect(h.stepLosses).toHaveLength(2);
    expect(progress.every((p) => p.steps === 1)).toBe(true);
  });
});
