/** Mounted chart instances by id, so the test API can read back exactly what each chart was given. */
import type { EChartsType } from 'echarts/core';

const charts = new Map<string, EChartsType>();

export const registerChart = (id: string, c: EChartsType) => void charts.set(id, c);
export function unregisterChart(id: string, c: EChartsType): void {
  if (charts.get(id) === c) charts.delete(id);
}
export const mountedCharts = () => [...charts.keys()];

export interface ChartSeriesData {
  name: string;
  type: string;
  /** number of points */
  length: number;
  /** points as given to ECharts: [x, y] pairs or plain values; null = gap */
  data: unknown[];
}

/** The series currently set on chart `id` (null if that chart is not on screen). */
export function chartSeries(id: string): ChartSeriesData[] | null {
  const c = charts.get(id);
  if (!c || c.isDisposed()) return null;
  const opt = c.getOption() as { series?: { name?: string; type?: string; data?: unknown[] }[] };
  return (opt.series ?? []).map((s) => ({
    name: String(s.name ?? ''),
    type: String(s.type ?? ''),
    length: s.data?.length ?? 0,
    data: s.data ?? [],
  }));
}
