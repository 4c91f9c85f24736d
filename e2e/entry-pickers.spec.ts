/**
 * The Results pickers choose an entry, not a model id: a runner bundle holding factorvae and its ablation
 * factorvae-prior (two entries of one model, e2e/fixtures/labels-bundle.ts) opens; the tear sheet, monthly IC heat map and
 * Explain pickers list both FactorVAE entries by display name, and choosing either shows that
 * entry's own numbers, checked against the runner's metrics.json (not against the page):
 * - monthly returns: the test period lies in July 2016, so July's cell = the period's compounded net return
 *   = prod(1 + r) - 1 = expm1(log1p(annReturnGeo) x n / 252) (annReturnGeo = prod(1 + r)^(252 / n) - 1, n holding days);
 * - the heat map's July cell = the mean daily IC of July = the whole period's mean IC (portfolio.ic).
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { LabPage, SCREENS } from './pages/lab-page';
import { LABELS_KEYS, LABELS_NAMES, buildLabelsBundle, type LabelsMetrics } from './fixtures/labels-bundle';

let bundle: Buffer;
let metrics: LabelsMetrics;

test.beforeAll(() => {
  ({ bundle, metrics } = buildLabelsBundle());
  mkdirSync(SCREENS, { recursive: true });
});

const optionLabels = (page: Page, id: string) =>
  page.getByTestId(id).evaluate((s) => [...(s as HTMLSelectElement).options].map((o) => o.textContent));

test('each picker lists both FactorVAE entries and shows the chosen entry its own numbers', async ({ page }) => {
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
  expect((await page.evaluate(() => window.__labRuns!.state())).error).toBeNull();
  const port = (k: string) => metrics.models[k].portfolio as Record<string, number>;

  // the test API's metrics: a row per entry (the two factorvae rows keep their own IR)
  const rows = (await lab.state()).results.metrics!.rows;
  expect(rows.map((r) => [r.method, r.label])).toEqual(
    LABELS_KEYS.map((k, i) => [k === 'factorvae-prior' ? 'factorvae' : k, LABELS_NAMES[i]]),
  );
  rows.forEach((r, i) => expect(r.values.ir).toBeCloseTo(port(LABELS_KEYS[i]).ir, 9));
  // the entries' numbers differ, so showing the wrong one would be seen
  expect(port('factorvae').annReturnGeo).not.toBeCloseTo(port('factorvae-prior').annReturnGeo, 2);

  // holding days per entry: the points of its cumulative line
  const cum = (await lab.chartData('cumExcess'))!;
  const days = (i: number) => cum.find((c) => c.name === LABELS_NAMES[i])!.length;

  // ---- portfolio tear sheet: monthly returns of the chosen entry
  const tear = lab.byTestId('tear-method');
  await tear.scrollIntoViewIfNeeded();
  expect(await optionLabels(page, 'tear-method')).toEqual(LABELS_NAMES);
  await expect(tear).toHaveValue('factorvae-prior'); // the default: the latest entry, as before
  const july = lab.byTestId('monthly-returns').locator('tbody tr').first().locator('td').nth(6);
  for (const i of [1, 2, 1]) {
    await tear.selectOption({ label: LABELS_NAMES[i] });
    const g = port(LABELS_KEYS[i]).annReturnGeo;
    const want = (Math.expm1((Math.log1p(g) * days(i)) / 252) * 100).toFixed(1);
    await expect(july, LABELS_NAMES[i]).toHaveText(want);
    // in full precision through the test API, which takes the entry's label as the picker does
    const mr = (await page.evaluate((l) => window.__lab!.monthlyReturns(l), LABELS_NAMES[i]))!;
    expect(mr.months[0][6]).toBeCloseTo(Math.expm1((Math.log1p(g) * days(i)) / 252), 9);
  }
  // the picker with its entries, shown as a list for the screenshot (a native drop-down does not draw in one)
  await tear.evaluate((s) => s.setAttribute('size', '3'));
  await lab.byTestId('card-monthlyReturns').screenshot({ path: `${SCREENS}/entry-pickers-tearsheet.png` });
  await tear.evaluate((s) => s.removeAttribute('size'));

  // (the signal tear sheet's picker is the same pickSeries, src/state/entries.test.ts: a runner bundle carries no signal sheet)

  // ---- monthly IC heat map: July's mean IC of the chosen entry
  const heat = lab.byTestId('heat-method');
  expect(await optionLabels(page, 'heat-method')).toEqual(LABELS_NAMES);
  for (const i of [1, 2]) {
    await heat.selectOption({ label: LABELS_NAMES[i] });
    await expect
      .poll(async () => ((await lab.chartData('icHeatmap'))?.[0]?.data as [number, number, number][] | undefined)?.map((d) => d[2]))
      .toEqual([expect.closeTo(port(LABELS_KEYS[i]).ic, 9)]);
  }

  // ---- Explain: the chosen entry's views
  const ex = lab.byTestId('explain-model');
  await ex.scrollIntoViewIfNeeded();
  const exLabels = await optionLabels(page, 'explain-model');
  expect(exLabels).toEqual(expect.arrayContaining(LABELS_NAMES.slice(1)));
  for (const i of [1, 2]) {
    await ex.selectOption({ label: LABELS_NAMES[i] });
    await expect(lab.byTestId('views-factorvae').locator('h4').first()).toHaveText(`FactorVAE views: ${LABELS_NAMES[i]}`);
  }
  await ex.evaluate((s, n) => s.setAttribute('size', String(n)), exLabels.length);
  await lab.byTestId('explain-model-field').screenshot({ path: `${SCREENS}/entry-pickers-explain.png` });
});

test('the seeds of a method are entries of the signal tear sheet picker, each with its own sheet', async ({ page }) => {
  test.setTimeout(900_000);
  const lab = new LabPage(page);
  await lab.goto();
  await lab.loadBundled();
  await lab.chooseModel('mlp');
  expect(await lab.setHyper('epochs', 1)).toBe(true);
  // compare only the MLP, over seeds 1 and 2: two entries of one model (`<name>@1`, `<name>@2`)
  const boxes = lab.byTestId('compare-methods').locator('input[type=checkbox]');
  for (let i = 0; i < (await boxes.count()); i++) {
    const b = boxes.nth(i);
    await b.setChecked((await b.getAttribute('data-testid')) === 'compare-mlp');
  }
  await lab.byTestId('experiment-fields').locator('summary').click();
  const seeds = lab.byTestId('seeds');
  await seeds.fill('1, 2');
  await seeds.press('Enter');
  await expect(lab.byTestId('seeds-error')).toHaveCount(0);
  await lab.byTestId('compare-button').click();
  // wait for the outcome (both seeds in, queue gone) or an error, not for time
  await page.waitForFunction(
    () => {
      const s = window.__lab!.getState();
      return !!s.lastError || (s.results.queue === null && s.training.status !== 'running' && s.results.models.length === 2);
    },
    null,
    { timeout: 780_000 },
  );
  const s = await lab.state();
  expect(s.lastError?.message ?? null).toBeNull();
  const rows = s.results.metrics!.rows;
  expect(rows.map((r) => r.method)).toEqual(['mlp', 'mlp']);
  const labels = rows.map((r) => r.label);
  expect(labels.map((l) => l.replace(/^.*@/, '@'))).toEqual(['@1', '@2']);

  // both seeds are listed (the charts draw one line for them: the latest seed's), the latest chosen by default
  const sig = lab.byTestId('signal-method');
  await sig.scrollIntoViewIfNeeded();
  expect(await optionLabels(page, 'signal-method')).toEqual(labels);
  await expect(sig).toHaveValue(labels[1]);
  expect(await optionLabels(page, 'tear-method')).toEqual(labels);
  const pct3 = (v: number) => `${(v * 100).toFixed(3)}%`;
  for (const i of [0, 1, 0]) {
    await sig.selectOption({ label: labels[i] });
    await expect(lab.byTestId('card-returnDistribution')).toContainText(`Daily return distribution: ${labels[i]}`);
    const d = (await page.evaluate((l) => window.__lab!.signalSheet(l), labels[i]))!.distribution;
    // the sheet is this seed's: its daily returns' mean / sd x sqrt(252) is the seed's Sharpe from the metrics engine
    expect((d.mean / d.std) * Math.sqrt(252)).toBeCloseTo(rows[i].values.sharpe, 9);
    await expect(lab.byTestId('distribution-stats').locator('dd').first()).toHaveText(pct3(d.mean));
    // the cross-method charts draw one line per method: the picked seed's (they used to keep the latest seed's)
    await expect
      .poll(async () => (await lab.chartData('icDecay'))?.map((x) => x.name).filter((n) => labels.includes(n)))
      .toEqual([labels[i]]);
    await expect.poll(async () => (await lab.chartData('rankAutocorr'))?.map((x) => x.name)).toContain(labels[i]);
  }
  // two seeds of a trained network: different weights, so different portfolios
  expect(rows[0].values.sharpe).not.toBeCloseTo(rows[1].values.sharpe, 6);
  await sig.evaluate((el) => el.setAttribute('size', '2'));
  // below the sticky step bar: the section title, its picker listing both seeds, and the first charts
  await page.locator('#signal-tearsheet-title').evaluate((el) => {
    el.scrollIntoView({ block: 'start' });
    window.scrollBy(0, -90);
  });
  await lab.screenshot('entry-pickers-signal-seeds');
});
