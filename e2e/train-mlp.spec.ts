/** (3) Fresh page: choose MLP, train on the bundled data, see progress, pause, cancel, train to the end, see results. */
import { expect, test } from '@playwright/test';
import { LabPage, ys } from './pages/lab-page';

test('MLP on bundled data: progress, pause, cancel, train again to the end, metrics and charts', async ({ page }) => {
  test.setTimeout(900_000);
  const lab = new LabPage(page);
  await lab.goto();
  await lab.loadBundled();
  await lab.chooseModel('mlp');
  await lab.setHyper('epochs', 3); // keep the run short where the schema allows it

  // start, and see progress move
  await lab.byTestId('train-button').click();
  await page.waitForFunction(() => { const t = window.__lab!.getState().training; return t.status !== 'running' || (t.lossPoints > 0 && (t.progress?.fraction ?? 0) > 0); }, null, { timeout: 300_000 });
  let s = await lab.state();
  expect(s.training.status).toBe('running');
  const f1 = s.training.progress!.fraction;
  await page.waitForFunction((f) => (window.__lab!.getState().training.progress?.fraction ?? 0) > f, f1, { timeout: 300_000 });
  s = await lab.state();
  expect(s.training.backendInUse).toMatch(/^(webgpu|webgl|wasm|cpu)$/);
  expect(s.training.progress!.epochs).toBeGreaterThan(0);
  await expect(lab.byTestId('train-progress')).toHaveAttribute('aria-valuenow', /\d+/);
  expect(ys((await lab.chartData('loss'))![0]).length).toBeGreaterThan(0);
  await lab.screenshot('05-training');

  // pause: progress stops moving (the step or validation pass under way may still finish and report), then resume
  await lab.byTestId('pause-button').click();
  await expect(lab.byTestId('train-status')).toHaveAttribute('data-status', 'paused');
  let held = (await lab.state()).training.progress!;
  for (let i = 0; i < 30; i++) {
    await page.waitForTimeout(1000);
    const now = (await lab.state()).training.progress!;
    if (JSON.stringify(now) === JSON.stringify(held)) break;
    held = now;
  }
  await page.waitForTimeout(2000);
  const paused = await lab.state();
  expect(paused.training.status).toBe('paused');
  expect(paused.training.progress).toEqual(held);
  // while nothing moves, the loss chart holds exactly the recorded training-loss points
  expect(ys((await lab.chartData('loss'))![0]).length).toBe(paused.training.lossPoints);
  await lab.byTestId('pause-button').click();
  await expect(lab.byTestId('train-status')).toHaveAttribute('data-status', 'running');

  // cancel: no result, the controls come back
  await lab.byTestId('cancel-button').click();
  s = await lab.waitTrainStatus(['cancelled', 'error'], 120_000);
  expect(s.training.status).toBe('cancelled');
  expect(s.results.models).toEqual([]);
  await expect(lab.byTestId('train-button')).toBeEnabled();

  // again, to the end
  await lab.byTestId('train-button').click();
  s = await lab.waitTrainStatus(['done', 'error', 'cancelled']);
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.training.status).toBe('done');
  expect(s.training.progress!.fraction).toBe(1);
  expect(s.results.models).toEqual(['mlp']);

  // metrics: a row for MLP with IC-family values that are correlations (|x| <= 1)
  const table = lab.byTestId('metrics-table');
  await expect(table).toBeVisible();
  // one row per universe the scores were evaluated on (row blocks), or one row (universes as column groups)
  const layout = await table.getAttribute('data-layout');
  await expect(table.locator('tbody tr[data-method="mlp"]')).toHaveCount(layout === 'rows' ? s.data.summary!.universes.length : 1);
  const row = s.results.metrics!.rows.find((r) => r.method === 'mlp')!;
  for (const k of ['ic', 'rankIc']) {
    expect(Number.isFinite(row.values[k])).toBe(true);
    expect(Math.abs(row.values[k])).toBeLessThanOrEqual(1);
  }

  // cumulative excess chart carries the whole series, starting near 0
  const cum = (await lab.chartData('cumExcess'))!;
  const mlp = cum.find((c) => c.name.startsWith('MLP'))!;
  expect(mlp.length).toBe(s.results.cumExcess.mlp);
  expect(mlp.length).toBeGreaterThan(20);
  const v = ys(mlp);
  expect(v.length).toBe(mlp.length);
  expect(Math.abs(v[0])).toBeLessThan(0.2);
  const ic = (await lab.chartData('ic'))!;
  expect(ic.some((c) => c.length === s.results.ic.mlp)).toBe(true);

  await lab.byTestId('panel-results').scrollIntoViewIfNeeded();
  await lab.screenshot('06-results');
});
