/**
 * Run bundles in the browser: a bundle the headless runner wrote opens with the metrics of its metrics.json (no dataset,
 * no training); it re-evaluates with another strategy from its stored grids; Save run writes a bundle that Node opens
 * with the same metrics, and that bundle opens again in the browser (browser -> Node -> browser); a kept run survives a
 * reload (IndexedDB); ?run=<url> opens one; malformed bundles are refused with a message naming the part, nothing runs,
 * and the page stays usable.
 */
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabPage, SCREENS } from './pages/lab-page';
import { readBundle } from '../src/bundle/read';
import { initParquetNode } from '../src/data/parquet-node';
import { reevalScores } from '../src/bundle/grids';
import { evaluateScores } from '../src/train/reevaluate';

const config = {
  name: 'e2e-bundle',
  run: {
    dataset: { kind: 'synthetic', name: 'synthetic', synthetic: { seed: 5, nStocks: 30, nDays: 480, nFactors: 6, alpha: 0.01 } },
    preprocessing: { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: false, minHistory: 20 },
    split: { kind: 'walkforward', groups: 2, gap: 21 },
    strategy: { kind: 'topquantile', groups: 5, rebalance: 5, cost: 0.004, horizon: 5 },
  },
  models: [{ model: 'linear' }, { model: 'ew', label: 'ew <img src=x onerror="window.__pwned=1">' }],
};

let nodeBundle: Buffer;
let nodeMetrics: { models: Record<string, { portfolio: Record<string, number | null>; horizons: Record<string, { ic: number }> }> };

test.beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'factor-lab-e2e-bundle-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  execFileSync(
    'npx',
    ['tsx', 'scripts/experiment.ts', '--config', join(dir, 'config.json'), '--out', join(dir, 'out'), '--backend', 'cpu'],
    {
      stdio: 'pipe',
      timeout: 170_000,
    },
  );
  nodeBundle = readFileSync(join(dir, 'out', 'run.flrun.zip'));
  nodeMetrics = JSON.parse(readFileSync(join(dir, 'out', 'metrics.json'), 'utf8'));
  await initParquetNode();
  mkdirSync(SCREENS, { recursive: true });
});

async function openFile(lab: LabPage, name: string, buffer: Buffer, input = 'open-run-input') {
  await lab.byTestId(input).setInputFiles({ name, mimeType: 'application/zip', buffer });
  // idle is also the state before the open starts (reading the file is async): wait for its outcome, methods or an error
  await lab.page.waitForFunction(
    () => {
      const s = window.__labRuns?.state();
      return s?.status === 'idle' && (s.error !== null || s.methods.length > 0);
    },
    null,
    { timeout: 60_000 },
  );
  return lab.page.evaluate(() => window.__labRuns!.state());
}

/** the lab's results table rows as { method -> ir } */
async function irOf(lab: LabPage): Promise<Record<string, number>> {
  const s = await lab.state();
  return Object.fromEntries((s.results.metrics?.rows ?? []).map((r) => [r.method, r.values.ir]));
}

test('a Node bundle opens with its metrics, re-evaluates from its grids, and round-trips browser -> Node -> browser', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto();
  const st = await openFile(lab, 'run.flrun.zip', nodeBundle);
  expect(st.error).toBeNull();
  // the runner labels an entry without a label by its model id; the page shows the model's display name, as for its own
  // runs (the results table, the charts' legends and the opened run's methods agree); an explicit label stays
  expect(st.methods).toEqual(['Linear', config.models[1].label]);
  // no dataset loaded, nothing trained: the numbers are the bundle's, equal to the runner's metrics.json
  const s = await lab.state();
  expect(s.data.status).toBe('empty');
  expect(s.training.status).toBe('idle');
  expect(await page.evaluate(() => window.__labRuns!.metrics())).toEqual(nodeMetrics);
  const rows = Object.fromEntries((s.results.metrics?.rows ?? []).map((r) => [r.method, r.values]));
  expect(rows.linear.ir).toBe(nodeMetrics.models.linear.portfolio.ir);
  expect(rows.linear.ic).toBe(nodeMetrics.models.linear.horizons['5'].ic);
  // the label with markup is text: shown literally, never executed
  await expect(page.getByTestId('opened-run')).toContainText('<img src=x');
  await expect(page.getByTestId('opened-run')).toContainText(`Linear, ${config.models[1].label}`);
  const names = (await page.evaluate(() => window.__lab!.resultsTable()))!.methods;
  expect(names).toEqual(['Linear', config.models[1].label]);
  for (const id of ['cumExcess', 'drawdown']) expect((await lab.chartData(id))!.map((c) => c.name).sort(), id).toEqual([...names].sort());
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  // charts have data
  for (const id of ['cumExcess', 'drawdown', 'quantiles']) expect((await lab.chartData(id))?.length ?? 0, id).toBeGreaterThan(0);
  // the signal tear sheet: a bundle does not store it; the worker computes it on open from the stored scores on the
  // bundle's grids. Its return distribution is the backtest's: mean / sd x sqrt(252) is the bundle's own Sharpe
  await expect(lab.byTestId('signal-tearsheet')).toBeVisible();
  for (const id of ['icDecay', 'quantileCum', 'rankAutocorr', 'returnDistribution'])
    expect((await lab.chartData(id))?.length ?? 0, id).toBeGreaterThan(0);
  const sheet = (await page.evaluate(() => window.__lab!.signalSheet('linear')))!;
  const dist = sheet.distribution;
  expect((dist.mean / dist.std) * Math.sqrt(252)).toBeCloseTo(rows.linear.sharpe, 9);
  // its dates are the stored run's (computed on the grids, renumbered onto the panel's dates): every one an ISO date,
  // the quintile curves on the backtest's holding days, the book on rebalance days among them
  const iso = (d: string[]) => d.length > 0 && d.every((x) => /^\d{4}-\d{2}-\d{2}$/.test(x));
  expect(iso(sheet.quantiles.dates) && iso(sheet.rank.dates) && iso(sheet.book.dates)).toBe(true);
  const excess = (await lab.chartData('cumExcess'))!.find((c) => c.name === 'Linear')!.data as [string, number][];
  expect(sheet.quantiles.dates).toEqual(excess.map((p) => p[0]));
  await expect(lab.byTestId('signal-tearsheet')).toContainText(`Set at the rebalance of ${sheet.book.dates[sheet.book.dates.length - 1]}`);
  await page.getByTestId('panel-runs').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCREENS}/bundle-opened.png`, fullPage: false });

  // re-evaluate with another strategy (cost 40 bp -> 0): the worker uses the bundle's grids (no dataset is loaded), and
  // the numbers equal Node's evaluation of the same stored scores on the same grids
  const before = await irOf(lab);
  await page.evaluate(() => document.getElementById('panel-results')!.scrollIntoView({ block: 'start' }));
  await lab.byTestId('strategy-cost').fill('0');
  await lab.byTestId('strategy-cost').press('Enter');
  await expect(lab.byTestId('strategy-stale')).toBeVisible();
  await lab.byTestId('reevaluate').click();
  await expect(lab.byTestId('strategy-stale')).toHaveCount(0, { timeout: 30_000 });
  const after = await lab.state();
  expect(after.results.error).toBeNull();
  const ir0 = await irOf(lab);
  expect(ir0.linear).toBeGreaterThan(before.linear);
  const nb = readBundle(new Uint8Array(nodeBundle));
  const lin = nb.methods[0].output;
  const ev = evaluateScores(nb.grids, { ...lin.run, strategy: { ...lin.run.strategy, cost: 0 } }, reevalScores(nb, lin));
  expect(ir0.linear).toBe(ev.metrics.ir);
  // back to the bundle's own strategy before saving (the saved bundle then carries the runner's numbers)
  await lab.byTestId('strategy-cost').fill('40');
  await lab.byTestId('strategy-cost').press('Enter');
  await lab.byTestId('reevaluate').click();
  await expect(lab.byTestId('strategy-stale')).toHaveCount(0, { timeout: 30_000 });
  expect(await irOf(lab)).toEqual(before);

  // Save run: the download is a bundle Node opens with the same metrics (browser -> Node)
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-run').click()]);
  const saved = readFileSync((await dl.path())!);
  const b = readBundle(new Uint8Array(saved));
  expect(b.manifest.producer).toBe('browser');
  // the saved bundle keeps the labels it was opened with (its metrics.json keys): renaming is the page's, not the file's
  expect(b.methods.map((m) => m.label)).toEqual(['linear', config.models[1].label]);
  expect(b.metrics).toEqual(nodeMetrics);
  expect(b.methods[0].output.eval.metrics.ir).toBe(nodeMetrics.models.linear.portfolio.ir);
  // ... and opens again in a fresh page (-> browser)
  await page.reload();
  await lab.goto();
  const st2 = await openFile(lab, 'again.flrun.zip', saved);
  expect(st2.error).toBeNull();
  expect(st2.methods).toEqual(['Linear', config.models[1].label]);
  // (the results table keys its rows by model id)
  expect(await irOf(lab)).toEqual({
    linear: nodeMetrics.models.linear.portfolio.ir,
    ew: nodeMetrics.models[config.models[1].label!].portfolio.ir,
  });
});

test('a kept run survives a reload (IndexedDB), reopens and deletes from the list; ?run=<url> opens one', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto();
  await openFile(lab, 'run.flrun.zip', nodeBundle);
  await lab.byTestId('keep-run').click();
  await expect(lab.byTestId('saved-runs').locator('tbody tr')).toHaveCount(1);
  // reload: the latest kept run is reopened, with the same numbers, without a dataset or training
  await page.reload();
  await lab.goto();
  await page.waitForFunction(() => (window.__labRuns?.state().methods.length ?? 0) === 2, null, { timeout: 60_000 });
  expect((await irOf(lab)).linear).toBe(nodeMetrics.models.linear.portfolio.ir);
  expect((await lab.state()).data.status).toBe('empty');
  await page.getByTestId('panel-runs').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCREENS}/bundle-kept-after-reload.png` });
  await lab
    .byTestId('saved-runs')
    .getByRole('button', { name: /^Delete/ })
    .click();
  await expect(lab.byTestId('saved-runs')).toHaveCount(0);

  // ?run=<url>: any URL the browser may fetch (here answered by a route), opened at start-up
  await page.route('https://runs.example.test/**', (r) => r.fulfill({ status: 200, contentType: 'application/zip', body: nodeBundle }));
  await page.goto('./?run=https://runs.example.test/dmfm/run.flrun.zip');
  await page.waitForFunction(() => window.__labRuns?.state().opened === 'e2e-bundle', null, { timeout: 60_000 });
  expect((await irOf(lab)).linear).toBe(nodeMetrics.models.linear.portfolio.ir);
  await expect(lab.byTestId('opened-run')).toContainText('https://runs.example.test/dmfm/run.flrun.zip');
  // a javascript: URL is refused with a message, nothing runs
  await page.goto('./?run=javascript:window.__pwned=1');
  await page.waitForFunction(() => window.__labRuns?.state().error !== null, null, { timeout: 60_000 });
  expect(await page.evaluate(() => window.__labRuns!.state().error)).toContain('http(s)');
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
});
