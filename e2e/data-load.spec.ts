/** (1) The page opens, loads the bundled dataset, shows its summary and the edge-count / industry charts with data. */
import { expect, test } from '@playwright/test';
import { LabPage, ys } from './pages/lab-page';

test('opens empty, loads the bundled dataset, shows its summary and charts', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto();

  // empty state: nothing loaded, a clear way to begin
  await expect(lab.byTestId('summary-empty')).toContainText('Load a dataset to begin');
  expect((await lab.state()).data.status).toBe('empty');
  await lab.screenshot('01-empty');

  // the survivorship caveat of the bundled data is one click away in the Data help
  await page.locator('#panel-data .help-btn').click();
  await expect(page.locator('#panel-data .help-box')).toContainText('S&P 500 membership of April 2021');

  const s = await lab.loadBundled();
  const sum = s.data.summary!;
  expect(sum.start >= '2012-01-01' && sum.start < sum.end && sum.end <= '2019-12-31').toBe(true);
  expect(sum.days).toBeGreaterThan(250);
  expect(sum.stocks).toBeGreaterThanOrEqual(50);
  expect(sum.factors).toBeGreaterThanOrEqual(5);
  expect(sum.mb).toBeGreaterThan(0);
  expect(sum.universes).toContain('all');

  // the card shows exactly those numbers
  await expect(lab.byTestId('summary-dates')).toContainText(`${sum.start} → ${sum.end}`);
  await expect(lab.byTestId('summary-stocks')).toHaveText(sum.stocks.toLocaleString('en-US'));
  await expect(lab.byTestId('summary-factors')).toHaveText(sum.factors.toLocaleString('en-US'));

  // edge-count chart (DMFM Fig. 3): one line per universe of the summary, in its order, one point per trading day;
  // same-industry neighbours per stock lie in [0, N - 1] (gaps where a universe has no members, e.g. its first month)
  const edges = (await lab.chartData('edges'))!;
  expect(edges.map((x) => x.name)).toEqual(sum.universes);
  for (const line of edges) {
    expect(line.length, line.name).toBe(sum.edgeDays);
    const e = ys(line);
    expect(e.length, line.name).toBeGreaterThan(sum.edgeDays / 2);
    expect(e.every(Number.isFinite), line.name).toBe(true);
    expect(Math.min(...e), line.name).toBeGreaterThanOrEqual(0);
    expect(Math.max(...e), line.name).toBeGreaterThan(0);
    expect(Math.max(...e), line.name).toBeLessThanOrEqual(sum.stocks - 1);
  }

  // industry shares: one bar per industry (past 12, the smallest pooled into one 'other' bar), summing to 1
  // (each month's shares sum to 1, so does their mean, and pooling keeps the total)
  const ind = (await lab.chartData('industries'))!;
  expect(ind[0].length).toBe(Math.min(sum.industries, 12));
  const shares = ys(ind[0]);
  expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);

  // results on this data carry the survivorship caveat
  await expect(lab.byTestId('summary-notes')).toContainText('Survivorship bias');
  await lab.screenshot('02-bundled-loaded');
});
