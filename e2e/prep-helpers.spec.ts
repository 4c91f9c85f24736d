/**
 * The cold load's per-date preprocessing on helper workers (src/data/cross-section-pool.ts) in real Chromium: the
 * lab worker starts its nested helper, and the panel is the one the lab worker alone builds (`?prepHelpers=off`),
 * value for value: a fingerprint of every preprocessed factor and label through the SQL console's `factors` table.
 * Two browser contexts, so the second load is cold too (no panel cache hit).
 */
import { expect, test, type Browser } from '@playwright/test';
import { LabPage } from './pages/lab-page';

async function loadAndFingerprint(browser: Browser, query: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  const lab = new LabPage(page);
  await lab.goto(`./${query}`);
  const s = await lab.loadBundled();
  const sum = s.data.summary!;
  // every factor and label column hashed, the row hashes summed (exact integers, order-free): equal only if every
  // preprocessed value and every validity flag (which rows exist) is equal
  const cols = [...sum.factorNames!, ...sum.horizons!.map((h) => `fwd_${h}`)].map((c) => `"${c}"`).join(', ');
  const sql = `SELECT count(*) AS n, sum(hash(date, ticker, ${cols})::HUGEINT)::VARCHAR AS fp FROM factors`;
  await lab.byTestId('sql-input').fill(sql);
  await lab.byTestId('sql-input').press('Control+Enter');
  await page.waitForFunction(() => {
    const st = window.__lab!.getState();
    return st.sql.status === 'idle' && (st.sql.error !== null || st.sql.columns.length > 0);
  });
  const st = await lab.state();
  expect(st.sql.error).toBeNull();
  const cells = await lab.byTestId('sql-result').locator('tbody tr').first().locator('td').allInnerTexts();
  await context.close();
  return { cells, sum, workers };
}

test('helper workers preprocess the bundled dataset to exactly the panel the lab worker builds alone', async ({ browser }) => {
  const on = await loadAndFingerprint(browser, '');
  const off = await loadAndFingerprint(browser, '?prepHelpers=off');
  // the helper ran only where it was allowed (this machine has 2 cores: 1 helper)
  expect(on.workers.filter((u) => /cross-section-worker/.test(u)).length).toBeGreaterThanOrEqual(1);
  expect(off.workers.filter((u) => /cross-section-worker/.test(u))).toEqual([]);
  expect(Number(on.cells[0].replace(/,/g, ''))).toBeGreaterThan(100_000);
  expect(on.cells[1]).toMatch(/^\d{12,}$/); // a sum of 64-bit hashes over the rows, as text
  expect(on.cells).toEqual(off.cells);
  expect([on.sum.days, on.sum.stocks, on.sum.factors, on.sum.mb]).toEqual([off.sum.days, off.sum.stocks, off.sum.factors, off.sum.mb]);
  expect(on.sum.days).toBeGreaterThan(1000);
});
