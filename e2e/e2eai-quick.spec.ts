/**
 * (issue 11) The "E2EAI Quick" preset end to end on the bundled data: one click sets E2EAI and Table 1's baselines,
 * "Compare methods" trains them in the worker (MLP, MGAT and DMFM unticked here to keep the browser run short: their
 * numbers come from the headless runner and the DMFM Quick spec), and E2EAI's four views are live with data: Table 1
 * (ad-hoc and automatic blocks), the directional contributions and gate selections per half-year (Figure 2), the decile
 * monotonicity of E2E_d and E2E_l (Figure 3) and the learned weights against the cap. Screenshots of each.
 */
import { expect, test } from '@playwright/test';
import { LabPage } from './pages/lab-page';

/** window.__lab.view('e2eai') (src/models/e2eai/views/index.tsx testApi) */
type E2eaiView = null | {
  table1: { title: string; rows: { label: string; values: Record<string, Record<string, number>> }[] }[];
  directional: { periods: string[]; rows: string[]; values: number[][] } | null;
  selectedShare: { periods: string[]; rows: string[]; values: number[][] } | null;
  monotonicity: { label: string; mean: number[] }[];
  weights: { dates: number; meanHoldings: number; maxWeight: number; cap: number } | null;
};

test('E2EAI Quick preset: E2EAI + baselines, Table 1, directional heat maps, monotonicity, weights; screenshots', async ({ page }) => {
  test.setTimeout(1_800_000);
  const lab = new LabPage(page);
  await lab.goto();
  await lab.loadBundled();

  await lab.byTestId('preset-e2eai-quick').click();
  await expect(lab.byTestId('preset-e2eai-quick')).toHaveAttribute('aria-pressed', 'true');
  let s = await lab.state();
  const run = s.run as { model: string; config: Record<string, unknown>; strategy: Record<string, unknown> };
  expect(run.model).toBe('e2eai');
  expect(run.config).toMatchObject({ hidden: 32, epochs: 4 });
  expect(run.strategy).toMatchObject({ kind: 'topquantile', groups: 10, horizon: 20 });
  for (const id of ['linear', 'ew', 'mlp', 'mgat', 'dmfm', 's-best', 's-avg', 's-t20', 'e2eai'])
    await expect(lab.byTestId(`compare-${id}`)).toBeChecked();
  for (const id of ['mlp', 'mgat', 'dmfm']) await lab.byTestId(`compare-${id}`).uncheck();
  await lab.byTestId('panel-model').scrollIntoViewIfNeeded();
  await lab.screenshot('110-e2eai-quick-preset');

  const t0 = Date.now();
  await lab.byTestId('compare-button').click();
  await page.waitForFunction(() => window.__lab!.getState().results.queue !== null, null, { timeout: 30_000 });
  await page.waitForFunction(
    () => {
      const st = window.__lab!.getState();
      return st.results.queue === null && st.training.status !== 'running';
    },
    null,
    { timeout: 1_700_000, polling: 2000 },
  );
  s = await lab.state();
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.results.models).toEqual(['linear', 'ew', 's-best', 's-avg', 's-t20', 'e2eai']);
  console.log(`E2EAI Quick (6 methods) trained and evaluated in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

  // Table 1: both blocks filled (the automatic block is re-evaluated asynchronously with the model-weighted strategy)
  await lab.byTestId('card-e2eai-table1').scrollIntoViewIfNeeded();
  await expect(lab.byTestId('e2eai-table1-row-E2E_auto')).toBeVisible({ timeout: 120_000 });
  const v = (await page.evaluate(() => window.__lab!.view('e2eai'))) as E2eaiView;
  expect(v).not.toBeNull();
  const [adhoc, auto] = v!.table1;
  expect(adhoc.rows.map((r) => r.label)).toEqual(['Linear', 'EW', 'S-Best', 'S-Avg', 'S-T20', 'E2E_d', 'E2E_l']);
  expect(auto.rows.map((r) => r.label).sort()).toEqual(['E2E_auto', 'S-Avg', 'S-Best', 'S-T20']);
  for (const r of [...adhoc.rows, ...auto.rows])
    for (const k of ['alpha', 'ir', 'mdd', 'turnover', 'holdings']) expect(Number.isFinite(r.values.all[k])).toBe(true);
  const e2eAuto = auto.rows.find((r) => r.label === 'E2E_auto')!.values.all;
  const e2eD = adhoc.rows.find((r) => r.label === 'E2E_d')!.values.all;
  console.log('E2EAI Quick Table 1 (all):', JSON.stringify({ adhoc: adhoc.rows, auto: auto.rows }));
  expect(e2eD.holdings).toBeGreaterThan(20); // top decile of ~400 stocks
  await expect(lab.byTestId('e2eai-table1-table').locator('td[data-mark="best"]').first()).toBeVisible();
  await lab.screenshot('111-e2eai-table1');
  expect(e2eAuto.holdings).toBeGreaterThan(0);

  // Figure 2: signed contributions per group and half-year; the gate's selection share in [0, 1]
  expect(v!.directional!.periods).toEqual(['2019H1', '2019H2']);
  expect(v!.directional!.values.flat().every((x) => Number.isFinite(x))).toBe(true);
  for (const row of v!.selectedShare!.values) for (const x of row) expect(x >= 0 && x <= 1).toBe(true);
  const heat = (await lab.chartData('e2eaiDirectional'))!;
  expect(heat[0].length).toBe(v!.directional!.rows.length * 2);
  await lab.byTestId('card-e2eai-directional').scrollIntoViewIfNeeded();
  await lab.screenshot('112-e2eai-directional');
  await lab.byTestId('card-e2eai-selection').scrollIntoViewIfNeeded();
  await lab.screenshot('113-e2eai-selection');

  // Figure 3: ten deciles for the deep factor and its attention estimate
  expect(v!.monotonicity.map((m) => m.mean.length)).toEqual([10, 10]);
  await lab.byTestId('card-e2eai-monotonicity').scrollIntoViewIfNeeded();
  await lab.screenshot('114-e2eai-monotonicity');

  // weights: every test date held, none above the cap after the projection
  expect(v!.weights!.dates).toBeGreaterThan(200);
  expect(v!.weights!.maxWeight).toBeLessThanOrEqual(v!.weights!.cap + 1e-6);
  await lab.byTestId('card-e2eai-weights').scrollIntoViewIfNeeded();
  await lab.screenshot('115-e2eai-weights');
});
