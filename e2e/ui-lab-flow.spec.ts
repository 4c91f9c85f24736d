/**
 * Issue 14 in a real browser at 1280 x 800: a link restores the "Compare methods" ticks, keyboard focus survives
 * "Load" and "Train", loading another dataset asks before discarding results, an unknown LRP ticker is said so, and
 * screenshots of what changed (test-results/screens/ui-*.png).
 */
import { expect, test } from '@playwright/test';
import { LabPage } from './pages/lab-page';

const MARKET =
  'dataset.kind=synthetic&dataset.name=synthetic&dataset.synthetic.nStocks=60&dataset.synthetic.nDays=750&dataset.synthetic.seed=5';

test('link, focus, confirm before discarding results, loss chart per group', async ({ page }) => {
  const lab = new LabPage(page);
  // a link with a small synthetic market, two walk-forward groups, Linear selected, Linear + EW ticked
  await lab.goto(`./#${MARKET}&model=linear&split.kind=walkforward&split.groups=2&split.gap=21&compare=linear,ew`);
  let s = await lab.waitDataIdle();
  expect(s.data.status).toBe('ready');
  // defect 3: the ticks come from the link (the defaults are Linear, EW, MLP)
  await expect(lab.byTestId('compare-linear')).toBeChecked();
  await expect(lab.byTestId('compare-ew')).toBeChecked();
  await expect(lab.byTestId('compare-mlp')).not.toBeChecked();

  // defect 6: after Load, the focus is back on the Load button (not <body>)
  await lab.byTestId('load-dataset').focus();
  await page.keyboard.press('Enter');
  await lab.waitDataIdle();
  await expect(lab.byTestId('load-dataset')).toBeFocused();

  // "Train & compare" trains Linear and EW; the focus returns to the button when the queue ends
  await lab.byTestId('compare-button').click();
  s = await lab.waitTrainStatus(['done', 'error']);
  await page.waitForFunction(() => window.__lab!.getState().results.queue === null);
  expect(s.lastError).toBeNull();
  await expect(lab.byTestId('compare-button')).toBeFocused();
  // Train alone: focus back on Train
  await lab.byTestId('train-button').click();
  await page.waitForFunction(() => window.__lab!.getState().training.status !== 'running');
  await lab.waitTrainStatus(['done']);
  await expect(lab.byTestId('train-button')).toBeFocused();
  await expect(lab.byTestId('train-status')).toHaveText('finished');

  // defect 4: the loss chart has a gap between the two groups and a 'group 2' mark (Linear trains epochs per group)
  const loss = await lab.chartData('loss');
  if (loss && loss[0].data.length > 2) expect(loss[0].data.some((d) => Array.isArray(d) && d[1] === '-')).toBe(true);
  await page.evaluate(() => document.getElementById('panel-train')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('ui-01-train-panel');

  // defect 1: loading another market asks first; "Keep" keeps the results
  await lab.byTestId('synth-seed').fill('6');
  await lab.byTestId('synth-seed').press('Enter');
  await lab.byTestId('load-dataset').click();
  await expect(lab.byTestId('pending-load')).toBeVisible();
  await expect(lab.byTestId('confirm-discard')).toBeFocused();
  await page.evaluate(() => document.getElementById('panel-data')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('ui-02-confirm-discard');
  await lab.byTestId('keep-results').click();
  s = await lab.state();
  expect(s.results.models.sort()).toEqual(['ew', 'linear']);
  expect(s.data.summary?.name).toContain('seed 5'); // still the first market

  // Results at 1280 px: the IC legend, drawdown axis and monotonicity legend
  await page.evaluate(() => document.getElementById('panel-results')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('ui-03-results-top');
  await page.evaluate(() => document.querySelector('[data-testid="card-ic"]')?.scrollIntoView({ block: 'start' }));
  await lab.screenshot('ui-04-results-ic');
  await page.evaluate(() => document.querySelector('[data-testid="card-monotonicity"]')?.scrollIntoView({ block: 'start' }));
  await lab.screenshot('ui-05-results-monotonicity');

  // tear sheet: monthly returns of the latest method, rolling Sharpe and beta per method (one colour each)
  const monthly = (await page.evaluate(() => window.__lab!.monthlyReturns()))!;
  expect(monthly.years).toEqual([2017]);
  expect(monthly.months[0].filter((v) => v !== null && Number.isFinite(v)).length).toBeGreaterThanOrEqual(10);
  expect((await lab.chartData('rollingSharpe'))!.map((x) => x.name).sort()).toEqual(['EW (equal-weighted)', 'Linear']);
  expect((await lab.chartData('rollingBeta'))!.length).toBe(2);
  await page.evaluate(() => document.querySelector('[data-testid="tearsheet"]')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('ui-10-tearsheet');
  // the lab overview table at 1280 px (four universes as row blocks)
  await lab.byTestId('table-preset').selectOption('lab');
  await page.evaluate(() => document.querySelector('[data-testid="metrics-table"]')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('ui-11-lab-overview-table');
  const overflow = await page.evaluate(() => {
    const w = document.querySelector('[data-testid="metrics-table"]')!.parentElement!;
    return w.scrollWidth - w.clientWidth;
  });
  expect(overflow).toBeLessThanOrEqual(1);

  // Table 5 (LRP of the explained Linear run) fits without sideways scrolling
  await page.evaluate(() => document.querySelector('[data-testid="table5"]')!.scrollIntoView({ block: 'center' }));
  await lab.screenshot('ui-12-table5');
  const t5 = await page.evaluate(() => {
    const t = document.querySelector('[data-testid="table5"]') as HTMLElement;
    const w = t.parentElement!;
    return Math.max(w.scrollWidth - w.clientWidth, t.scrollWidth - t.clientWidth);
  });
  expect(t5).toBeLessThanOrEqual(1);

  // CSV: plain numbers and a rank column
  const csv = (await page.evaluate(() => window.__lab!.exportCsv()))!;
  expect(csv.split('\n')[0]).toMatch(/^method,method_id,universe,test_start,test_end,/);
  expect(csv).not.toContain('**');

  // "Discard" then loads the other market and clears the results
  await lab.byTestId('load-dataset').click();
  await lab.byTestId('confirm-discard').click();
  s = await lab.waitDataIdle();
  expect(s.results.models).toEqual([]);
  // the link now carries the compare list
  expect(await page.evaluate(() => location.hash)).toContain('compare=linear,ew');
});

test('split kinds keep their values; an invalid split turns Train off and says why', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto(`./#${MARKET}&model=linear`);
  await lab.waitDataIdle();
  await page.locator('summary', { hasText: 'Split' }).click();
  await lab.byTestId('split-groups').fill('2');
  await lab.byTestId('split-groups').press('Enter');
  await lab.byTestId('split-kind').selectOption('rolling');
  await expect(lab.byTestId('split-window')).toHaveValue('60');
  await expect(lab.byTestId('split-groups')).toHaveValue('0');
  // 750 days (3 years) hold no 60-month window: Train is off, with the reason
  await expect(lab.byTestId('train-button')).toBeDisabled();
  await expect(lab.byTestId('train-split-error')).toContainText('60-month rolling window');
  await page.evaluate(() => document.getElementById('panel-train')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('ui-06-invalid-split');
  await lab.byTestId('split-kind').selectOption('walkforward');
  await expect(lab.byTestId('split-groups')).toHaveValue('2');
  await expect(lab.byTestId('train-button')).toBeEnabled();
});

test('teacher: signal controls with meanings, factor roles, ground truth of trained models, paper presets', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto(`./#${MARKET}&model=linear&split.kind=walkforward&split.groups=2&split.gap=21&compare=linear,ew`);
  await lab.waitDataIdle();
  // every planted part is a control with a one-line meaning
  for (const k of ['linear', 'interaction', 'industryRelative', 'idioVol', 'marketVol', 'industryVol'])
    await expect(lab.byTestId(`synth-${k}`)).toBeVisible();
  await page.locator('[data-testid="synth-roles"] summary').click();
  await expect(lab.byTestId('synth-roles')).toContainText('ind_rel');
  await page.evaluate(() => document.querySelector('[data-testid="synth-signal"]')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('ui-07-synthetic-controls');

  // the Dates card is never cut off (its two dates wrap when the card is narrow)
  const cut = await page.evaluate(() => {
    const dd = document.querySelector('[data-testid="summary-dates"]') as HTMLElement;
    return dd.scrollWidth - dd.clientWidth;
  });
  expect(cut).toBeLessThanOrEqual(0);

  // presets for every paper, including the Deep Factor Model and the teacher's "Why graph models"
  for (const id of ['dmfm-quick', 'dmfm-paper', 'dfm-paper', 'why-graph']) await expect(lab.byTestId(`preset-${id}`)).toBeVisible();
  await page.evaluate(() => document.getElementById('panel-model')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('ui-08-presets');

  // ground truth: Linear's score follows the planted linear part more than the others
  await lab.byTestId('compare-button').click();
  await page.waitForFunction(
    () => window.__lab!.getState().results.models.length === 2 && window.__lab!.getState().results.queue === null,
    null,
    {
      timeout: 300_000,
    },
  );
  const truth = (await page.evaluate(() => window.__lab!.groundTruth()))!;
  const lin = truth.find((r) => r.method === 'linear')!;
  expect(lin.corr.lin).toBeGreaterThan(0.5);
  expect(lin.corr.lin).toBeGreaterThan(Math.abs(lin.corr.inter));
  await expect(lab.byTestId('ground-truth-table')).toBeVisible();
  await page.evaluate(() => document.querySelector('[data-testid="card-groundTruth"]')!.scrollIntoView({ block: 'start' }));
  await lab.screenshot('ui-09-ground-truth');
});
