/**
 * `npm run bench` (browser section): the first impression, measured through the app itself in headless Chromium.
 *   ui: bundled dataset load, cold page  a fresh browser profile (no panel cache, no HTTP cache): open the lab, click
 *                                        "Load bundled dataset", wait until the summary is ready
 *   ui: bundled dataset load, warm page  the same profile after a reload (the panel cache holds the panel): same clicks
 *   ui: bundled dataset load, warm page, click 5 s after open  the same, clicked 5 s after the model list appears (the
 *                                        worker, started at open, has loaded its scripts: what a reading user sees)
 * Both are wall time from the click to the ready summary (the page and its model registry already loaded), plus the
 * cold load's step breakdown as the Data panel shows it. Serves dist/ (the caller builds it) on `port`.
 * Standalone: `npx vite build && npx tsx scripts/bench-ui-load.ts`.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from '@playwright/test';
import { ensureChromium } from './ensure-chromium.mjs';

interface Figure {
  name: string;
  runtime: string;
  backend?: string;
  value: number;
  unit: string;
}
interface LabState {
  data: {
    status: string;
    loadMs: number | null;
    steps: { id: string; state: string; ms: number | null; detail: string | null }[];
    cache: { hit: boolean; store: string } | null;
    cacheSaving?: boolean;
  };
  models: string[];
  lastError: { message: string } | null;
}
type LabWindow = { __lab?: { getState(): LabState } };

const here = dirname(fileURLToPath(import.meta.url));

async function timedLoad(page: Page, url: string, readMs = 0): Promise<{ ms: number; state: LabState }> {
  await page.goto(url);
  await page.waitForFunction(() => ((window as LabWindow).__lab?.getState().models.length ?? 0) > 0, null, { timeout: 120_000 });
  // a user who reads the page before clicking: the worker (started at open) has loaded its scripts by then
  if (readMs > 0) await page.waitForTimeout(readMs);
  await page.getByTestId('source-bundled').check();
  const t0 = Date.now();
  await page.getByTestId('load-dataset').click();
  await page.waitForFunction(() => (window as LabWindow).__lab!.getState().data.status === 'ready', null, {
    timeout: 300_000,
    polling: 20,
  });
  const ms = Date.now() - t0;
  // a cold load replies before its panel cache save: wait for the save (the next reload must find the panel), then
  // read the steps with the save's time
  await page.waitForFunction(() => !(window as LabWindow).__lab!.getState().data.cacheSaving, null, { timeout: 300_000 });
  const state = await page.evaluate(() => (window as LabWindow).__lab!.getState());
  if (state.lastError) throw new Error(`bundled load failed: ${state.lastError.message}`);
  return { ms, state };
}

export async function benchUiLoad(port = 4198): Promise<Figure[]> {
  const server = spawn('node', [join(here, 'serve-static.mjs'), String(port), '/lab/'], { cwd: join(here, '..'), stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 800));
  const browser = await chromium.launch({
    executablePath: ensureChromium(),
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  const rt = 'chromium';
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } }); // a fresh profile: empty storage
    const page = await context.newPage();
    const url = `http://127.0.0.1:${port}/lab/`;
    const cold = await timedLoad(page, url);
    if (cold.state.data.cache?.hit) throw new Error('the cold load was a cache hit: the profile was not fresh');
    await page.reload();
    const warm = await timedLoad(page, url);
    if (!warm.state.data.cache?.hit) throw new Error('the warm load missed the panel cache');
    await page.reload();
    const read = await timedLoad(page, url, 5000);
    if (!read.state.data.cache?.hit) throw new Error('the warm load (click 5 s after open) missed the panel cache');
    await context.close();
    return [
      { name: 'ui: bundled dataset load, cold page', runtime: rt, value: cold.ms, unit: 'ms' },
      { name: 'ui: bundled dataset load, warm page', runtime: rt, value: warm.ms, unit: 'ms' },
      { name: 'ui: bundled dataset load, warm page, click 5 s after open', runtime: rt, value: read.ms, unit: 'ms' },
      // the rest of the wall time: the summary (Fig. 3 / 4 series), messaging and React rendering the Data page
      { name: 'ui: cold page, load in the worker (load_ms)', runtime: rt, value: cold.state.data.loadMs ?? NaN, unit: 'ms' },
      { name: 'ui: warm page, load in the worker (load_ms)', runtime: rt, value: warm.state.data.loadMs ?? NaN, unit: 'ms' },
      ...cold.state.data.steps.map((s) => ({ name: `ui: cold load step '${s.id}'`, runtime: rt, value: s.ms ?? NaN, unit: 'ms' })),
      ...warm.state.data.steps
        .filter((s) => s.state === 'done')
        .map((s) => ({ name: `ui: warm load step '${s.id}' ${s.detail ?? ''}`.trim(), runtime: rt, value: s.ms ?? NaN, unit: 'ms' })),
    ];
  } finally {
    await browser.close();
    server.kill();
  }
}

if (process.argv[1] && /bench-ui-load\.ts$/.test(process.argv[1])) {
  for (const f of await benchUiLoad()) console.log(`${f.name.padEnd(48)} ${f.value.toFixed(0).padStart(8)} ${f.unit}`);
}
