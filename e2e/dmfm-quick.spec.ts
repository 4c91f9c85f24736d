/**
 * (issue 5) The "DMFM Quick" preset end to end on the bundled data: one click sets DMFM and the paper's baselines
 * (Linear, EW, MLP, MGAT), "Compare methods" trains them one after another in the worker, and the DMFM paper's four
 * views are live with data: Table 1 (methods x universes x alpha / ICIR / IR / Sharpe, best and second marked),
 * Figure 1 (cumulative excess return per method), Figure 2 (factor attention per group and horizon), Figure 3
 * (same-industry edges per stock per universe) and Figure 4 (industry proportions). Screenshots of each.
 */
import { expect, test } from '@playwright/test';
import { LabPage, ys } from './pages/lab-page';
import type { ResultsTableSnapshot } from '../src/ui/test-api';

/** window.__lab.view('dmfm'): DMFM's mean attention and faithfulness (src/models/dmfm/views) */
type DmfmView = null | {
  horizons: number[];
  groups: string[];
  groupWeights: number[][];
  faithfulness: { horizon: number; corr: number }[];
};

test('DMFM Quick preset: DMFM + baselines, Table 1, Figures 1-4 with data; screenshots', async ({ page }) => {
  test.setTimeout(600_000);
  const lab = new LabPage(page);
  await lab.goto();
  await lab.loadBundled();

  await lab.byTestId('preset-dmfm-quick').click();
  await expect(lab.byTestId('preset-dmfm-quick')).toHaveAttribute('aria-pressed', 'true');
  await expect(lab.byTestId('preset-help')).toContainText('2019H1 and 2019H2');
  let s = await lab.state();
  const run = s.run as { model: string; config: Record<string, unknown>; split: Record<string, unknown> };
  expect(run.model).toBe('dmfm');
  expect(run.config).toMatchObject({ hidden: 32, epochs: 4 });
  expect(run.split).toEqual({ kind: 'walkforward', groups: 2, gap: 21, trainYears: 2.5 });
  for (const id of ['linear', 'ew', 'mlp', 'mgat', 'dmfm']) await expect(lab.byTestId(`compare-${id}`)).toBeChecked();
  await expect(lab.byTestId('split-train-years')).toHaveValue('2.5');
  await lab.byTestId('panel-model').scrollIntoViewIfNeeded();
  await lab.screenshot('40-dmfm-quick-preset');

  const t0 = Date.now();
  await lab.byTestId('compare-button').click();
  await page.waitForFunction(() => window.__lab!.getState().results.queue !== null, null, { timeout: 30_000 });
  await page.waitForFunction(
    () => {
      const st = window.__lab!.getState();
      return st.results.queue === null && st.training.status !== 'running';
    },
    null,
    { timeout: 560_000 },
  );
  s = await lab.state();
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.training.status).toBe('done');
  expect(s.results.models).toEqual(['linear', 'ew', 'mlp', 'mgat', 'dmfm']);
  console.log(`DMFM Quick preset, 5 methods trained and evaluated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  // Table 1: methods x universes x (alpha, ICIR, IR, SR); best and second best marked in every column
  const t = (await page.evaluate(() => window.__lab!.resultsTable())) as ResultsTableSnapshot;
  expect(t.preset).toBe('paper-dmfm');
  // DMFM's attention estimate f-hat (an alternative score channel) is listed as an extra method after DMFM
  expect(t.ids).toEqual(['linear', 'ew', 'mlp', 'mgat', 'dmfm', 'dmfm:fhat']);
  expect(t.universes).toEqual(s.data.summary!.universes);
  expect(t.columns.map((c) => c.key)).toEqual(['alpha', 'icir', 'ir', 'sharpe']);
  const allU = t.universes.indexOf('all');
  for (let m = 0; m < t.ids.length; m++) for (let c = 0; c < 4; c++) expect(Number.isFinite(t.cells[m][allU * 4 + c])).toBe(true);
  await expect(lab.byTestId('metrics-table').locator('td[data-mark="best"]').first()).toBeVisible();
  await expect(lab.byTestId('metrics-table').locator('td[data-mark="second"]').first()).toBeVisible();
  await lab.byTestId('metrics-table').evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await lab.screenshot('41-dmfm-quick-table1');

  // the out-of-sample IC of DMFM on 2019 (20-day label): printed for the notes, and it must be a number
  const ic = await page.evaluate(() => window.__lab!.getState().results.metrics);
  console.log('DMFM Quick out-of-sample metrics:', JSON.stringify(ic));

  // Figure 1: cumulative excess return of every method, finite to the last day
  const cum = (await lab.chartData('cumExcess'))!;
  for (const label of ['Linear', 'EW', 'MLP', 'MGAT', 'DMFM']) {
    const c = cum.find((x) => x.name.startsWith(label));
    expect(c, `cumulative excess series of ${label}`).toBeDefined();
    const v = ys(c!);
    expect(v.length).toBeGreaterThan(200); // 2019: ~250 holding days
    expect(Number.isFinite(v[v.length - 1])).toBe(true);
  }
  await lab.byTestId('card-cum').scrollIntoViewIfNeeded();
  await lab.screenshot('42-dmfm-quick-figure1-cumulative-excess');

  // Figure 2: attention per factor group and horizon, one column per horizon, each summing to 1
  const d = ((await page.evaluate(() => window.__lab!.view('dmfm'))) as DmfmView)!;
  expect(d.horizons).toEqual([3, 5, 10, 15, 20]);
  for (const row of d.groupWeights) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  const heat = (await lab.chartData('dmfmAttention'))!;
  expect(heat[0].length).toBe(d.groups.length * d.horizons.length);
  await lab.byTestId('card-dmfm-attention').scrollIntoViewIfNeeded();
  await lab.screenshot('43-dmfm-quick-figure2-attention');

  // Figure 3: same-industry edges per stock, a line per universe, finite where the universe has members
  const edges = (await lab.chartData('edges'))!;
  expect(edges.length).toBe(s.data.summary!.universes.length);
  for (const e of edges) expect(ys(e).some((v) => Number.isFinite(v) && v > 0)).toBe(true);
  await lab.byTestId('chart-edges').scrollIntoViewIfNeeded();
  await lab.screenshot('44-dmfm-quick-figure3-edges');

  // Figure 4: industry proportions at month ends (rows sum to 1)
  const prop = (await lab.chartData('industryProportion'))!;
  expect(prop.length).toBeGreaterThan(0);
  await lab.byTestId('card-industry-proportion').scrollIntoViewIfNeeded();
  await lab.screenshot('45-dmfm-quick-figure4-industries');
});
