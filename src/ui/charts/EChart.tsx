/**
 * ECharts on a div: init on mount, setOption when `option` changes, resize with the container,
 * dispose on unmount. Only the chart types and components the lab uses are registered (small bundle).
 */
import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent, VisualMapContinuousComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';
import { registerChart, unregisterChart } from './registry';

echarts.use([
  LineChart,
  BarChart,
  HeatmapChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  VisualMapContinuousComponent,
  CanvasRenderer,
]);

export interface EChartProps {
  /** stable id: data-testid="chart-<id>" and the key for __lab.chartData(id) */
  id: string;
  option: EChartsCoreOption;
  height: number;
  /** what the chart shows, for screen readers */
  label: string;
}

export function EChart({ id, option, height, label }: EChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.EChartsType | null>(null);

  useEffect(() => {
    const div = el.current!;
    const c = echarts.init(div, undefined, { renderer: 'canvas' });
    chart.current = c;
    registerChart(id, c);
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(div);
    return () => {
      ro.disconnect();
      unregisterChart(id, c);
      c.dispose();
      chart.current = null;
    };
  }, [id]);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true, lazyUpdate: true });
  }, [option, id]);

  return <div ref={el} className="chart" style={{ height }} role="img" aria-label={label} data-testid={`chart-${id}`} />;
}
