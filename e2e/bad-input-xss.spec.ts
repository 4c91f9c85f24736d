/**
 * (issue 16) Script never runs from a file's names or values: a factor panel whose file name, tickers, factor columns,
 * industry values and universe columns are all markup is loaded, trained briefly (explained), and every chart is swept
 * with the mouse (axis, item and legend tooltips, which ECharts renders as HTML). No dialog opens, no injected element
 * exists, the markup is shown as text in a tooltip, and the page still loads the bundled dataset afterwards.
 */
import { expect, test } from '@playwright/test';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { Table, writeParquet } from 'parquet-wasm';
import { LabPage } from './pages/lab-page';

const X = (tag: string) => `<img src=x data-xss=${tag} onerror="window.__xss=(window.__xss||0)+1;alert('${tag}')">`;
const S = (tag: string) => `"><svg data-xss=${tag} onload="window.__xss=(window.__xss||0)+1">`;

/** A factor panel: 30 markup tickers x ~780 business days (2017-2019), 3 markup factors + 1 plain, close, markup industries. */
function markupPanel(): Buffer {
  const N = 30;
  const days: string[] = [];
  for (let d = new Date(Date.UTC(2017, 0, 2)); d < new Date(Date.UTC(2020, 0, 1)); d = new Date(d.getTime() + 86400000)) {
    const w = d.getUTCDay();
    if (w !== 0 && w !== 6) days.push(d.toISOString().slice(0, 10));
  }
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5;
  const cols: Record<string, string[] | Float64Array> = { date: [], ticker: [], industry: [] };
  const f = [X('factor1'), S('factor2'), `${X('factor3')}_mom`, 'plain_value'];
  const vals = f.map(() => [] as number[]);
  const close: number[] = [],
    univ: number[] = [];
  const px = Array.from({ length: N }, () => 50);
  for (const day of days)
    for (let i = 0; i < N; i++) {
      const sig = Math.sin(i * 1.7 + day.length) * 0.01;
      px[i] *= 1 + sig * 0.2 + rnd() * 0.02;
      (cols.date as string[]).push(day);
      (cols.ticker as string[]).push(`${X(`t${i}`)}${i}`);
      (cols.industry as string[]).push(i % 2 ? X('industry') : S('industry'));
      vals.forEach((v, j) => v.push(sig * (j + 1) + rnd() * 0.01));
      close.push(px[i]);
      univ.push(i < 20 ? 1 : 0);
    }
  const t = tableFromArrays({
    ...(cols as Record<string, string[]>),
    close: Float64Array.from(close),
    [`univ_${X('universe')}`]: Float64Array.from(univ),
    ...Object.fromEntries(f.map((name, j) => [name, Float64Array.from(vals[j])])),
  });
  return Buffer.from(writeParquet(Table.fromIPCStream(tableToIPC(t, 'stream'))));
}

test('markup in every name and value of a file never runs, in any chart tooltip or table', async ({ page }) => {
  test.setTimeout(420_000);
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const lab = new LabPage(page);
  await lab.goto('./?backend=cpu#model=mlp&config.epochs=2&split.kind=walkforward&split.groups=1&explain=true');
  const s0 = await lab.loadFile(`${X('filename')}.parquet`, markupPanel());
  expect(s0.lastError?.message ?? null).toBeNull();
  expect(s0.data.summary?.factors).toBe(4);

  await lab.byTestId('train-button').click();
  const s = await lab.waitTrainStatus(['done', 'error', 'cancelled'], 300_000);
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.training.status).toBe('done');

  // sweep every chart with the mouse; remember tooltips that showed the markup as text
  let shownAsText = 0;
  const charts = page.locator('[data-testid^="chart-"]');
  const n = await charts.count();
  expect(n).toBeGreaterThan(4);
  for (let c = 0; c < n; c++) {
    const el = charts.nth(c);
    await el.scrollIntoViewIfNeeded();
    const box = await el.boundingBox();
    if (!box) continue;
    for (const fy of [0.03, 0.08, 0.3, 0.55, 0.8])
      for (let fx = 0.04; fx < 1; fx += 0.08) {
        await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
        if (fx > 0.4 && fx < 0.5)
          shownAsText += await page.evaluate(() =>
            [...document.querySelectorAll('div')].some(
              (d) => d.childElementCount < 20 && /onerror=/.test(d.textContent ?? '') && getComputedStyle(d).position === 'absolute',
            )
              ? 1
              : 0,
          );
      }
  }
  // the Explain views: pick a date and a stock (markup ticker) so the waterfall renders, then sweep it
  const stock = lab.byTestId('lrp-ticker');
  if (await stock.count()) {
    const ex = await page.evaluate(() => window.__lab!.explanation());
    if (ex?.tickers.length) {
      await stock.fill(ex.tickers[0]);
      const wf = page.locator('[data-testid^="chart-"]').last();
      const box = (await wf.boundingBox())!;
      for (let fy = 0.1; fy < 1; fy += 0.1) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * fy);
    }
  }
  await lab.screenshot('16-xss-markup-names', true);

  const injected = await page.evaluate(() => ({
    flag: (window as unknown as { __xss?: number }).__xss ?? 0,
    elements: document.querySelectorAll('[data-xss]').length,
  }));
  expect(dialogs).toEqual([]);
  expect(injected).toEqual({ flag: 0, elements: 0 });
  expect(shownAsText, 'a tooltip showed a markup name as text').toBeGreaterThan(0);
  // the tables show the names as text too
  await expect(page.getByText(/onerror=/).first()).toBeVisible();

  // after the case the page still loads the bundled dataset
  await lab.loadBundled();
});
