// The one ECharts registry. Only what the Overview needs is registered up front, so the first
// chart ships in the initial bundle; heavier chart types load with the routes that use them.
import { use, registerTheme } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, DataZoomInsideComponent, GridComponent, LegendPlainComponent, TooltipComponent } from 'echarts/components';

use([CanvasRenderer, LineChart, BarChart, GridComponent, TooltipComponent, LegendPlainComponent, DataZoomInsideComponent, AriaComponent]);

export type ChartKind = 'map' | 'heatmap' | 'scatter' | 'slider' | 'marks';
const extras: Record<ChartKind, () => Promise<unknown>> = {
  map: () => import('./extras/map'),
  heatmap: () => import('./extras/heatmap'),
  scatter: () => import('./extras/scatter'),
  slider: () => import('./extras/slider'),
  marks: () => import('./extras/marks'),
};
const loaded = new Map<ChartKind, Promise<unknown>>();
export function loadChartKinds(kinds: readonly ChartKind[]): Promise<unknown> {
  return Promise.all(kinds.map((k) => {
    if (!loaded.has(k)) loaded.set(k, extras[k]());
    return loaded.get(k)!;
  }));
}

export const PALETTE = ['#7c3aed', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#ec4899', '#14b8a6', '#6366f1'];

function theme(dark: boolean) {
  const text = dark ? '#cbd5e1' : '#334155';
  const muted = dark ? '#94a3b8' : '#64748b';
  const line = dark ? '#334155' : '#e2e8f0';
  const axis = { axisLine: { lineStyle: { color: line } }, axisTick: { lineStyle: { color: line } }, axisLabel: { color: muted }, splitLine: { lineStyle: { color: line, type: 'dashed' } } };
  return {
    color: PALETTE,
    backgroundColor: 'transparent',
    textStyle: { color: text, fontFamily: 'Inter, ui-sans-serif, system-ui, sans-serif' },
    legend: { textStyle: { color: muted } },
    tooltip: {
      backgroundColor: dark ? '#0f172a' : '#ffffff', borderColor: line, textStyle: { color: text },
      extraCssText: 'box-shadow:0 8px 24px rgba(15,23,42,.18);border-radius:10px;',
    },
    // A time axis over days on a phone put '12:00' and '18:00' against each other: drop a label that would touch its neighbour.
    categoryAxis: axis, valueAxis: axis, timeAxis: { ...axis, axisLabel: { ...axis.axisLabel, hideOverlap: true } }, logAxis: axis,
    dataZoom: { textStyle: { color: muted }, borderColor: line, fillerColor: dark ? 'rgba(124,58,237,.18)' : 'rgba(124,58,237,.10)', dataBackground: { lineStyle: { color: muted }, areaStyle: { color: line } } },
    visualMap: { textStyle: { color: muted } },
    geo: { itemStyle: { areaColor: dark ? '#1e293b' : '#f1f5f9', borderColor: dark ? '#0f172a' : '#ffffff' } },
  };
}
registerTheme('td-light', theme(false));
registerTheme('td-dark', theme(true));
