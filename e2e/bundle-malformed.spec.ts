/**
 * Malformed run bundles in the browser (the corpus of src/bundle/corpus.ts, built from a bundle the headless runner
 * wrote): each is refused with a message naming the part, shown as text; no markup executes; the page stays usable
 * (the valid bundle opens afterwards).
 */
import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabPage, SCREENS } from './pages/lab-page';
import { initParquetNode } from '../src/data/parquet-node';
import { malformedCorpus, type MalformedCase } from '../src/bundle/corpus';

let valid: Buffer;
let corpus: MalformedCase[];

test.beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'factor-lab-e2e-bad-'));
  const config = {
    name: 'e2e-bad',
    run: {
      dataset: { kind: 'synthetic', name: 'synthetic', synthetic: { seed: 5, nStocks: 20, nDays: 400, nFactors: 6, alpha: 0.01 } },
      preprocessing: { madK: 5, normalize: 'zscore', missing: 'fill', industryNeutral: false, minHistory: 20 },
      split: { kind: 'walkforward', groups: 1, gap: 21 },
      strategy: { kind: 'topquantile', groups: 5, rebalance: 5, cost: 0.004, horizon: 5 },
    },
    models: [{ model: 'linear' }, { model: 'ew' }],
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  execFileSync(
    'npx',
    ['tsx', 'scripts/experiment.ts', '--config', join(dir, 'config.json'), '--out', join(dir, 'out'), '--backend', 'cpu'],
    {
      stdio: 'pipe',
      timeout: 170_000,
    },
  );
  valid = readFileSync(join(dir, 'out', 'run.flrun.zip'));
  await initParquetNode();
  corpus = malformedCorpus(new Uint8Array(valid));
  mkdirSync(SCREENS, { recursive: true });
});

test('every malformed bundle is refused with a message naming the part; the page stays usable', async ({ page }) => {
  const lab = new LabPage(page);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await lab.goto();
  expect(corpus.length).toBeGreaterThanOrEqual(15);
  for (const c of corpus) {
    await lab
      .byTestId('open-run-input')
      .setInputFiles({ name: `${c.name}.flrun.zip`, mimeType: 'application/zip', buffer: Buffer.from(c.bytes) });
    await page.waitForFunction(() => window.__labRuns?.state().status === 'idle' && window.__labRuns.state().error !== null, null, {
      timeout: 30_000,
    });
    const msg = (await lab.byTestId('runs-error').locator('.error-msg').textContent()) ?? '';
    expect(msg, c.name).toContain(`Run bundle, ${c.part}:`);
    expect(msg, c.name).toMatch(c.says);
    expect(await page.evaluate(() => window.__labRuns!.state().methods.length), c.name).toBe(0);
    if (c.name.startsWith('a ticker with markup')) await page.screenshot({ path: `${SCREENS}/bundle-malformed.png` });
    await lab.byTestId('runs-error').getByRole('button', { name: 'Dismiss this error' }).click();
  }
  expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  expect(await page.evaluate(() => ({}) as Record<string, unknown>)).toEqual({});
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(errors).toEqual([]);
  // still usable: the valid bundle opens
  await lab.byTestId('open-run-input').setInputFiles({ name: 'ok.flrun.zip', mimeType: 'application/zip', buffer: valid });
  await page.waitForFunction(() => window.__labRuns?.state().methods.length === 2, null, { timeout: 30_000 });
  expect(await page.evaluate(() => window.__labRuns!.state().error)).toBeNull();
});
