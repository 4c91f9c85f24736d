/** CSV input (platform v2): a semicolon prices CSV and its gzipped copy load like parquet; a bad date format names the column. */
import { expect, test } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { LabPage } from './pages/lab-page';

/** 6 tickers x 320 business days of prices, semicolon-separated with decimal commas (a European spreadsheet export). */
function pricesCsv(): string {
  const lines = ['date;ticker;open;high;low;close;adj_close;volume'];
  const d0 = Date.UTC(2018, 0, 2);
  let day = 0;
  for (let k = 0; day < 320; k++) {
    const d = new Date(d0 + k * 86_400_000);
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
    const iso = d.toISOString().slice(0, 10);
    for (let n = 0; n < 6; n++) {
      const p = 20 + 5 * n + 3 * Math.sin(day / (7 + n)) + 0.01 * day * (n - 2);
      const c = (v: number) => v.toFixed(4).replace('.', ',');
      lines.push([iso, `T${n}`, c(p * 0.995), c(p * 1.01), c(p * 0.99), c(p), c(p), String(100_000 + 1000 * n + day)].join(';'));
    }
    day++;
  }
  return lines.join('\n') + '\n';
}

test('a semicolon CSV of prices (and its .csv.gz) loads into a panel; a day/month/year date column is refused by name', async ({
  page,
}) => {
  const lab = new LabPage(page);
  await lab.goto();
  const csv = pricesCsv();
  let s = await lab.loadFile('prices.csv', Buffer.from(csv));
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.data.summary!.stocks).toBe(6);
  expect(s.data.summary!.factors).toBeGreaterThan(20);
  await lab.screenshot('05b-csv-loaded');

  s = await lab.loadFile('prices.csv.gz', gzipSync(Buffer.from(csv)));
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.data.summary!.stocks).toBe(6);

  const dmy = 'date,ticker,close\n03/01/2012,A,10\n04/01/2012,A,10.5\n';
  s = await lab.loadFile('dmy.csv', Buffer.from(dmy));
  const box = lab.byTestId('error-data');
  await expect(box).toContainText("dmy.csv: column 'date'");
  await expect(box).toContainText('03/01/2012');
  await expect(box).toContainText('yyyy-mm-dd');
});
