/**
 * (issue 16) The Data panel's doubtful-returns setting and the label-like confirmation, in the page: clip chosen,
 * the corpus' unadjusted-split file loads with the warning that the day was clipped; ticking "Use label-like columns"
 * asks for a confirmation first, and a label-like factor panel then keeps its LABEL0 column. Screenshot of the controls.
 */
import { expect, test } from '@playwright/test';
import { tableToIPC } from 'apache-arrow';
import { gzipSync } from 'node:zlib';
import { Compression, Table, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { badCorpus, type Encoders, type FileCase } from '../scripts/bad-corpus';
import { LabPage } from './pages/lab-page';

const enc: Encoders = {
  parquet: (t) =>
    writeParquet(Table.fromIPCStream(tableToIPC(t, 'stream')), new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build()),
  gzip: (b) => new Uint8Array(gzipSync(b)),
};
const file = (id: string) => badCorpus().find((c) => c.id === id) as FileCase;

test('doubtful returns: clip; label-like columns: kept only after a confirmation', async ({ page }) => {
  test.setTimeout(300_000);
  const lab = new LabPage(page);
  await lab.goto('./?backend=cpu');
  await lab.byTestId('prep-extreme-clip').check();
  expect(((await lab.state()).run as { preprocessing: { extremeReturns?: string } }).preprocessing.extremeReturns).toBe('clip');
  const split = file('unadjusted-split-clip');
  let s = await lab.loadFile(split.name, Buffer.from(split.make(enc)));
  expect(s.lastError?.message ?? null).toBeNull();
  const w = lab.byTestId('summary-warnings');
  await w.locator('summary').click();
  expect(((await w.textContent()) ?? '').replace(/\s+/g, ' ')).toMatch(split.match);

  // the checkbox asks first; "Keep them out" leaves the setting off
  await lab.byTestId('prep-label-like').click();
  await expect(lab.byTestId('label-like-confirm')).toBeVisible();
  await lab.byTestId('label-like-confirm-no').click();
  expect(((await lab.state()).run as { preprocessing: { includeLabelLike?: boolean } }).preprocessing.includeLabelLike).toBeUndefined();
  await lab.byTestId('prep-label-like').click();
  await lab.byTestId('label-like-confirm').scrollIntoViewIfNeeded();
  await page.locator('fieldset.prep').screenshot({ path: 'test-results/screens/16-data-doubts.png' });
  await lab.byTestId('label-like-confirm-yes').click();
  await expect(lab.byTestId('prep-label-like')).toBeChecked();
  const l0 = file('label0-included');
  s = await lab.loadFile(l0.name, Buffer.from(l0.make(enc)));
  // f0..f3 and LABEL0 (without the confirmation: 4, see the corpus' label0-column case)
  expect(s.data.summary!.factors).toBe(5);
  await lab.loadBundled();
});
