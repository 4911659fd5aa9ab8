// The one chart composable: picks the theme that matches the app, loads any extra chart types
// a view needs, and records when the first chart has painted (the dashboard's speed target).
import { computed, onBeforeUnmount, shallowRef } from 'vue';
import { usePreferredReducedMotion } from '@vueuse/core';
import { isDark } from '../lib/prefs';
import { loadChartKinds, type ChartKind } from './registry';

// The first chart of a page load renders alone: the charts that mount beside it wait until it has
// painted. Mounted together, every chart's option was laid out in the same task before the first
// frame, so the first chart painted only after all of them (the Overview's category bars, with
// their axis labels measured, came before the timeline's first paint).
/** The longest the other charts wait for the first one's paint. */
export const FIRST_WAIT_MS = 1000;
let firstChartMarked = false;
let firstClaimed = false;
let releaseOthers!: () => void;
const firstPainted = new Promise<void>((resolve) => { releaseOthers = resolve; });

export function markFirstChart() {
  if (firstChartMarked) return;
  firstChartMarked = true;
  performance.mark('td:first-chart');
  releaseOthers();
}

export function useChart(kinds: readonly ChartKind[] = []) {
  const loaded = shallowRef(kinds.length === 0);
  const error = shallowRef<unknown>(null);
  const first = !firstClaimed;
  firstClaimed = true;
  // Nor one that never paints (a container with no size): the others wait at most FIRST_WAIT_MS.
  if (first) setTimeout(releaseOthers, FIRST_WAIT_MS);
  const turn = shallowRef(first || firstChartMarked);
  if (!turn.value) void firstPainted.then(() => { turn.value = true; });
  // A first chart that goes away (or fails) before it paints must not hold the others back.
  const giveUp = () => { if (first && !firstChartMarked) releaseOthers(); };
  onBeforeUnmount(giveUp);
  if (!loaded.value) loadChartKinds(kinds).then(() => { loaded.value = true; }, (e) => { error.value = e; giveUp(); });
  const ready = computed(() => loaded.value && turn.value);
  const theme = computed(() => (isDark.value ? 'td-dark' : 'td-light'));
  // Charts animate their entry and updates unless the user asked for less motion (as the skeleton does).
  const reducedMotion = usePreferredReducedMotion();
  const withMotion = (option: Record<string, unknown>) => (reducedMotion.value === 'reduce' ? { ...option, animation: false } : option);
  return { ready, error, theme, withMotion, onRendered: markFirstChart };
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
