/** The SQL console on a synthetic market: the factors table (built from the panel on first use) and the CSV export. */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { LabPage } from './pages/lab-page';

test('factors table: columns and counts agree with the loaded panel; the CSV export holds the whole result', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto(
    './#dataset.kind=synthetic&dataset.name=synthetic&dataset.synthetic.nStocks=60&dataset.synthetic.nDays=300&dataset.synthetic.seed=5&model=linear',
  );
  const s = await lab.waitDataIdle();
  expect(s.lastError).toBeNull();
  const sum = s.data.summary!;
  expect(sum.lazyTables).toEqual(['factors', 'prices']);
  const columns = ['date', 'ticker', 'industry', 'universe', ...sum.factorNames!, ...sum.horizons!.map((h) => `fwd_${h}`)];

  const run = async (sql: string) => {
    await lab.byTestId('sql-input').fill(sql);
    await lab.byTestId('sql-input').press('Control+Enter');
    await page.waitForFunction((q) => {
      const st = window.__lab!.getState();
      return (
        st.sql.status === 'idle' &&
        (st.sql.error !== null || st.sql.columns.length > 0) &&
        (document.getElementById('sql-input') as HTMLTextAreaElement).value === q
      );
    }, sql);
    const st = await lab.state();
    expect(st.sql.error).toBeNull();
    return st;
  };

  // the first query that names factors builds it (the result says how many rows, and how long it took)
  let st = await run('SELECT * FROM factors ORDER BY date, ticker LIMIT 5');
  expect(st.sql.columns).toEqual(columns);
  expect(st.sql.rows).toBe(5);
  expect(st.sql.notes?.[0]).toMatch(/^factors table built from the panel: [\d,]+ rows in [\d.]+ s$/);
  const grid = lab.byTestId('sql-result');
  const firstRow = await grid.locator('tbody tr').first().locator('td').allInnerTexts();
  expect(firstRow[0] >= sum.start).toBe(true);
  expect(firstRow[1]).toMatch(/^S\d{3}$/);

  // values against the panel the page was given: rows = the cross-section's size (worker count from the mask),
  // members per date of each universe = the summary's mean (computed from the panel's membership arrays)
  const T = sum.days;
  st = await run(
    `SELECT count(*) AS n, ${sum.universes
      .filter((u) => u !== 'all')
      .map((u) => `count(*) FILTER (WHERE universe = '${u}') / ${T} AS "${u}"`)
      .join(', ')} FROM factors`,
  );
  const cells = await grid.locator('tbody tr').first().locator('td').allInnerTexts();
  const num = (t: string) => Number(t.replace(/,/g, ''));
  expect(num(cells[0])).toBe(sum.tableRows!.factors);
  sum.universes
    .filter((u) => u !== 'all')
    .forEach((u, i) => expect(Math.abs(num(cells[i + 1]) - sum.universeMembers![u])).toBeLessThan(0.01));

  // export: the whole result of the query shown, as CSV
  await run('SELECT * FROM factors ORDER BY date, ticker LIMIT 5');
  const [download] = await Promise.all([page.waitForEvent('download'), lab.byTestId('sql-export-csv').click()]);
  expect(download.suggestedFilename()).toMatch(/^synthetic.*-sql\.csv$/);
  const text = readFileSync((await download.path())!, 'utf8');
  const lines = text.trimEnd().split('\n');
  expect(lines).toHaveLength(6);
  expect(lines[0]).toBe(columns.join(','));
  const row = lines[1].split(',');
  expect(row.slice(0, 2)).toEqual(firstRow.slice(0, 2)); // date, ticker as in the grid
  const shown = await grid.locator('tbody tr').first().locator('td').allInnerTexts();
  // the first factor: full precision in the file, rounded in the grid
  const f0 = Number(row[4]);
  expect(Number.isFinite(f0)).toBe(true);
  expect(Math.abs(f0 - Number(shown[4]))).toBeLessThan(0.01);

  await lab.byTestId('sql-export-csv').focus();
  await page.locator('#panel-sql').scrollIntoViewIfNeeded();
  await lab.screenshot('sql-factors');
});
