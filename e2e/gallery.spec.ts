/**
 * The gallery of the papers' runs (public/gallery, npm run gallery): the Runs panel lists every index.json entry, and
 * one click opens a run without training: its methods and the numbers of the bundle's metrics.json in the results
 * table, its charts with data.
 */
import { expect, test } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { LabPage, SCREENS } from './pages/lab-page';

type Entry = { id: string; file: string; title: string; methods: string[] };
const index = JSON.parse(readFileSync('public/gallery/index.json', 'utf8')) as Entry[];
const metricsOf = (file: string) => {
  const f = unzipSync(new Uint8Array(readFileSync(`public/gallery/${file}`)), { filter: (e) => e.name === 'metrics.json' });
  return JSON.parse(strFromU8(f['metrics.json'])) as { models: Record<string, { portfolio: Record<string, number | null> }> };
};

test.beforeAll(() => mkdirSync(SCREENS, { recursive: true }));

test('the Runs panel lists the gallery and opens a run in one click, without training', async ({ page }) => {
  const lab = new LabPage(page);
  await lab.goto();
  await expect(lab.byTestId('gallery')).toBeVisible();
  for (const e of index) await expect(lab.byTestId(`gallery-open-${e.id}`)).toHaveText(e.title);
  await lab.byTestId('gallery').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SCREENS}/gallery-list.png` });

  for (const id of ['dmfm', 'comparison'].filter((x) => index.some((e) => e.id === x))) {
    const e = index.find((x) => x.id === id)!;
    await lab.byTestId(`gallery-open-${id}`).click();
    await page.waitForFunction((n) => window.__labRuns?.state().opened === n, nameOf(e.file), { timeout: 60_000 });
    await page.waitForFunction(() => window.__labRuns?.state().status === 'idle');
    const st = await page.evaluate(() => window.__labRuns!.state());
    expect(st.error).toBeNull();
    // the index lists the bundle's labels; the page shows a runner default label (the model id, as the bundle's
    // methods/<i>.json names its model) by the model's display name, an explicit label as it is
    expect(st.methods).toEqual(shownNames(e.file));
    const s = await lab.state();
    // every method's IR of metrics.json is a row of the results table (rows are keyed by method id; alternatives such
    // as DMFM's f-hat add rows of their own)
    const irs = (s.results.metrics?.rows ?? []).map((r) => r.values.ir);
    const m = metricsOf(e.file);
    for (const label of e.methods) expect(irs, `${id}: ${label}`).toContain(m.models[label].portfolio.ir);
    expect((await page.evaluate(() => window.__lab!.chartData('cumExcess')))?.length ?? 0).toBeGreaterThan(0);
    await page.evaluate(() => document.querySelector('[data-testid="panel-results"], #panel-results')?.scrollIntoView());
    await page.screenshot({ path: `${SCREENS}/gallery-${id}.png` });
    // the signal tear sheet, computed on open from the stored scores (one IC decay line per method)
    await expect(lab.byTestId('signal-tearsheet')).toBeVisible();
    expect((await lab.chartData('icDecay'))?.length ?? 0).toBeGreaterThan(0);
    await lab.byTestId('signal-tearsheet').screenshot({ path: `${SCREENS}/gallery-${id}-signal.png` });
  }
});

function shownNames(file: string): string[] {
  const f = unzipSync(new Uint8Array(readFileSync(`public/gallery/${file}`)), {
    filter: (e) => /^(manifest|methods\/\d+)\.json$/.test(e.name),
  });
  const man = JSON.parse(strFromU8(f['manifest.json'])) as { methods: { label: string }[] };
  return man.methods.map((m, i) => {
    const model = (JSON.parse(strFromU8(f[`methods/${i}.json`])) as { model: { id: string; name: string } }).model;
    return m.label === model.id ? model.name : m.label;
  });
}

function nameOf(file: string): string {
  const f = unzipSync(new Uint8Array(readFileSync(`public/gallery/${file}`)), { filter: (e) => e.name === 'manifest.json' });
  return (JSON.parse(strFromU8(f['manifest.json'])) as { name: string }).name;
}
