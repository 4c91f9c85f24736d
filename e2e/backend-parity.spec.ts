import { expect, test } from '@playwright/test';

// Issue 3: one seeded training step (same planted panel, same seeded MLP, one Adam step with epsilon 1e-7)
// agrees across the tfjs backends Chromium offers: cpu, wasm, webgl and webgpu (SwiftShader here, no GPU).
// The step runs in the page (bench.html) so each backend is the browser's own implementation.
test('one seeded training step agrees across cpu, wasm, webgl and webgpu to ~1e-5', async ({ page }) => {
  await page.goto('bench.html');
  await page.waitForFunction(() => (window as any).__bench?.ready, null, { timeout: 60_000 });
  const step = (b: string) => page.evaluate((name) => (window as any).__bench.seededStep(name), b);
  const ref = await step('cpu');
  expect(ref.available).toBe(true);
  expect(Number.isFinite(ref.loss)).toBe(true);
  // the step moved the weights and lowered the loss on its batch: it really trained
  expect(ref.lossAfter).toBeLessThan(ref.loss);
  const seen: string[] = [];
  for (const b of ['wasm', 'webgl', 'webgpu']) {
    const r = await step(b);
    if (!r.available) {
      // every Chromium here has wasm and webgl; webgpu needs --enable-unsafe-webgpu (set in playwright.config.ts)
      throw new Error(`backend ${b} unavailable in this Chromium: ${r.error ?? ''}`);
    }
    seen.push(`${b}${r.fallbackAdapter ? ' (fallback adapter)' : ''}`);
    expect(Math.abs(r.loss - ref.loss), `${b} loss`).toBeLessThan(1e-5);
    expect(Math.abs(r.lossAfter - ref.lossAfter), `${b} loss after`).toBeLessThan(1e-5);
    expect(r.weights.length).toBe(ref.weights.length);
    let maxDiff = 0;
    for (let i = 0; i < ref.weights.length; i++) {
      const a = Object.values(ref.weights[i].values) as number[];
      const w = Object.values(r.weights[i].values) as number[];
      expect(w.length).toBe(a.length);
      for (let j = 0; j < a.length; j++) maxDiff = Math.max(maxDiff, Math.abs(a[j] - w[j]));
    }
    expect(maxDiff, `${b} max weight difference vs cpu`).toBeLessThan(1e-5);
  }
  test.info().annotations.push({ type: 'backends', description: seen.join(', ') });
});
