// User preferences (theme, time range, panel layout, compare set) persisted in localStorage.
import { computed, watchEffect } from 'vue';
import { useStorage, usePreferredDark } from '@vueuse/core';
import type { Interval, RangePreset } from './types';

export type Theme = 'light' | 'dark' | 'system';
export type RangeChoice = RangePreset | 'custom';

export interface Prefs {
  theme: Theme;
  range: RangeChoice;
  /** ISO bounds used when range is 'custom'. */
  customFrom: string;
  customTo: string;
  /** Panel ids the user has hidden, per page ("overview:agent"). */
  hiddenPanels: string[];
  /** Up to five product ids shown together in compare mode. */
  compare: string[];
  explorerDensity: 'comfortable' | 'compact';
}

export const PREFS_KEY = 'trenddrop:prefs';
const defaults: Prefs = {
  theme: 'system', range: '24h', customFrom: '', customTo: '',
  hiddenPanels: [], compare: [], explorerDensity: 'comfortable',
};

export const prefs = useStorage<Prefs>(PREFS_KEY, defaults, localStorage, { mergeDefaults: true });

const systemDark = usePreferredDark();
export const isDark = computed(() => prefs.value.theme === 'dark' || (prefs.value.theme === 'system' && systemDark.value));
watchEffect(() => document.documentElement.classList.toggle('dark', isDark.value));

export const RANGE_MS: Record<RangePreset, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
export const RANGE_LABEL: Record<RangeChoice, string> = { '1h': 'Last hour', '24h': 'Last 24 h', '7d': 'Last 7 days', '30d': 'Last 30 days', custom: 'Custom' };

export interface ResolvedRange { key: string; preset: RangePreset; from: string; to: string; interval: Interval }

/** Bucket size that keeps a chart between ~30 and ~1500 points. */
export function intervalFor(ms: number): Interval {
  return ms <= 6 * 3_600_000 ? '1m' : ms <= 14 * 86_400_000 ? '1h' : '1d';
}

function nearestPreset(ms: number): RangePreset {
  return (Object.entries(RANGE_MS) as [RangePreset, number][]).find(([, v]) => ms <= v)?.[0] ?? '30d';
}

/**
 * The global time range every panel follows. `key` is stable for presets (so queries are not
 * refetched every second); `from`/`to` are computed when read, at fetch time.
 */
export function resolveRange(p: Pick<Prefs, 'range' | 'customFrom' | 'customTo'>, now = Date.now()): ResolvedRange {
  if (p.range === 'custom' && p.customFrom && p.customTo) {
    const from = new Date(p.customFrom).getTime();
    const to = new Date(p.customTo).getTime();
    if (Number.isFinite(from) && Number.isFinite(to) && to > from) {
      return { key: `${p.customFrom}/${p.customTo}`, preset: nearestPreset(to - from), from: new Date(from).toISOString(), to: new Date(to).toISOString(), interval: intervalFor(to - from) };
    }
  }
  const preset: RangePreset = p.range === 'custom' ? '24h' : p.range;
  return { key: preset, preset, from: new Date(now - RANGE_MS[preset]).toISOString(), to: new Date(now).toISOString(), interval: intervalFor(RANGE_MS[preset]) };
}

export const timeRange = computed(() => resolveRange(prefs.value));

export function togglePanel(id: string, visible?: boolean) {
  const hidden = new Set(prefs.value.hiddenPanels);
  const show = visible ?? hidden.has(id);
  if (show) hidden.delete(id); else hidden.add(id);
  prefs.value.hiddenPanels = [...hidden];
}

export const MAX_COMPARE = 5;
export function toggleCompare(productId: string): boolean {
  const list = prefs.value.compare;
  if (list.includes(productId)) { prefs.value.compare = list.filter((id) => id !== productId); return true; }
  if (list.length >= MAX_COMPARE) return false;
  prefs.value.compare = [...list, productId];
  return true;
}
