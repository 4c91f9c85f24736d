/**
 * Notebook folders: `npm run notebook -- <bundle> --out site/` and the lab's "Export folder" (a zip) both give a folder
 * whose index.html, opened from file:// with every other request aborted, lists the run and links to its notebook page,
 * which shows the results with the numbers of metrics.json and sends nothing.
 */
import { expect, test, type BrowserContext } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { LabPage, SCREENS } from './pages/lab-page';

const config = {
  name: 'folder-e2e',
  run: {
    dataset: { kind: 'synthetic', name: 'synthetic', synthetic: { seed: 5, nStocks: 30, nDays: 480, nFactors: 6, alpha: 0.01 } },
    preprocessing: { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: false, minHistory: 20 },
    split: { kind: 'walkforward', groups: 2, gap: 21 },
    strategy: { kind: 'topquantile', groups: 5, rebalance: 5, cost: 0.004, horizon: 5 },
  },
  models: [{ model: 'linear' }, { model: 'ew', label: 'ew <img src=x onerror="window.__pwned=1">' }],
};
let dir: string;
let bundle: Buffer;
let metrics: { models: Record<string, { portfolio: Record<string, number | null> }> };

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'factor-lab-e2e-folder-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const run = (args: string[]) => execFileSync('npx', ['tsx', ...args], { stdio: 'pipe', timeout: 170_000 });
  run(['scripts/experiment.ts', '--config', join(dir, 'config.json'), '--out', join(dir, 'out'), '--backend', 'cpu']);
  bundle = readFileSync(join(dir, 'out', 'run.flrun.zip'));
  metrics = JSON.parse(readFileSync(join(dir, 'out', 'metrics.json'), 'utf8'));
  run([
    'scripts/notebook.ts',
    join(dir, 'out', 'run.flrun.zip'),
    '--out',
    join(dir, 'site'),
    '--viewer',
    resolve('dist/notebook-viewer.html'),
  ]);
  mkdirSync(SCREENS, { recursive: true });
});

/** open `index` from file:// (everything but file:// under `root` aborted), follow the run's link, check the notebook */
async function checkFolder(context: BrowserContext, root: string, id: string, shot: string, notes = false) {
  const page = await context.newPage();
  const sent: string[] = [];
  await page.route('**/*', (r) => {
    if (r.request().url().startsWith(`file://${root}/`)) return r.continue();
    sent.push(r.request().url());
    return r.abort();
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`file://${root}/index.html`);
  const section = page.locator(`section[data-run="${id}"]`);
  await expect(section).toBeVisible();
  // the markup label is text in the index
  await expect(section).toContainText('ew <img src=x');
  expect(await page.locator('img').count()).toBe(0);
  await expect(section.locator('tbody tr')).toHaveCount(2);
  // the runner's default label (the model id) shows as the model's display name, as in the lab
  await expect(section.locator('tbody tr').first().locator('td').first()).toHaveText('Linear');
  await expect(section.locator('tbody tr').first().locator('td').nth(2)).toHaveText(metrics.models.linear.portfolio.ir!.toFixed(2));
  await page.screenshot({ path: `${SCREENS}/${shot}-index.png` });
  await section.getByRole('link', { name: 'Open the notebook' }).click();
  await page.waitForURL(`file://${root}/runs/${id}.html`);
  await page.waitForFunction(() => (window.__lab?.getState().results.metrics?.rows.length ?? 0) >= 2, null, { timeout: 60_000 });
  const s = await page.evaluate(() => window.__lab!.getState());
  const ir = Object.fromEntries(s.results.metrics!.rows.map((r) => [r.method, r.values.ir]));
  expect(ir.linear).toBe(metrics.models.linear.portfolio.ir);
  // one name per method: the table rows and the chart legends
  const names = (await page.evaluate(() => window.__lab!.resultsTable()))!.methods;
  expect(names).toEqual(['Linear', config.models[1].label]);
  expect((await page.evaluate(() => window.__lab!.chartData('cumExcess')))!.map((c) => c.name).sort()).toEqual([...names].sort());
  for (const c of ['cumExcess', 'drawdown'])
    expect((await page.evaluate((k) => window.__lab!.chartData(k), c))?.length ?? 0, c).toBeGreaterThan(0);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  if (notes) {
    // the first note above the views, the second right after the cumulative chart's card, its HTML as text
    await expect(page.getByTestId('note-0')).toHaveText('Intro note');
    const placed = page.locator('[data-testid="card-cum"] + .notebook-slot [data-testid="note-1"]');
    await expect(placed.locator('strong')).toHaveText('Under the chart');
    await expect(placed).toContainText('<b>not bold</b>');
    await placed.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENS}/${shot}-note.png` });
  }
  expect(sent).toEqual([]);
  expect(errors).toEqual([]);
  await page.screenshot({ path: `${SCREENS}/${shot}-run.png` });
  await page.close();
}

test('npm run notebook: the folder opens from file:// with the network blocked', async ({ context }) => {
  await checkFolder(context, join(dir, 'site'), 'run', 'notebook-folder');
});

test('Export folder: the zip of the shown run unpacks to a folder that opens from file://', async ({ page, context }) => {
  const lab = new LabPage(page);
  await lab.goto();
  await lab.byTestId('open-run-input').setInputFiles({ name: 'run.flrun.zip', mimeType: 'application/zip', buffer: bundle });
  await page.waitForFunction(() => window.__labRuns?.state().methods.length === 2, null, { timeout: 60_000 });
  // two notes: one above the views, one placed after the cumulative-excess chart (@after cum)
  await lab.byTestId('notebook-notes').fill('Intro note\n\n---\n\n@after cum\n**Under the chart** <b>not bold</b>');
  const [dl] = await Promise.all([page.waitForEvent('download'), lab.byTestId('export-folder').click()]);
  const zipPath = join(dir, 'export.zip');
  await dl.saveAs(zipPath);
  const files = unzipSync(new Uint8Array(readFileSync(zipPath)));
  const names = Object.keys(files).sort();
  // one folder <id>/ holding the index, the page and the bundle
  const id = names[0].split('/')[0];
  expect(id).toBe('folder-e2e');
  expect(names).toEqual([`${id}/bundles/${id}.flrun.zip`, `${id}/index.html`, `${id}/runs/${id}.html`]);
  // the bundle in the folder carries the same metrics.json
  const inner = unzipSync(files[`${id}/bundles/${id}.flrun.zip`], { filter: (f) => f.name === 'metrics.json' });
  expect(JSON.parse(strFromU8(inner['metrics.json'])).models.linear.portfolio.ir).toBe(metrics.models.linear.portfolio.ir);
  const out = join(dir, 'unzipped');
  for (const [k, v] of Object.entries(files)) {
    mkdirSync(dirname(join(out, k)), { recursive: true });
    writeFileSync(join(out, k), v);
  }
  await checkFolder(context, join(out, id), id, 'export-folder', true);
});
