/**
 * Export notebook: a run bundle from the headless runner opened in the lab, notes written (Markdown, with markup that
 * must stay text), exported as one .html file; that file opened from file:// with every network request aborted shows
 * the results and explain views with data, the numbers of metrics.json, the notes rendered safely, and sends nothing.
 */
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LabPage, SCREENS } from './pages/lab-page';

const config = {
  name: 'notebook-e2e',
  run: {
    dataset: { kind: 'synthetic', name: 'synthetic', synthetic: { seed: 5, nStocks: 30, nDays: 480, nFactors: 6, alpha: 0.01 } },
    preprocessing: { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: false, minHistory: 20 },
    split: { kind: 'walkforward', groups: 2, gap: 21 },
    strategy: { kind: 'topquantile', groups: 5, rebalance: 5, cost: 0.004, horizon: 5 },
  },
  models: [{ model: 'linear', explain: true }, { model: 'ew' }],
};
let bundle: Buffer;
let metrics: { models: Record<string, { portfolio: Record<string, number | null> }> };

test.beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'factor-lab-e2e-nb-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  execFileSync(
    'npx',
    ['tsx', 'scripts/experiment.ts', '--config', join(dir, 'config.json'), '--out', join(dir, 'out'), '--backend', 'cpu'],
    {
      stdio: 'pipe',
      timeout: 170_000,
    },
  );
  bundle = readFileSync(join(dir, 'out', 'run.flrun.zip'));
  metrics = JSON.parse(readFileSync(join(dir, 'out', 'metrics.json'), 'utf8'));
  mkdirSync(SCREENS, { recursive: true });
});

test('export a notebook and open it from file:// with the network blocked', async ({ page, context }) => {
  const lab = new LabPage(page);
  await lab.goto();
  await lab.byTestId('open-run-input').setInputFiles({ name: 'run.flrun.zip', mimeType: 'application/zip', buffer: bundle });
  await page.waitForFunction(() => window.__labRuns?.state().methods.length === 2, null, { timeout: 60_000 });
  await lab
    .byTestId('notebook-notes')
    .fill(
      '## Why linear wins\n\nThe **linear** model <img src=x onerror="window.__pwned=1"> beats [ew](javascript:alert(1)).\n\n---\n\nSecond cell: see [the paper](https://example.org/paper).',
    );
  const [dl] = await Promise.all([page.waitForEvent('download'), lab.byTestId('export-notebook').click()]);
  const file = resolve('test-results', 'notebook-e2e.html');
  await dl.saveAs(file);
  const size = statSync(file).size;
  console.log(`notebook: ${(size / 1048576).toFixed(2)} MB`);

  // a fresh page: every request that is not the file itself is aborted and recorded
  const nb = await context.newPage();
  const sent: string[] = [];
  await nb.route('**/*', (r) => {
    if (r.request().url() === `file://${file}`) return r.continue();
    sent.push(r.request().url());
    return r.abort();
  });
  const errors: string[] = [];
  nb.on('pageerror', (e) => errors.push(e.message));
  await nb.goto(`file://${file}`);
  await nb.waitForFunction(() => (window.__lab?.getState().results.metrics?.rows.length ?? 0) >= 2, null, { timeout: 60_000 });
  expect(await nb.evaluate(() => (window as unknown as { __notebook: { error(): string | null } }).__notebook.error())).toBeNull();
  const s = await nb.evaluate(() => window.__lab!.getState());
  const ir = Object.fromEntries(s.results.metrics!.rows.map((r) => [r.method, r.values.ir]));
  expect(ir.linear).toBe(metrics.models.linear.portfolio.ir);
  expect(ir.ew).toBe(metrics.models.ew.portfolio.ir);
  expect(await nb.evaluate(() => (window as unknown as { __notebook: { metrics(): unknown } }).__notebook.metrics())).toEqual(metrics);
  // every view has data
  for (const id of ['cumExcess', 'drawdown', 'quantiles'])
    expect((await nb.evaluate((c) => window.__lab!.chartData(c), id))?.length ?? 0, id).toBeGreaterThan(0);
  // the notes: Markdown rendered, HTML as text, javascript: links dropped
  await expect(nb.getByTestId('note-0').locator('strong')).toHaveText('linear');
  await expect(nb.getByTestId('note-0')).toContainText('<img src=x');
  expect(await nb.locator('img[src="x"]').count()).toBe(0);
  expect(await nb.locator('a[href^="javascript"]').count()).toBe(0);
  await expect(nb.getByTestId('note-1').locator('a')).toHaveAttribute('href', 'https://example.org/paper');
  expect(await nb.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(sent).toEqual([]);
  expect(errors).toEqual([]);
  await nb.screenshot({ path: `${SCREENS}/notebook-file.png`, fullPage: false });
  await nb.evaluate(() => document.querySelector('[data-testid="card-cum"], [data-testid="panel-results"]')?.scrollIntoView());
  await nb.screenshot({ path: `${SCREENS}/notebook-file-results.png`, fullPage: false });
});
