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
  await page.waitForFunction(
    () => {
      const t = window.__lab!.getState().training;
      return t.status !== 'running' || (t.lossPoints > 0 && (t.progress?.fraction ?? 0) > 0);
    },
    null,
    { timeout: 300_000 },
  );
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

test('a stopped walk-forward run resumes from its saved groups, also after a reload', async ({ page }) => {
  test.setTimeout(180_000);
  const lab = new LabPage(page);
  // a small synthetic market (760 trading days from 2015-01) and 3 walk-forward half-years of a 12-epoch MLP (no early stop):
  // enough epochs per group that the cancel lands while group 2 trains, also on a fast machine (1 epoch finished
  // all three groups before the click arrived on CI)
  await lab.goto(
    './#dataset.kind=synthetic&dataset.name=synthetic&dataset.synthetic.nStocks=80&dataset.synthetic.nDays=760&dataset.synthetic.seed=5&model=mlp&config.epochs=12&config.patience=20&config.hidden=16&split.kind=walkforward&split.groups=3&split.gap=21',
  );
  let s = await lab.waitDataIdle();
  expect(s.data.status).toBe('ready');
  await expect(lab.byTestId('resume-button')).toHaveCount(0);

  // train; cancel as soon as the first group's checkpoint is in
  await lab.byTestId('train-button').click();
  await page.waitForFunction(() => (window.__lab!.getState().training.checkpoint?.done ?? 0) >= 1, null, { timeout: 120_000 });
  await lab.byTestId('cancel-button').click();
  s = await lab.waitTrainStatus(['cancelled', 'done', 'error'], 60_000);
  expect(s.training.status).toBe('cancelled');
  const cp = s.training.checkpoint!;
  expect(cp.total).toBe(3);
  expect(cp.done).toBeGreaterThanOrEqual(1);
  expect(cp.done).toBeLessThan(3);
  expect(s.results.models).toEqual([]);

  // a reload keeps the saved groups (IndexedDB); the link reloads the same market
  await page.waitForTimeout(500); // let the last IndexedDB write settle
  await page.reload();
  await page.waitForFunction(
    () => (window.__lab?.getState().models.length ?? 0) > 0 && window.__lab!.getState().data.status === 'ready',
    null,
    { timeout: 60_000 },
  );
  await page.waitForFunction(() => window.__lab!.getState().training.checkpoint !== null, null, { timeout: 10_000 });
  s = await lab.state();
  expect(s.training.checkpoint).toEqual(cp);
  const resume = lab.byTestId('resume-button');
  await expect(resume).toHaveText(`Resume (${cp.done} of 3 groups done)`);
  await expect(lab.byTestId('discard-checkpoint')).toBeVisible();
  await lab.byTestId('panel-train').scrollIntoViewIfNeeded();
  await lab.screenshot('07-train-resume');

  // resume (keyboard): progress starts at done / 3, the run finishes with every group and a result
  await resume.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.__lab!.getState().training.status !== 'cancelled', null, { timeout: 10_000 });
  s = await lab.state();
  expect(s.training.progress!.fraction).toBeGreaterThanOrEqual(cp.done / 3 - 1e-9);
  s = await lab.waitTrainStatus(['done', 'error', 'cancelled'], 120_000);
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.training.status).toBe('done');
  expect(s.training.progress!.fraction).toBe(1);
  expect(s.training.checkpoint).toBeNull();
  expect(s.results.models).toEqual(['mlp']);
  expect(s.results.cumExcess.mlp).toBeGreaterThan(100); // three half-years of test days
  await expect(lab.byTestId('resume-button')).toHaveCount(0);
});
