/**
 * (issue 16) A sample of the bad-input corpus (scripts/bad-corpus.ts) against the page: each file through the Data
 * panel's file input, each link at start-up. Errors show in the Data panel naming the file and the problem, warnings in
 * the summary's data warnings; after every case the page still loads the bundled dataset. Screenshots of the messages.
 */
import { expect, test } from '@playwright/test';
import { tableToIPC } from 'apache-arrow';
import { gzipSync } from 'node:zlib';
import { Compression, Table, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { badCorpus, type Encoders, type FileCase, type UrlCase } from '../scripts/bad-corpus';
import { LabPage } from './pages/lab-page';

// the same writer settings as src/data/parquet.ts tableToParquet (the corrupt-page seeds depend on the exact bytes)
const enc: Encoders = {
  parquet: (t, o = {}) => {
    const c = o.compression === 'none' ? Compression.UNCOMPRESSED : o.compression === 'snappy' ? Compression.SNAPPY : Compression.ZSTD;
    const props = new WriterPropertiesBuilder()
      .setCompression(c)
      .setMaxRowGroupSize(o.rowGroupSize ?? 122880)
      .build();
    return writeParquet(Table.fromIPCStream(tableToIPC(t, 'stream')), props);
  },
  gzip: (b) => new Uint8Array(gzipSync(b)),
};
const all = badCorpus();
const pick = <K extends 'dataset' | 'url'>(kind: K, ids: string[]) =>
  ids.map((id) => all.find((c) => c.id === id && c.kind === kind)!) as (K extends 'url' ? UrlCase : FileCase)[];

const FILES = pick('dataset', [
  'corrupt-pages-panic',
  'ragged-csv',
  'only-labels',
  'label0-column',
  'prices-plus-market-cap',
  'unadjusted-split',
  'weekend-dates',
  'tz-utc+8',
]);
const LINKS = pick('url', ['url-bad-escape-key', 'url-bare-percent', 'url-seed-1e308', 'url-minhistory-1e300', 'url-long-name']);

test('links: a malformed or out-of-range link gives a banner naming the key; models load; the bundled dataset loads', async ({ page }) => {
  const lab = new LabPage(page);
  for (const c of LINKS) {
    await lab.goto(`./?backend=cpu${c.hash}`);
    const s = await lab.state();
    expect(s.models.length, c.id).toBeGreaterThan(3);
    expect(
      s.urlWarnings.some((w) => c.match.test(w)),
      `${c.id}: ${s.urlWarnings.join(' | ')}`,
    ).toBe(true);
    await expect(lab.byTestId('url-warnings')).toBeVisible();
    for (const w of s.urlWarnings) expect(w.length).toBeLessThan(300);
    if (c.id === 'url-seed-1e308') await lab.byTestId('url-warnings').screenshot({ path: 'test-results/screens/16-url-banner.png' });
  }
  await lab.goto(`./?backend=cpu#%E0%A4%A=1&split.groups=1e12&strategy.rebalance=-1`);
  expect(((await lab.state()).run as { split: { groups: number } }).split.groups).toBe(200);
  await lab.loadBundled();
});

test('files: each sample case ends as the corpus says, and the page then loads the bundled dataset', async ({ page }) => {
  test.setTimeout(540_000);
  const lab = new LabPage(page);
  await lab.goto('./?backend=cpu');
  const got: string[] = [];
  for (const c of FILES) {
    const s = await lab.loadFile(c.name, Buffer.from(c.make(enc)));
    if (c.expect === 'error') {
      const box = lab.byTestId('error-data');
      await expect(box, c.id).toBeVisible();
      expect(s.lastError?.message ?? '', c.id).toMatch(c.match);
      await expect(box).toContainText(c.name);
      if (c.id === 'corrupt-pages-panic') await box.screenshot({ path: 'test-results/screens/16-damaged-parquet.png' });
      await box.getByRole('button', { name: 'Dismiss this error' }).click();
      got.push(`${c.id}: error`);
    } else {
      expect(s.lastError?.message ?? null, c.id).toBeNull();
      expect(s.data.summary?.name, c.id).toBeTruthy();
      if (c.expect === 'warning') {
        const w = lab.byTestId('summary-warnings');
        await expect(w, c.id).toBeVisible();
        await w.locator('summary').click();
        const text = (await w.textContent()) ?? '';
        expect(c.match.test(text.replace(/\s+/g, ' ')), `${c.id}: ${text}`).toBe(true);
        if (c.id === 'label0-column' || c.id === 'unadjusted-split')
          await w.screenshot({ path: `test-results/screens/16-warning-${c.id}.png` });
      }
      if (c.check?.minFactors) expect(s.data.summary!.factors, c.id).toBeGreaterThanOrEqual(c.check.minFactors);
      if (c.check?.maxFactors) expect(s.data.summary!.factors, c.id).toBeLessThanOrEqual(c.check.maxFactors);
      if (c.check?.firstDate) expect(s.data.summary!.start, c.id).toBe(c.check.firstDate);
      got.push(`${c.id}: ${c.expect}`);
    }
    // after every case the page still loads the bundled dataset
    await lab.loadBundled();
  }
  expect(got).toHaveLength(FILES.length);
});
