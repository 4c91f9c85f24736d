/** (2) Bad files show a precise error and leave the page usable (and the previous dataset loaded). */
import { expect, test } from '@playwright/test';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { Table, writeParquet } from 'parquet-wasm';
import { LabPage } from './pages/lab-page';

/** A real parquet file (PAR1 ... PAR1) with date and close but no ticker column. */
function parquetWithoutTicker(): Buffer {
  const t = tableFromArrays({ date: ['2019-01-02', '2019-01-03', '2019-01-04'], close: Float64Array.from([10, 10.5, 10.2]) });
  return Buffer.from(writeParquet(Table.fromIPCStream(tableToIPC(t, 'stream'))));
}

test('a CSV renamed .parquet is refused with the reason; the page stays usable', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto();
  const csv = 'date,ticker,close\n2019-01-02,AAPL,39.48\n2019-01-03,AAPL,35.55\n';
  const s = await lab.loadFile('prices.parquet', Buffer.from(csv));

  const box = lab.byTestId('error-data');
  await expect(box).toBeVisible();
  await expect(box).toContainText('prices.parquet is not a parquet file');
  await expect(box).toContainText('looks like CSV');
  await expect(box).toContainText(`${csv.length} bytes`);
  expect(s.lastError).toMatchObject({ where: 'data' });
  expect(s.data.status).toBe('empty');
  await lab.screenshot('03-bad-csv');

  // usable: dismiss the error, change the model, switch source, type SQL; controls respond
  await box.getByRole('button', { name: 'Dismiss this error' }).click();
  await expect(box).toHaveCount(0);
  await lab.chooseModel('linear');
  await lab.byTestId('source-synthetic').check();
  await expect(lab.byTestId('load-dataset')).toBeEnabled();
  await lab.byTestId('sql-input').fill('DROP TABLE prices');
  await lab.byTestId('sql-run').click();
  await expect(lab.byTestId('error-sql')).toContainText('read-only');
});

test('a parquet without a ticker column names the column; the previous dataset stays loaded', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto();
  const before = (await lab.loadBundled()).data.summary!;
  const edgesBefore = (await lab.chartData('edges'))![0].length;

  const s = await lab.loadFile('no-ticker.parquet', parquetWithoutTicker());
  const box = lab.byTestId('error-data');
  await expect(box).toBeVisible();
  await expect(box).toContainText('no-ticker.parquet');
  await expect(box).toContainText(/ticker/i);
  expect(s.lastError?.where).toBe('data');

  // the bundled dataset is still there, summary and charts unchanged
  expect(s.data.status).toBe('ready');
  expect(s.data.summary).toEqual(before);
  await expect(lab.byTestId('summary-stocks')).toHaveText(before.stocks.toLocaleString('en-US'));
  expect((await lab.chartData('edges'))![0].length).toBe(edgesBefore);
  await expect(lab.byTestId('train-button')).toBeEnabled();
  await lab.screenshot('04-bad-parquet');
});
