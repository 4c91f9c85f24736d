/**
 * Signal tear sheet (issue 14): train a small model on the bundled data; every view has data, read back through
 * window.__lab (the numbers) and __lab.chartData (what each chart was given); the book follows the date picker.
 */
import { expect, test } from '@playwright/test';
import { LabPage, ys } from './pages/lab-page';

test('signal tear sheet: IC decay, IC by industry, quintile curves, rank autocorrelation, turnover, distribution, holdings', async ({
  page,
}) => {
  test.setTimeout(900_000);
  const lab = new LabPage(page);
  await lab.goto();
  const loaded = await lab.loadBundled();
  await lab.chooseModel('linear');
  await lab.setHyper('epochs', 2);
  await lab.byTestId('train-button').click();
  const s = await lab.waitTrainStatus(['done', 'error', 'cancelled']);
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.results.models).toContain('linear');

  const sheet = (await page.evaluate(() => window.__lab!.signalSheet('linear')))!;
  expect(sheet).not.toBeNull();
  // IC decay: one row per panel horizon, rank ICs are correlations, standard errors positive
  expect(sheet.icDecay.length).toBeGreaterThan(1);
  expect(sheet.icDecay.map((r) => r.horizon)).toEqual([...sheet.icDecay.map((r) => r.horizon)].sort((a, b) => a - b));
  expect(loaded.data.summary!.industries).toBeGreaterThan(3);
  for (const r of sheet.icDecay) {
    expect(Math.abs(r.mean)).toBeLessThanOrEqual(1);
    expect(r.se).toBeGreaterThan(0);
    expect(r.dates).toBeGreaterThan(10);
  }
  // IC by industry: the bundled data has industries; each with dates and at least 2 stocks
  expect(sheet.industryIc.length).toBeGreaterThan(3);
  expect(sheet.industryIc.filter((r) => r.dates > 0).every((r) => Math.abs(r.mean) <= 1 && r.stocks >= 2)).toBe(true);
  // quintiles over the holding days; the spread is the top minus bottom long-short
  expect(sheet.quantiles.groups).toBe(5);
  expect(sheet.quantiles.cum).toHaveLength(5);
  expect(sheet.quantiles.dates.length).toBeGreaterThan(20);
  for (const c of sheet.quantiles.cum) expect(c.length).toBe(sheet.quantiles.dates.length);
  // rank autocorrelation and turnover between rebalances: in [-1, 1] and [0, 1]
  expect(sheet.rank.autocorr.length).toBeGreaterThan(0);
  expect(sheet.rank.autocorr.every((v) => v >= -1 && v <= 1)).toBe(true);
  expect(sheet.rank.meanTurnover.every((v) => v >= 0 && v <= 1)).toBe(true);
  // distribution: every holding day counted once
  expect(sheet.distribution.counts.reduce((a, b) => a + b, 0)).toBe(sheet.distribution.n);
  expect(sheet.distribution.var5).toBeLessThanOrEqual(sheet.distribution.mean);

  // each chart got the numbers
  const decay = (await lab.chartData('icDecay'))!;
  expect(decay.length).toBe(3); // the method's mean line and its +-2 SE lines
  expect(ys(decay[0])).toHaveLength(sheet.icDecay.length);
  expect(ys(decay[0])[0]).toBeCloseTo(sheet.icDecay[0].mean, 10);
  expect(ys((await lab.chartData('industryIc'))![0]).length).toBeGreaterThan(0);
  const q = (await lab.chartData('quantileCum'))!;
  expect(q.map((x) => x.name)).toEqual(['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q5 − Q1']);
  expect(ys(q[4]).at(-1)).toBeCloseTo(sheet.quantiles.cum[4].at(-1)!, 10);
  expect(ys((await lab.chartData('rankAutocorr'))![0])).toHaveLength(sheet.rank.autocorr.filter(Number.isFinite).length);
  expect(ys((await lab.chartData('quantileTurnover'))![0])).toHaveLength(5);
  expect((await lab.chartData('returnDistribution'))![0].length).toBe(sheet.distribution.counts.length);

  // holdings: the latest book by default; an earlier date shows the book in force then
  const table = lab.byTestId('holdings-table');
  await expect(table).toBeVisible();
  const last = sheet.book.holdings.at(-1)!;
  await expect(table.locator('tbody tr')).toHaveCount(last.length);
  const d1 = sheet.book.dates[1];
  await lab.byTestId('signal-book-date').fill(d1.slice(0, 10));
  const b1 = (await page.evaluate((d) => window.__lab!.signalBook(d, 'linear'), d1))!;
  expect(b1.date).toBe(d1);
  await expect(lab.byTestId('holdings-summary')).toContainText(d1);
  await expect(table.locator('tbody tr').first()).toContainText(b1.holdings[0].ticker);
  const long = b1.holdings.reduce((a, h) => a + Math.max(0, h.weight), 0);
  expect(long).toBeGreaterThan(0.9);
  expect(long).toBeLessThanOrEqual(1 + 1e-9);

  await page.locator('#signal-tearsheet-title').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await lab.screenshot('14-signal-tearsheet');
  await lab.byTestId('card-quantileCum').scrollIntoViewIfNeeded();
  await lab.screenshot('14-signal-tearsheet-2');
  await lab.byTestId('card-holdings').scrollIntoViewIfNeeded();
  await lab.screenshot('14-signal-tearsheet-3');
});
