/**
 * A user benchmark series (Qlib's benchmark, e.g. an index): load a parquet file of index levels in the Results panel's
 * strategy settings, see the stored result re-evaluated against it (label and alpha change, no retraining), then a file
 * that misses test days shows the engine's message naming the day, and "Use default" brings the page back.
 */
import { expect, test } from '@playwright/test';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { Table, writeParquet } from 'parquet-wasm';
import { LabPage } from './pages/lab-page';

/** ISO weekdays from `start` to `end` (a superset of the trading days: extra dates are ignored by the evaluation). */
function weekdays(start: string, end: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${end}T00:00:00Z`); t += 86_400_000) {
    const d = new Date(t);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/** A parquet file of index levels: close = 100 x 1.0004^i (a steady 0.04% a day), date as ISO text. */
function indexFile(dates: string[]): Buffer {
  const t = tableFromArrays({ date: dates, close: Float64Array.from(dates, (_, i) => 100 * 1.0004 ** i) });
  return Buffer.from(writeParquet(Table.fromIPCStream(tableToIPC(t, 'stream'))));
}

const alphaOf = (s: Awaited<ReturnType<LabPage['state']>>) => s.results.metrics!.rows.find((r) => r.method === 'linear')!.values.alpha;

test('a benchmark file re-evaluates the results against it; one that misses days shows a clear error', async ({ page }) => {
  test.setTimeout(120_000);
  const lab = new LabPage(page);
  await lab.goto();
  const sum = (await lab.loadBundled()).data.summary!;
  await lab.chooseModel('linear');
  await lab.byTestId('train-button').click();
  let s = await lab.waitTrainStatus(['done', 'error', 'cancelled']);
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.results.benchmarkLabels.linear).toBe('equal-weighted universe');
  const alphaEw = alphaOf(s);
  await expect(lab.byTestId('benchmark-name')).toHaveText('equal-weighted universe (default)');
  await expect(lab.byTestId('benchmark-clear')).toHaveCount(0);

  // load an index covering the whole dataset: the result is re-evaluated (not retrained) against it
  const days = weekdays(sum.start, sum.end);
  await lab
    .byTestId('benchmark-file')
    .setInputFiles({ name: 'spy-levels.parquet', mimeType: 'application/octet-stream', buffer: indexFile(days) });
  await expect(lab.byTestId('benchmark-name')).toHaveText('spy-levels.parquet');
  await page.waitForFunction(() => window.__lab!.getState().results.benchmarkLabels.linear === 'spy-levels.parquet', null, {
    timeout: 30_000,
  });
  s = await lab.state();
  expect(s.results.benchmark).toEqual({ name: 'spy-levels.parquet', rows: days.length - 1, first: days[1], last: days[days.length - 1] });
  expect(s.training.status).toBe('done'); // no training happened
  const alphaSpy = alphaOf(s);
  expect(Number.isFinite(alphaSpy)).toBe(true);
  expect(Math.abs(alphaSpy - alphaEw)).toBeGreaterThan(1e-6);
  await expect(page.locator('body')).toContainText('benchmark spy-levels.parquet');
  const row = lab.byTestId('benchmark-row');
  await row.scrollIntoViewIfNeeded();
  await lab.screenshot('benchmark-loaded');
  await lab.byTestId('strategy-settings').screenshot({ path: 'test-results/screens/benchmark-strategy-row.png' });

  // an index that stops half-way: the re-evaluation fails with the engine's message naming the first missing day
  await lab.byTestId('benchmark-file').setInputFiles({
    name: 'short.parquet',
    mimeType: 'application/octet-stream',
    buffer: indexFile(days.slice(0, Math.floor(days.length / 2))),
  });
  const box = lab.byTestId('error-results');
  await expect(box).toBeVisible({ timeout: 30_000 });
  await expect(box).toContainText(/benchmark series \(\d+ rows\) has no return for \d{4}-\d\d-\d\d; it must cover every holding day/);
  // the short file is not kept: the row and the results stay on the index loaded before
  await expect(box).toContainText('short.parquet was not kept: the results are still measured against spy-levels.parquet');
  await expect(lab.byTestId('benchmark-name')).toHaveText('spy-levels.parquet');
  await lab.screenshot('benchmark-gap-error');

  // still usable: back to the default, the result is re-evaluated against the equal-weighted universe again
  await lab.byTestId('benchmark-clear').click();
  await expect(lab.byTestId('benchmark-name')).toHaveText('equal-weighted universe (default)');
  await page.waitForFunction(() => window.__lab!.getState().results.benchmarkLabels.linear === 'equal-weighted universe', null, {
    timeout: 30_000,
  });
  await expect(box).toHaveCount(0);
  s = await lab.state();
  expect(alphaOf(s)).toBeCloseTo(alphaEw, 12);
  await expect(lab.byTestId('train-button')).toBeEnabled();
});
