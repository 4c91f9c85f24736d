/**
 * (issue 4) Compare two methods on the bundled data: split timeline, "Compare methods" (Linear + a 2-epoch MLP, one
 * worker run after the other), the paper-style results table with best / second marks across universes, every
 * evaluation chart with data (read through window.__lab), CSV export (the download itself and the exporter), a
 * strategy change re-evaluated without training, and screenshots of the Results panel at 1280x800.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { LabPage, SCREENS, ys } from './pages/lab-page';
import type { ResultsTableSnapshot } from '../src/ui/test-api';

const table = (page: import('@playwright/test').Page) => page.evaluate(() => window.__lab!.resultsTable()) as Promise<ResultsTableSnapshot>;
/** cell value of (method id, universe, metric key) */
function cell(t: ResultsTableSnapshot, id: string, universe: string, key: string): number | null {
  const m = t.ids.indexOf(id),
    u = t.universes.indexOf(universe),
    c = t.columns.findIndex((x) => x.key === key);
  return t.cells[m][u * t.columns.length + c];
}

test('compare Linear and MLP: results table, evaluation charts, CSV, re-evaluation, screenshots', async ({ page }) => {
  test.setTimeout(240_000);
  const lab = new LabPage(page);
  await lab.goto();
  await lab.loadBundled();

  // split timeline (step 3): one row per group, segments in the order train, validation, gap, test; test after the gap
  const splits = (await lab.chartData('splits'))!;
  expect(splits).not.toBeNull();
  const seg = (name: string) => splits.find((s) => s.name === name)!;
  const groups = seg('test').length;
  expect(groups).toBe(2); // the default run: 2 walk-forward half-years
  for (let g = 0; g < groups; g++) {
    const d = (name: string) => seg(name).data[g] as { value: number; from: string; to: string };
    expect(d('train').to < d('validation').from && d('validation').to < d('gap').from && d('gap').to < d('test').from).toBe(true);
    expect(d('gap').value).toBeGreaterThanOrEqual(20); // covers the longest label horizon (20 days)
  }
  await lab.byTestId('card-splits').scrollIntoViewIfNeeded();
  await lab.screenshot('09-split-timeline');

  // compare two methods: Linear (closed form) and the selected MLP with 2 epochs
  await lab.chooseModel('mlp');
  await lab.setHyper('epochs', 2);
  await lab.byTestId('compare-ew').uncheck();
  await expect(lab.byTestId('compare-linear')).toBeChecked();
  await expect(lab.byTestId('compare-mlp')).toBeChecked();
  await lab.byTestId('compare-button').click();
  // the queue starts (or, on a very fast machine, has already finished with both results)
  await page.waitForFunction(
    () => {
      const s = window.__lab!.getState();
      return s.results.queue !== null || s.results.models.includes('mlp');
    },
    null,
    { timeout: 30_000 },
  );
  await page.waitForFunction(
    () => {
      const s = window.__lab!.getState();
      return s.results.queue === null && s.training.status !== 'running';
    },
    null,
    { timeout: 200_000 },
  );
  let s = await lab.state();
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.training.status).toBe('done');
  expect(s.results.models).toEqual(['linear', 'mlp']);
  expect(s.results.universes.linear).toEqual(s.data.summary!.universes);

  // the results table: both methods, finite numbers on every universe, one best and one second per column
  let t = await table(page);
  expect(t.preset).toBe('paper-dmfm');
  expect(t.ids).toEqual(['linear', 'mlp']);
  expect(t.universes).toEqual(s.data.summary!.universes);
  expect(t.columns.map((c) => c.key)).toEqual(['alpha', 'icir', 'ir', 'sharpe']);
  for (let u = 0; u < t.universes.length; u++) {
    for (let c = 0; c < t.columns.length; c++) {
      const j = u * t.columns.length + c;
      const vals = t.cells.map((row) => row[j]);
      expect(
        vals.every((v) => typeof v === 'number' && Number.isFinite(v)),
        `${t.universes[u]} ${t.columns[c].key}`,
      ).toBe(true);
      const marks = t.marks.map((row) => row[j]).sort();
      expect(marks).toEqual(vals[0] === vals[1] ? ['best', 'best'] : ['best', 'second']);
      // best is the higher value for these columns (all 'higher is better')
      const best = vals[t.marks.findIndex((row) => row[j] === 'best')]!;
      expect(best).toBe(Math.max(...(vals as number[])));
    }
  }
  // 4 universes x 4 metrics is too wide for column groups at 1280 px: 'auto' shows one row block per universe
  await expect(lab.byTestId('metrics-table')).toHaveAttribute('data-layout', 'rows');
  await expect(lab.byTestId('metrics-table').locator('tbody tr[data-method="linear"]')).toHaveCount(t.universes.length);
  await expect(lab.byTestId('metrics-table').locator('td[data-mark="best"]').first()).toBeVisible();
  // the DOM shows the table's numbers: the 'all' alpha of Linear in percent with 2 decimals
  await expect(lab.byTestId('metrics-table').locator('tr[data-method="linear"][data-universe="all"] td[data-col="all:alpha"]')).toHaveText(
    (cell(t, 'linear', 'all', 'alpha')! * 100).toFixed(2),
  );
  // the table's 'all' column is the worker's per-universe evaluation; it equals the run's own metrics (universe all)
  for (const id of ['linear', 'mlp']) {
    const row = s.results.metrics!.rows.find((r) => r.method === id)!;
    expect(cell(t, id, 'all', 'alpha')).toBeCloseTo(row.values.alpha, 12);
    expect(cell(t, id, 'all', 'icir')).toBeCloseTo(row.values.icir, 12);
  }

  // every evaluation chart has data for both methods
  const both = (series: { name: string }[]) => ['Linear', 'MLP'].every((l) => series.some((x) => x.name.startsWith(l)));
  for (const id of ['cumExcess', 'drawdown', 'turnover', 'ic', 'quantiles', 'monotonicity']) {
    const c = await lab.chartData(id);
    expect(c, id).not.toBeNull();
    expect(both(c!), `${id} has a series per method`).toBe(true);
    for (const x of c!) if (!x.name.includes('daily')) expect(ys(x).length, `${id} ${x.name}`).toBeGreaterThan(0);
  }
  const cum = (await lab.chartData('cumExcess'))!;
  expect(cum.find((c) => c.name.startsWith('MLP'))!.length).toBe(s.results.cumExcess.mlp);
  // drawdown: underwater (<= 0), and its deepest point is the MDD of the lab overview
  await lab.byTestId('table-preset').selectOption('lab');
  t = await table(page);
  for (const [id, label] of [
    ['linear', 'Linear'],
    ['mlp', 'MLP'],
  ]) {
    const dd = ys((await lab.chartData('drawdown'))!.find((c) => c.name.startsWith(label))!);
    expect(Math.max(...dd)).toBeLessThanOrEqual(0);
    expect(-Math.min(...dd)).toBeCloseTo(cell(t, id, 'all', 'mdd')!, 10);
    // turnover: the mean over rebalances after the first is the TT column
    const to = ys((await lab.chartData('turnover'))!.find((c) => c.name.startsWith(label))!);
    expect(to.every((v) => v >= 0 && v <= 1 + 1e-9)).toBe(true);
    expect(to.slice(1).reduce((a, b) => a + b, 0) / (to.length - 1)).toBeCloseTo(cell(t, id, 'all', 'turnover')!, 10);
    // quantile bars: 10 deciles
    expect((await lab.chartData('quantiles'))!.find((c) => c.name === label)!.length).toBe(10);
  }
  // monthly heat map: [month, year, value] cells inside the test period, |IC| <= 1
  const heat = (await lab.chartData('icHeatmap'))!;
  expect(heat).toHaveLength(1);
  expect(heat[0].length).toBeGreaterThanOrEqual(6);
  for (const d of heat[0].data as [number, number, number][]) expect(Math.abs(d[2])).toBeLessThanOrEqual(1);
  // rank IC toggle, net value toggle (methods + the benchmark, starting near 1)
  await lab.byTestId('ic-kind').selectOption('rankIc');
  expect((await lab.chartData('ic'))!.some((c) => c.name.includes('rank IC'))).toBe(true);
  await lab.byTestId('cum-absolute').check();
  const nav = (await lab.chartData('netValue'))!;
  expect(nav).toHaveLength(3);
  for (const x of nav) expect(Math.abs(ys(x)[0] - 1)).toBeLessThan(0.1);

  // CSV: the exporter's text and the file the button downloads are the same, with a header row and one row per method
  await lab.byTestId('table-preset').selectOption('paper-dmfm');
  const csv = (await page.evaluate(() => window.__lab!.exportCsv()))!;
  const lines = csv.trim().split('\n');
  // one row per (method, universe), plain numbers with a rank column per metric (src/state/views.test.ts has the worked rows)
  expect(lines[0]).toBe(
    'method,method_id,universe,test_start,test_end,' + ['α(%)', 'ICIR', 'IR', 'SR'].map((c) => `${c},${c} rank`).join(','),
  );
  expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(t.universes.flatMap(() => t.methods));
  expect(lines).toHaveLength(1 + t.universes.length * t.methods.length);
  const [download] = await Promise.all([page.waitForEvent('download'), lab.byTestId('export-csv').click()]);
  expect(download.suggestedFilename()).toMatch(/^factor-lab-paper-dmfm-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/);
  expect(readFileSync(await download.path(), 'utf8')).toBe(csv);

  // screenshots of the Results panel at 1280x800 (strategy + table, curves, IC, groups)
  await lab.byTestId('cum-excess').check();
  await lab.byTestId('ic-kind').selectOption('ic');
  await lab.byTestId('panel-results').scrollIntoViewIfNeeded();
  await page.evaluate(() => document.getElementById('panel-results')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('10-results-table');
  // three universes fit as the papers' column groups
  await lab.byTestId('universe-rest').uncheck();
  await expect(lab.byTestId('metrics-table')).toHaveAttribute('data-layout', 'columns');
  expect((await table(page)).universes).toEqual(t.universes.filter((u) => u !== 'rest'));
  await page.evaluate(() => document.querySelector('[data-testid="metrics-table"]')!.scrollIntoView({ block: 'center' }));
  await lab.screenshot('10b-results-table-columns');
  await lab.byTestId('universe-rest').check();
  for (const [card, name] of [
    ['card-cum', '11-results-curves'],
    ['card-ic', '12-results-ic'],
    ['card-quantiles', '13-results-groups'],
  ]) {
    await page.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)!.scrollIntoView({ block: 'start' }), card);
    await lab.screenshot(name);
  }

  // a strategy change (cost 40 bp -> 0) marks the results stale; re-evaluating (no training) raises every alpha
  const before = await table(page);
  await page.evaluate(() => document.getElementById('panel-results')!.scrollIntoView({ block: 'start' }));
  await lab.byTestId('strategy-cost').fill('0');
  await lab.byTestId('strategy-cost').press('Enter');
  await expect(lab.byTestId('strategy-stale')).toBeVisible();
  await lab.byTestId('reevaluate').click();
  await expect(lab.byTestId('strategy-stale')).toHaveCount(0, { timeout: 30_000 });
  s = await lab.state();
  expect(s.results.strategies.mlp).toMatchObject({ kind: 'topquantile', cost: 0 });
  expect(s.training.status).toBe('done'); // nothing was trained
  const after = await table(page);
  for (const id of ['linear', 'mlp']) {
    for (const u of after.universes) {
      expect(cell(after, id, u, 'alpha')!).toBeGreaterThan(cell(before, id, u, 'alpha')!);
      expect(cell(after, id, u, 'icir')).toBe(cell(before, id, u, 'icir')); // the signal is unchanged
    }
  }
  await page.screenshot({ path: `${SCREENS}/14-results-reevaluated.png` });

  // TopK-Drop (FactorVAE): the kind starts from its paper defaults (k 50, n 5, daily), the link carries it, and after
  // re-evaluating the E2EAI table's average holdings n̄ is at most k
  await lab.byTestId('strategy-kind').selectOption('topkdrop');
  await expect(lab.byTestId('strategy-k')).toHaveValue('50');
  await expect.poll(() => page.evaluate(() => location.hash)).toContain('strategy.kind=topkdrop');
  expect(await page.evaluate(() => location.hash)).toContain('strategy.k=50');
  await lab.byTestId('reevaluate').click();
  await expect(lab.byTestId('strategy-stale')).toHaveCount(0, { timeout: 30_000 });
  await lab.byTestId('table-preset').selectOption('paper-e2eai');
  const topk = await table(page);
  for (const id of ['linear', 'mlp']) {
    const n = cell(topk, id, 'all', 'holdings')!;
    expect(n).toBeGreaterThan(40);
    expect(n).toBeLessThanOrEqual(50);
  }
  await lab.byTestId('cum-absolute').check();
  await page.evaluate(() => document.querySelector('[data-testid="card-cum"]')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('15-results-netvalue-topk');
});
