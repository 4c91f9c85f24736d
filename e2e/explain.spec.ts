/**
 * (issue 6) Explain a Deep Factor Model run: a boolean hyper-parameter (warmStart) is a checkbox that round-trips
 * through the URL; a short rolling DFM run on the bundled data (3 months, 12-month window, 2 epochs); the LRP views:
 * pick a date and a stock, the factor contributions + bias + epsilon add up to the prediction (read via window.__lab),
 * the top-quintile group shares sum to 100 on every date, Table 5 has a row per factor group; screenshots.
 */
import { expect, test } from '@playwright/test';
import { LabPage } from './pages/lab-page';

/** window.__lab.view('dmfm'): DMFM's mean attention and faithfulness (src/models/dmfm/views) */
type DmfmView = null | {
  horizons: number[];
  groups: string[];
  groupWeights: number[][];
  faithfulness: { horizon: number; corr: number }[];
};

const RUN = '#model=dfm&split.kind=rolling&split.start=2019-08-01&split.groups=3&split.windowMonths=12&config.epochs=2&config.warmEpochs=1';

test('Deep Factor Model: LRP contributions add up to the prediction; group shares; Table 5; screenshots', async ({ page }) => {
  test.setTimeout(240_000);
  const lab = new LabPage(page);
  await lab.goto(`./?backend=cpu${RUN}`);
  expect((await lab.state()).urlWarnings).toEqual([]);

  // boolean hyper-parameter: a checkbox (default on), unchecking it lands in the URL and survives a reload
  const warm = lab.byTestId('hyper-warmStart');
  await expect(warm).toHaveAttribute('type', 'checkbox');
  await expect(warm).toBeChecked();
  await warm.uncheck();
  await expect.poll(() => page.url()).toContain('config.warmStart=false');
  await page.reload();
  await lab.goto(page.url());
  await expect(lab.byTestId('hyper-warmStart')).not.toBeChecked();
  await lab.byTestId('hyper-warmStart').check();
  await expect.poll(() => page.url()).toContain('config.warmStart=true');

  await lab.loadBundled();
  await lab.byTestId('train-button').click();
  const s = await lab.waitTrainStatus(['done', 'error', 'cancelled'], 200_000);
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.training.status).toBe('done');

  // the explanation: 3 month-ends, LRP epsilon rule
  const ex = (await page.evaluate(() => window.__lab!.explanation()))!;
  expect(ex).not.toBeNull();
  expect(ex.model).toBe('dfm');
  expect(ex.method).toMatch(/^LRP/);
  expect(ex.dates.length).toBeGreaterThanOrEqual(2);
  expect(ex.groups.length).toBeGreaterThan(1);
  for (const row of ex.share) {
    expect(row).toHaveLength(ex.groups.length);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 6);
    for (const v of row) expect(v).toBeGreaterThanOrEqual(0);
  }
  expect(ex.table5.map((r) => r.group)).toEqual(ex.groups);
  for (const r of ex.table5) {
    expect(Number.isFinite(r.lrpShare)).toBe(true);
    expect(Math.abs(r.spearman)).toBeLessThanOrEqual(1);
    expect(Math.abs(r.kendall)).toBeLessThanOrEqual(1);
  }
  expect(ex.table5.reduce((a, r) => a + r.lrpShare, 0)).toBeCloseTo(100, 6);

  // the LRP views: pick the first date and a top-quintile stock through the UI
  const section = lab.byTestId('explain-section');
  await section.scrollIntoViewIfNeeded();
  const date = ex.dates[0];
  const ticker = ex.tickers[0];
  await lab.byTestId('lrp-date').selectOption(date);
  await lab.byTestId('lrp-ticker').fill(ticker);
  await expect(lab.byTestId('card-lrp-stock')).toContainText(`Why ${ticker} got`);
  await expect(lab.byTestId('card-lrp-stock')).toContainText(date);

  // contributions add up to the prediction: sum(relevances) + bias + eps = prediction (epsilon rule)
  const c = (await page.evaluate(([d, t]) => window.__lab!.explainStock(d, t), [date, ticker] as const))!;
  expect(c).not.toBeNull();
  const rel = Object.values(c.relevances);
  expect(rel.length).toBeGreaterThan(5);
  expect(rel.every(Number.isFinite)).toBe(true);
  const sum = rel.reduce((a, b) => a + b, 0);
  expect(Math.abs(sum + c.bias + c.eps - c.prediction)).toBeLessThan(1e-4);
  expect(c.top).toBe(true);
  expect(Math.abs(c.prediction)).toBeGreaterThan(0);
  // the waterfall shows the same numbers: the signed steps before the total add up to the total
  const wf = (await lab.chartData('lrpStock'))!;
  const steps = wf.find((x) => x.name === 'value')!.data as number[];
  expect(steps[steps.length - 1]).toBeCloseTo(c.prediction, 6);
  expect(Math.abs(steps.slice(0, -1).reduce((a, b) => a + b, 0) - c.prediction)).toBeLessThan(1e-4);
  // another stock of the same date is explained too (not only the default one)
  const other = ex.tickers[ex.tickers.length - 1];
  const c2 = (await page.evaluate(([d, t]) => window.__lab!.explainStock(d, t), [date, other] as const))!;
  expect(Math.abs(Object.values(c2.relevances).reduce((a, b) => a + b, 0) + c2.bias + c2.eps - c2.prediction)).toBeLessThan(1e-4);

  // group shares over time: one stacked series per group, one point per explained date
  const area = (await lab.chartData('lrpGroupShares'))!;
  expect(area.map((x) => x.name)).toEqual(ex.groups);
  for (const x of area) expect(x.length).toBe(ex.dates.length);
  await expect(lab.byTestId('table5').locator('tbody tr')).toHaveCount(ex.groups.length);
  // only the views that apply to the selected model show: the attribution views, no DMFM views for a DFM run; the
  // industry composition (Figure 4) comes from the dataset
  await expect(lab.byTestId('views-attribution')).toBeVisible();
  await expect(lab.byTestId('views-dmfm')).toHaveCount(0);
  const prop = (await lab.chartData('industryProportion'))!;
  expect(prop[0].length).toBeGreaterThan(0);

  await lab.byTestId('card-lrp-stock').scrollIntoViewIfNeeded();
  await lab.screenshot('30-explain-lrp-stock');
  await lab.byTestId('card-lrp-groups').scrollIntoViewIfNeeded();
  await lab.screenshot('31-explain-lrp-groups');
  await lab.byTestId('card-lrp-table5').scrollIntoViewIfNeeded();
  await lab.screenshot('32-explain-table5-dmfm');
});

test('DMFM: factor attention heat map per horizon, faithfulness, f vs f-hat portfolio, industry composition; screenshots', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const lab = new LabPage(page);
  // a short fixed split: ~7 months of training, one epoch, a small hidden size (auto backend: cpu is too slow here)
  await lab.goto(
    './#model=dmfm&split.kind=fixed&split.start=2018-06-01&split.trainEnd=2018-12-31&split.validEnd=2019-03-31&split.testEnd=2019-09-30&config.epochs=1&config.hidden=16',
  );
  expect((await lab.state()).urlWarnings).toEqual([]);
  await lab.loadBundled();
  await lab.byTestId('train-button').click();
  const s = await lab.waitTrainStatus(['done', 'error', 'cancelled'], 200_000);
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.training.status).toBe('done');

  const d = ((await page.evaluate(() => window.__lab!.view('dmfm'))) as DmfmView)!;
  expect(d).not.toBeNull();
  expect(d.horizons).toEqual([3, 5, 10, 15, 20]);
  // a-bar_k is a softmax over the factors averaged over stocks and dates: each horizon's group weights sum to 1
  for (const row of d.groupWeights) {
    expect(row).toHaveLength(d.groups.length);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
  }
  for (const f of d.faithfulness) expect(Math.abs(f.corr)).toBeLessThanOrEqual(1);
  // LRP cannot pass DMFM's attention / graph layers: the fallback is gradient x input, labelled as such
  // where the backend has the gradient kernels (cpu, webgl; not wasm: UnsortedSegmentSum), otherwise the LRP views say why
  await expect(lab.byTestId('lrp-method').or(lab.byTestId('lrp-empty'))).toContainText('gradient x input');
  const gx = await page.evaluate(() => window.__lab!.explanation());
  if (gx) {
    expect(gx.model).toBe('dmfm');
    for (const row of gx.share) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 6);
    const g0 = (await page.evaluate(([dd, t]) => window.__lab!.explainStock(dd, t), [gx.dates[0], gx.tickers[0]] as const))!;
    // gradient x input does not conserve: the unexplained part is reported, and the parts still add up
    expect(Math.abs(Object.values(g0.relevances).reduce((a, b) => a + b, 0) + g0.bias + g0.eps + g0.residual - g0.prediction)).toBeLessThan(
      1e-4,
    );
  } else {
    await expect(lab.byTestId('lrp-empty')).toContainText(/failed on the \w+ backend/);
  }

  const heat = (await lab.chartData('dmfmAttention'))!;
  expect(heat[0].length).toBe(d.groups.length * d.horizons.length); // groups x horizons cells
  await lab.byTestId('dmfm-horizon').selectOption('20');
  await expect(lab.byTestId('card-dmfm-attention')).toContainText('k = 20, per test period');
  const heat20 = (await lab.chartData('dmfmAttention'))!;
  expect(heat20[0].length).toBe(d.groups.length); // one test period
  const faith = (await lab.chartData('dmfmFaithfulness'))!;
  expect(faith[0].length).toBe(d.horizons.length);

  // the deep factor's portfolio next to its attention estimate's: same strategy and holding days, two lines with
  // finite cumulative excess returns; the table has both rows with a finite IC, and f's row is the results table's
  const card = lab.byTestId('card-dmfm-estimate');
  await card.scrollIntoViewIfNeeded();
  const port = (await lab.chartData('dmfmEstimatePortfolio'))!;
  expect(port).toHaveLength(2);
  expect(port[0].length).toBeGreaterThan(20);
  expect(port[1].data.map((p) => (p as [string, number])[0])).toEqual(port[0].data.map((p) => (p as [string, number])[0]));
  for (const line of port) {
    const v = line.data.map((p) => (p as [string, number | null])[1]);
    expect(v.every((x) => typeof x === 'number' && Number.isFinite(x))).toBe(true);
  }
  const cell = async (row: string, key: string) =>
    Number(await lab.byTestId(`dmfm-estimate-row-${row}`).locator(`td[data-key="${key}"]`).getAttribute('data-value'));
  const icF = await cell('f', 'ic'),
    icHat = await cell('fhat', 'ic');
  expect(Number.isFinite(icF)).toBe(true);
  expect(Number.isFinite(icHat)).toBe(true);
  expect(icF).not.toBe(icHat); // two different signals
  const own = (await lab.state()).results.metrics!.rows.find((r) => r.method === 'dmfm')!;
  expect(icF).toBeCloseTo(own.values.ic, 12);
  const alphaF = await cell('f', 'alpha'),
    alphaHat = await cell('fhat', 'alpha');
  expect(Number.isFinite(alphaF) && Number.isFinite(alphaHat)).toBe(true);
  console.log(
    `DMFM f vs f-hat: IC ${icF.toFixed(4)} vs ${icHat.toFixed(4)}; rank IC ${(await cell('f', 'rankIc')).toFixed(4)} vs ${(await cell('fhat', 'rankIc')).toFixed(4)}; alpha ${(alphaF * 100).toFixed(2)}% vs ${(alphaHat * 100).toFixed(2)}%; IR ${(await cell('f', 'ir')).toFixed(2)} vs ${(await cell('fhat', 'ir')).toFixed(2)}`,
  );
  await expect(lab.byTestId('dmfm-estimate-note')).toContainText('Excess over the benchmark');
  await page.evaluate(() => document.querySelector('[data-testid="card-dmfm-estimate"]')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('35-explain-dmfm-estimate');
  // re-evaluating with another strategy (no costs) re-scores f-hat too: its alpha rises, its IC (the signal) is unchanged
  await lab.byTestId('strategy-cost').fill('0');
  await lab.byTestId('strategy-cost').press('Enter');
  await lab.byTestId('reevaluate').click();
  await expect(lab.byTestId('strategy-stale')).toHaveCount(0, { timeout: 30_000 });
  expect((await lab.state()).training.status).toBe('done');
  await expect.poll(() => cell('fhat', 'alpha')).toBeGreaterThan(alphaHat);
  expect(await cell('fhat', 'ic')).toBe(icHat);
  expect(await cell('f', 'alpha')).toBeGreaterThan(alphaF);
  await lab.byTestId('dmfm-horizon').selectOption('all');
  await lab.byTestId('card-dmfm-attention').scrollIntoViewIfNeeded();
  await lab.screenshot('33-explain-dmfm-attention');
  await lab.byTestId('card-industry-proportion').scrollIntoViewIfNeeded();
  await lab.screenshot('34-explain-industry-proportion');
});
