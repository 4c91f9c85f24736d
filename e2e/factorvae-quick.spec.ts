/**
 * (issue 12) The "FactorVAE Quick" preset end to end on the bundled data: one click sets FactorVAE (H 32, K 16, M 64),
 * the fixed split (train 2016-2017, validation 2018, test 2019), the TopK-Drop strategy on the 1-day label and the
 * compared baselines; FactorVAE trains in the worker (1 epoch here, to bound the time on the shared 2-core machine:
 * the preset's 2 epochs are the headless run's), and the results (metrics, cumulative excess) and FactorVAE's risk view
 * (sigma calibration, rank correlation, a stock's exposures beta) are live with data. Screenshots of each.
 */
import { expect, test } from '@playwright/test';
import { LabPage, ys } from './pages/lab-page';

/** window.__lab.view('factorvae') (src/models/factorvae/views) */
type FvaeView = null | {
  rankCorr: number | null;
  bins: { sigma: number; absReturn: number; count: number }[][];
  betaStocks: number;
  betaDates: number;
  K: number;
};

test('FactorVAE Quick preset: FactorVAE trains, results and the risk view with data; screenshots', async ({ page }) => {
  test.setTimeout(900_000);
  const lab = new LabPage(page);
  await lab.goto();
  await lab.loadBundled();

  await lab.byTestId('preset-factorvae-quick').click();
  await expect(lab.byTestId('preset-factorvae-quick')).toHaveAttribute('aria-pressed', 'true');
  await expect(lab.byTestId('preset-help')).toContainText('TopK-Drop');
  let s = await lab.state();
  const run = s.run as {
    model: string;
    config: Record<string, unknown>;
    split: Record<string, unknown>;
    strategy: Record<string, unknown>;
  };
  expect(run.model).toBe('factorvae');
  expect(run.config).toMatchObject({ hidden: 32, factors: 16, portfolios: 64, lookback: 20 });
  expect(run.split).toMatchObject({ kind: 'fixed', trainEnd: '2017-12-31', validEnd: '2018-12-31', testEnd: '2019-12-31' });
  expect(run.strategy).toMatchObject({ kind: 'topkdrop', k: 50, n: 5, horizon: 1 });
  for (const id of ['linear', 'mlp', 'ipca', 'ca', 'gru', 'alstm', 'gat', 'transformer', 'factorvae'])
    await expect(lab.byTestId(`compare-${id}`)).toBeChecked();
  await lab.byTestId('panel-model').scrollIntoViewIfNeeded();
  await lab.screenshot('60-factorvae-quick-preset');

  expect(await lab.setHyper('epochs', 1)).toBe(true);
  const t0 = Date.now();
  await lab.byTestId('train-button').click();
  s = await lab.waitTrainStatus(['done', 'error'], 840_000);
  expect(s.lastError?.message ?? null).toBeNull();
  console.log(`FactorVAE Quick (1 epoch) trained and evaluated in the browser in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log('FactorVAE Quick browser metrics:', JSON.stringify(s.results.metrics));

  // results: the cumulative excess return of FactorVAE's TopK-Drop portfolio over 2019
  const cum = (await lab.chartData('cumExcess'))!;
  const c = cum.find((x) => x.name.startsWith('FactorVAE'));
  expect(c, 'cumulative excess series of FactorVAE').toBeDefined();
  const v = ys(c!);
  expect(v.length).toBeGreaterThan(200);
  expect(Number.isFinite(v[v.length - 1])).toBe(true);
  await lab.byTestId('card-cum').scrollIntoViewIfNeeded();
  await lab.screenshot('61-factorvae-quick-cumulative-excess');

  // risk view: 10 bins of sigma with rising sigma, a finite rank correlation, exposures of a stock
  const d = ((await page.evaluate(() => window.__lab!.view('factorvae'))) as FvaeView)!;
  expect(d).not.toBeNull();
  expect(d.bins.length).toBe(1);
  expect(d.bins[0].length).toBe(10);
  for (let k = 1; k < 10; k++) expect(d.bins[0][k].sigma).toBeGreaterThanOrEqual(d.bins[0][k - 1].sigma);
  expect(Number.isFinite(d.rankCorr)).toBe(true);
  console.log(`FactorVAE Quick risk: rank corr(sigma, |return|) = ${d.rankCorr}`);
  expect(d.K).toBe(16);
  expect(d.betaStocks).toBeGreaterThan(300);
  expect(d.betaDates).toBeGreaterThan(20);
  const cal = (await lab.chartData('fvaeCalibration'))!;
  expect(cal.length).toBe(2); // the test period + the Gaussian reference
  expect(ys(cal[0]).length).toBe(10);
  await lab.byTestId('card-fvae-risk').scrollIntoViewIfNeeded();
  await lab.screenshot('62-factorvae-quick-risk-calibration');

  const beta = (await lab.chartData('fvaeBeta'))!;
  expect(beta.length).toBe(6);
  for (const b of beta) expect(ys(b).length).toBeGreaterThan(10);
  // another stock: the chart follows the selector (tickers are option text)
  const opts = await lab.byTestId('fvae-stock').locator('option').allTextContents();
  await lab.byTestId('fvae-stock').selectOption({ label: opts[5] });
  await lab.byTestId('card-fvae-beta').scrollIntoViewIfNeeded();
  await lab.screenshot('63-factorvae-quick-beta');
});
