// The one chart composable: picks the theme that matches the app, loads any extra chart types
// a view needs, and records when the first chart has painted (the dashboard's speed target).
import { computed, shallowRef } from 'vue';
import { isDark } from '../lib/prefs';
import { loadChartKinds, type ChartKind } from './registry';

let firstChartMarked = false;
export function markFirstChart() {
  if (firstChartMarked) return;
  firstChartMarked = true;
  performance.mark('td:first-chart');
}

export function useChart(kinds: readonly ChartKind[] = []) {
  const ready = shallowRef(kinds.length === 0);
  const error = shallowRef<unknown>(null);
  if (!ready.value) loadChartKinds(kinds).then(() => { ready.value = true; }, (e) => { error.value = e; });
  const theme = computed(() => (isDark.value ? 'td-dark' : 'td-light'));
  return { ready, error, theme, onRendered: markFirstChart };
}

/** Shared option pieces, so every time chart has the same grid, tooltip and zoom behaviour. */
export const chartBits = {
  grid: (extra: Record<string, unknown> = {}) => ({ left: 8, right: 16, top: 36, bottom: 8, containLabel: true, ...extra }),
  axisTooltip: (valueFormatter?: (v: number) => string) => ({
    trigger: 'axis', axisPointer: { type: 'line' }, confine: true,
    ...(valueFormatter ? { valueFormatter: (v: unknown) => (typeof v === 'number' ? valueFormatter(v) : String(v ?? '—')) } : {}),
  }),
  insideZoom: () => [{ type: 'inside', throttle: 50 }],
  sliderZoom: () => [{ type: 'inside', throttle: 50 }, { type: 'slider', height: 18, bottom: 4, brushSelect: false }],
};
