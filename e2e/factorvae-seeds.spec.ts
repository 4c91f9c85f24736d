/**
 * (issue 12) FactorVAE's experiments from the browser: the Model step's "Seeds" (Compare methods trains each ticked
 * method once per seed, `<method>@<seed>`) fills Table 1's mean (std), and "Held-out stocks" (m stocks never trained on,
 * evaluated alone) fills Table 2. Bundled data, the FactorVAE Quick split, Linear + a 1-epoch MLP, seeds 1 and 2.
 * Waits for states (results present, queue gone), never for time. Screenshots of the settings and of both tables.
 */
import { expect, test, type Page } from '@playwright/test';
import { LabPage } from './pages/lab-page';

type Stat = { mean: number; std: number; n: number };
type Tables = {
  seeds: { method: string; seeds: number[]; rankIc: Stat; rankIcir: Stat }[];
  table2: { method: string; model: string; setting: string; m: number[]; of: number[]; seeds: number[]; rankIc: Stat; rankIcir: Stat }[];
};
const tables = (page: Page) => page.evaluate(() => window.__lab!.view('factorvaeTables')) as Promise<Tables>;

/** wait until the comparison queue is gone, training is not running, and `done(tables)` holds */
async function waitComparison(page: Page, done: string, timeout: number) {
  await page.waitForFunction(
    (cond) => {
      const s = window.__lab!.getState();
      if (s.lastError) return true; // fail fast below with the lab's message
      if (s.results.queue !== null || s.training.status === 'running') return false;
      const t = window.__lab!.view('factorvaeTables') as Tables;
      return new Function('t', `return ${cond}`)(t) as boolean;
    },
    done,
    { timeout },
  );
}

test('FactorVAE experiments from the browser: seeds fill Table 1 mean (std), held-out stocks fill Table 2', async ({ page }) => {
  test.setTimeout(900_000);
  const lab = new LabPage(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await lab.goto();
  await lab.loadBundled();
  await lab.byTestId('preset-factorvae-quick').click();
  await lab.chooseModel('mlp');
  expect(await lab.setHyper('epochs', 1)).toBe(true);
  // only Linear and the selected MLP are compared
  const boxes = lab.byTestId('compare-methods').locator('input[type=checkbox]');
  for (let i = 0; i < (await boxes.count()); i++) {
    const b = boxes.nth(i);
    const id = (await b.getAttribute('data-testid'))!.replace(/^compare-/, '');
    await b.setChecked(id === 'linear' || id === 'mlp');
  }

  // Seeds: a bad list is refused with a message naming the field, then 1, 2
  const fields = lab.byTestId('experiment-fields');
  await fields.locator('summary').click();
  const seeds = lab.byTestId('seeds');
  await expect(seeds).toHaveValue('42'); // the run's one seed
  await seeds.fill('1, x');
  await seeds.press('Enter');
  await expect(lab.byTestId('seeds-error')).toContainText("Seeds: 'x' is not a seed");
  await seeds.fill('1, 2');
  await seeds.press('Enter');
  await expect(lab.byTestId('seeds-error')).toHaveCount(0);
  await expect(lab.byTestId('compare-button')).toHaveText('Train & compare 2 × 2 seeds');
  await expect.poll(() => page.url()).toContain('seeds=1,2'); // the link carries them
  await fields.scrollIntoViewIfNeeded();
  await lab.screenshot('73-factorvae-seeds-holdout-settings');

  await lab.byTestId('compare-button').click();
  await waitComparison(page, 't.seeds.length === 2 && t.seeds.every((r) => r.seeds.join() === "1,2")', 600_000);
  let s = await lab.state();
  expect(s.lastError?.message ?? null).toBeNull();
  expect(s.results.models).toEqual(['linear', 'linear', 'mlp', 'mlp']);
  let t = await tables(page);
  console.log('Table 1 over seeds:', JSON.stringify(t.seeds));
  const mlp = t.seeds.find((r) => /mlp/i.test(r.method))!;
  expect(mlp.seeds).toEqual([1, 2]);
  expect(mlp.rankIc.n).toBe(2);
  // two seeds of a trained network: different initial weights and batch order, so different Rank ICs
  expect(mlp.rankIc.std).toBeGreaterThan(0);
  expect(Number.isFinite(mlp.rankIc.mean)).toBe(true);
  const table1 = lab.byTestId('fvae-table1-table');
  await expect(table1.locator('tbody tr')).toHaveCount(2);
  await expect(table1.locator('tbody tr', { hasText: /mlp/i })).toContainText('1, 2');
  await expect(lab.byTestId('card-fvae-table2')).toContainText('No holdout run yet');

  // Held-out stocks: m = 40 of the test cross-section, the same two seeds (each draws its own 40)
  await lab.byTestId('holdout-mode').selectOption('count');
  const m = lab.byTestId('holdout-count');
  await m.fill('40');
  await m.press('Enter');
  await expect.poll(async () => ((await lab.state()).run as { holdout?: unknown }).holdout).toEqual({ count: 40 });
  await expect.poll(() => page.url()).toContain('holdout.count=40');
  await lab.byTestId('compare-button').click();
  await waitComparison(page, 't.table2.length === 2 && t.table2.every((r) => r.seeds.join() === "1,2")', 600_000);
  s = await lab.state();
  expect(s.lastError?.message ?? null).toBeNull();
  // the full runs stay beside the holdout runs: Table 1 is unchanged
  expect(s.results.models).toHaveLength(8);
  t = await tables(page);
  console.log('Table 2 (held-out stocks):', JSON.stringify(t.table2));
  expect(t.seeds.find((r) => /mlp/i.test(r.method))!.rankIc).toEqual(mlp.rankIc);
  for (const r of t.table2) {
    expect(r.setting).toBe('m = 40');
    expect(r.m).toEqual([40, 40]);
    expect(r.of[0]).toBeGreaterThan(300); // about 400 stocks in the 2019 cross-section
    expect(r.rankIc.n).toBe(2);
    expect(Number.isFinite(r.rankIc.mean) && Number.isFinite(r.rankIcir.mean)).toBe(true);
  }
  const table2 = lab.byTestId('fvae-table2-table');
  await expect(table2.locator('tbody tr')).toHaveCount(2);
  await expect(table2.locator('tbody tr').first()).toContainText(`40 of ${t.table2[0].of[0]}`);
  await lab.byTestId('card-fvae-table1').scrollIntoViewIfNeeded();
  await lab.screenshot('74-factorvae-table1-table2');
});
