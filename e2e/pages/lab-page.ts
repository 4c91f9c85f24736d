/**
 * Page object for the lab: navigation, the Data / Model / Train actions, and reads through window.__lab
 * (ECharts draws on canvas, so chart numbers come from __lab.chartData, not from pixels).
 */
import { expect, type Locator, type Page } from '@playwright/test';
import type { LabSnapshot } from '../../src/ui/test-api';
import type { ChartSeriesData } from '../../src/ui/charts/registry';

export const SCREENS = 'test-results/screens';

export class LabPage {
  constructor(readonly page: Page) {}

  /** Open the lab (relative to baseURL .../lab/) and wait for the model registry. */
  async goto(path = './'): Promise<void> {
    await this.page.goto(path);
    await this.page.waitForFunction(() => (window.__lab?.getState().models.length ?? 0) > 0, null, { timeout: 60_000 });
  }

  byTestId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  state(): Promise<LabSnapshot> {
    return this.page.evaluate(() => window.__lab!.getState());
  }

  chartData(id: string): Promise<ChartSeriesData[] | null> {
    return this.page.evaluate((chartId) => window.__lab!.chartData(chartId), id);
  }

  /** Wait until the data loader is idle; returns the state. */
  async waitDataIdle(timeout = 180_000): Promise<LabSnapshot> {
    // a cold load replies before its panel cache save ends (the page is usable); idle = the save ended too, so a
    // reload right after finds the cached panel
    await this.page.waitForFunction(
      () => window.__lab!.getState().data.status !== 'loading' && !window.__lab!.getState().data.cacheSaving,
      null,
      {
        timeout,
      },
    );
    return this.state();
  }

  /** Load the bundled dataset from the Data panel and wait until it is ready (fails with the lab's error message). */
  async loadBundled(): Promise<LabSnapshot> {
    await this.byTestId('source-bundled').check();
    await this.byTestId('load-dataset').click();
    const s = await this.waitDataIdle();
    expect(s.lastError?.where === 'data' ? s.lastError.message : null, 'bundled dataset load error').toBeNull();
    expect(s.data.status).toBe('ready');
    return s;
  }

  /** Load bytes as a user file through the file input. */
  async loadFile(name: string, buffer: Buffer): Promise<LabSnapshot> {
    await this.byTestId('source-file').check();
    await this.byTestId('file-input').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
    await this.page.waitForFunction(
      () => {
        const s = window.__lab!.getState();
        return s.data.status !== 'loading' && (s.lastError?.where === 'data' || s.data.summary !== null);
      },
      null,
      { timeout: 120_000 },
    );
    return this.state();
  }

  async chooseModel(id: string): Promise<void> {
    await this.byTestId('model-select').selectOption(id);
    await expect(this.byTestId('model-select')).toHaveValue(id);
  }

  /** Set a numeric hyper-parameter if the model has it; returns whether it exists. */
  async setHyper(key: string, value: number): Promise<boolean> {
    const input = this.byTestId(`hyper-${key}`);
    if ((await input.count()) === 0) return false;
    await input.fill(String(value));
    await input.press('Enter');
    await expect.poll(async () => ((await this.state()).run as { config: Record<string, unknown> }).config[key]).toBe(value);
    return true;
  }

  async waitTrainStatus(statuses: string[], timeout = 600_000): Promise<LabSnapshot> {
    await this.page.waitForFunction((want) => want.includes(window.__lab!.getState().training.status), statuses, { timeout });
    return this.state();
  }

  async screenshot(name: string, fullPage = false): Promise<void> {
    await this.page.screenshot({ path: `${SCREENS}/${name}.png`, fullPage });
  }
}

/** Numbers of a chart series given as [x, y] pairs (nulls = gaps dropped). */
export function ys(series: ChartSeriesData): number[] {
  return series.data.map((d) => (Array.isArray(d) ? d[1] : d)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}
