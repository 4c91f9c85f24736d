/** The run lives in the URL hash (a link reproduces the setup); ?backend= forces the backend. */
import { expect, test } from '@playwright/test';
import { LabPage } from './pages/lab-page';

test('a link sets the run; edits rewrite the hash; ?backend= forces the backend', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto('./?backend=cpu#model=linear&seed=7&preprocessing.madK=3&preprocessing.normalize=rank&universe=all');
  const s = await lab.state();
  const run = s.run as { model: string; seed: number; preprocessing: { madK: number; normalize: string } };
  expect(run.model).toBe('linear');
  expect(run.seed).toBe(7);
  expect(run.preprocessing).toMatchObject({ madK: 3, normalize: 'rank' });
  expect(s.training.backendPref).toBe('cpu');
  await expect(lab.byTestId('model-select')).toHaveValue('linear');
  await expect(lab.byTestId('seed')).toHaveValue('7');
  await expect(lab.byTestId('prep-madk')).toHaveValue('3');
  await expect(lab.byTestId('backend-select')).toHaveValue('cpu');
  await expect(lab.byTestId('backend-in-use')).toContainText('?backend=');

  // an edit is written back to the hash, and the new link reproduces it
  await lab.chooseModel('mlp');
  await lab.byTestId('seed').fill('11');
  await lab.byTestId('seed').press('Enter');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('seed=11');
  const hash = await page.evaluate(() => location.hash);
  expect(hash).toContain('model=mlp');
  expect(hash).toContain('preprocessing.madK=3');

  const other = new LabPage(await page.context().newPage());
  await other.goto('./' + hash);
  const r2 = (await other.state()).run as { model: string; seed: number; preprocessing: { madK: number } };
  expect(r2).toMatchObject({ model: 'mlp', seed: 11, preprocessing: { madK: 3 } });
  expect((await other.state()).training.backendPref).toBe('auto');
});

test('a link with a synthetic market loads that market on open', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto(
    './#dataset.kind=synthetic&dataset.name=synthetic&dataset.synthetic.nStocks=60&dataset.synthetic.nDays=300&dataset.synthetic.seed=5&model=linear',
  );
  const s = await lab.waitDataIdle();
  expect(s.lastError).toBeNull();
  expect(s.data.status).toBe('ready');
  expect(s.data.summary).toMatchObject({ kind: 'synthetic', stocks: 60, days: 300 });
  await expect(lab.byTestId('source-synthetic')).toBeChecked();
  await expect(lab.byTestId('synth-nStocks')).toHaveValue('60');
  await expect(lab.byTestId('model-select')).toHaveValue('linear');
});

test('?wasmThreads= and ?kernels= reach the lab worker (its own location has no query): the backend reason says so', async ({ page }) => {
  const lab = new LabPage(page);
  // on any machine, "off" loads the plain SIMD build and says why (the page is cross-origin isolated here)
  await lab.goto(
    './?backend=wasm&wasmThreads=off&kernels=off#dataset.kind=synthetic&dataset.name=synthetic&dataset.synthetic.nStocks=60&dataset.synthetic.nDays=300&dataset.synthetic.seed=5&model=mlp&config.epochs=1&config.hidden=8',
  );
  expect((await lab.waitDataIdle()).data.status).toBe('ready');
  await lab.byTestId('train-button').click();
  const s = await lab.waitTrainStatus(['done', 'error', 'cancelled'], 120_000);
  expect(s.training.status).toBe('done');
  expect(s.training.backendInUse).toBe('wasm');
  expect(s.training.backendReason).toContain('turned off by ?wasmThreads=off');
  expect(s.training.backendReason).toContain('kernels off (?kernels=off)');
  await lab.byTestId('backend-reason').locator('summary').click();
  await expect(lab.byTestId('backend-reason')).toContainText('SIMD, 1 thread');
  await lab.byTestId('panel-train').scrollIntoViewIfNeeded();
  await lab.screenshot('08-backend-reason');
});
