/**
 * One name per method: a run bundle the headless runner wrote for linear, factorvae (default labels: the model ids) and
 * a labelled factorvae-prior opens with the names the page gives its own runs (Linear, FactorVAE (...)) and the
 * explicit label as it is, in the results table, the chart legends (a line per entry) and the opened run's methods;
 * the table's colour dots follow the model, so both FactorVAE entries share FactorVAE's colour.
 */
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { LabPage, SCREENS } from './pages/lab-page';
import { LABELS_NAMES, buildLabelsBundle, type LabelsMetrics } from './fixtures/labels-bundle';

const NAMES = LABELS_NAMES;
let bundle: Buffer;
let metrics: LabelsMetrics;

test.beforeAll(() => {
  ({ bundle, metrics } = buildLabelsBundle());
  mkdirSync(SCREENS, { recursive: true });
});

test('a runner bundle opens with the display names in the table, the legends and the opened run', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto();
  await lab.byTestId('open-run-input').setInputFiles({ name: 'run.flrun.zip', mimeType: 'application/zip', buffer: bundle });
  // wait for the outcome (methods or an error), not for time
  await page.waitForFunction(
    () => {
      const s = window.__labRuns?.state();
      return s?.status === 'idle' && (s.error !== null || s.methods.length > 0);
    },
    null,
    { timeout: 60_000 },
  );
  const st = await page.evaluate(() => window.__labRuns!.state());
  expect(st.error).toBeNull();
  expect(st.methods).toEqual(NAMES);
  // the bundle's keys are the runner's labels, unchanged
  expect(Object.keys(metrics.models)).toEqual(['linear', 'factorvae', 'factorvae-prior']);
  const t = (await page.evaluate(() => window.__lab!.resultsTable()))!;
  expect(t.methods).toEqual(NAMES);
  expect(t.ids).toEqual(['linear', 'factorvae', 'factorvae']);
  // each row shows the runner's IR for its entry (the lab preset's IR column, 2 decimals as shown)
  const ir = t.columns.findIndex((c) => c.key === 'ir');
  ['linear', 'factorvae', 'factorvae-prior'].forEach((k, i) => expect(t.cells[i][ir]).toBe(metrics.models[k].portfolio.ir));
  // the evaluation charts' legends name the same methods, one line per entry (no model id left, none hidden)
  for (const id of ['cumExcess', 'drawdown', 'turnover'])
    expect(
      (await lab.chartData(id))!.map((c) => c.name),
      id,
    ).toEqual(NAMES);
  await expect(lab.byTestId('opened-run')).toContainText(NAMES.join(', '));
  // colour dots: by model id, so both FactorVAE entries carry FactorVAE's colour and Linear its own
  const dot = (i: number) =>
    page
      .locator('tr[data-method]')
      .nth(i)
      .locator('.dot')
      .first()
      .evaluate((e) => getComputedStyle(e).backgroundColor);
  const [c0, c1, c2] = [await dot(0), await dot(1), await dot(2)];
  expect(c1).toBe(c2);
  expect(c0).not.toBe(c1);
  await page.evaluate(() => document.getElementById('panel-results')!.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${SCREENS}/bundle-labels-results.png` });
  await page.evaluate(() => document.querySelector('[data-testid="card-cum"]')?.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: `${SCREENS}/bundle-labels-chart.png` });
});
