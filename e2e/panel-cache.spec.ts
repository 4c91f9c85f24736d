/**
 * The panel cache in real Chromium (OPFS in the lab worker): the first load of the bundled dataset builds the panel
 * step by step (the Data panel lists the steps as they run) and saves it; after a page reload (a fresh worker and a
 * fresh DuckDB) the second load comes from the cache, skips every build step and gives identical panel stats and
 * charts; the SQL console still finds the prices table.
 */
import { expect, test } from '@playwright/test';
import { LabPage } from './pages/lab-page';

test('second load of the bundled dataset comes from the panel cache with identical panel stats', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto();

  // cold: watch the steps while it loads (the factor pass takes seconds: it is seen running)
  await lab.byTestId('source-bundled').check();
  await lab.byTestId('load-dataset').click();
  await page.waitForFunction(() => window.__lab!.getState().data.steps.some((s) => s.id === 'factors' && s.state === 'running'), null, {
    timeout: 120_000,
  });
  await expect(lab.byTestId('load-steps')).toBeVisible();
  await expect(lab.byTestId('load-step-parquet')).toHaveAttribute('data-state', 'done');
  await expect(lab.byTestId('load-step-save')).toHaveAttribute('data-state', 'pending');
  await lab.screenshot('panel-cache-01-cold-steps');
  const cold = await lab.waitDataIdle();
  expect(cold.lastError).toBeNull();
  expect(cold.data.cache).toEqual({ hit: false, store: 'opfs', notice: null });
  expect(cold.data.steps.map((s) => [s.id, s.state])).toEqual(
    ['read', 'cache', 'engine', 'parquet', 'validate', 'factors', 'preprocess', 'save'].map((id) => [id, 'done']),
  );
  // with a helper thread (one per further core), it decoded the last of the 6 row groups while this worker inserted
  // the first ones into DuckDB (it is given the last group at once and always sends it back)
  if ((await page.evaluate(() => navigator.hardwareConcurrency)) >= 2)
    expect(cold.data.steps.find((s) => s.id === 'parquet')?.detail).toMatch(/^[1-5] of 6 row groups decoded on a helper thread$/);
  await expect(lab.byTestId('load-summary')).toContainText('panel saved to the cache (opfs)');
  const edges = await lab.chartData('edges');
  const industries = await lab.chartData('industries');

  // warm: a new page (new worker, empty DuckDB), same origin storage
  await page.reload();
  await lab.goto();
  const warm = await lab.loadBundled();
  expect(warm.data.cache).toEqual({ hit: true, store: 'opfs', notice: null });
  const st = Object.fromEntries(warm.data.steps.map((s) => [s.id, s.state]));
  expect(st).toEqual({
    read: 'done',
    cache: 'done',
    engine: 'skipped',
    parquet: 'skipped',
    validate: 'skipped',
    factors: 'skipped',
    preprocess: 'skipped',
    save: 'skipped',
  });
  // identical panel stats and chart series
  expect(warm.data.summary).toEqual(cold.data.summary);
  expect(await lab.chartData('edges')).toEqual(edges);
  expect(await lab.chartData('industries')).toEqual(industries);
  await expect(lab.byTestId('load-summary')).toContainText('Loaded from the panel cache (opfs)');
  await expect(lab.byTestId('summary-notes')).toContainText("Panel loaded from the browser's panel cache");
  await lab.byTestId('load-summary').click(); // open the step list
  await lab.screenshot('panel-cache-02-warm');

  // SQL on a cache hit: the tables are made from the file on the first query
  await lab.byTestId('sql-input').fill('SELECT count(*) AS n FROM prices');
  await lab.byTestId('sql-run').click();
  await page.waitForFunction(() => window.__lab!.getState().sql.status !== 'running', null, { timeout: 120_000 });
  const sql = (await lab.state()).sql;
  expect(sql.error).toBeNull();
  expect(sql.rows).toBe(1);
});
