// The first chart of a page load renders alone; the charts mounted beside it wait for its paint.
import { describe, it, expect, vi, beforeEach } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import { mount } from '@vue/test-utils';

type UseChart = typeof import('../../dashboard/src/charts/useChart');
let mod: UseChart;

// A chart's readiness as text, as BaseChart uses it (the chart or its skeleton).
const Chart = (tag: string) => defineComponent({
  setup() {
    const { ready } = mod.useChart();
    return () => h('p', { id: tag }, ready.value ? 'chart' : 'skeleton');
  },
});

beforeEach(async () => {
  // The module keeps the page load's state (first chart claimed, painted): a fresh one per test.
  vi.resetModules();
  mod = await import('../../dashboard/src/charts/useChart');
}, 60_000); // the first import loads ECharts' registry: slow on a busy machine

describe('first chart', () => {
  it('renders the first chart at once and the others after it has painted', async () => {
    const w = mount(defineComponent({ setup: () => () => h('div', [h(Chart('a')), h(Chart('b')), h(Chart('c'))]) }));
    expect(w.find('#a').text()).toBe('chart');
    expect(w.find('#b').text()).toBe('skeleton');
    expect(w.find('#c').text()).toBe('skeleton');
    mod.markFirstChart();
    await Promise.resolve();
    await nextTick();
    expect(w.find('#b').text()).toBe('chart');
    expect(w.find('#c').text()).toBe('chart');
    expect(performance.getEntriesByName('td:first-chart').length).toBeGreaterThan(0);
    // Charts mounted later (another route) do not wait.
    const later = mount(Chart('d'));
    expect(later.find('#d').text()).toBe('chart');
  });

  it('lets the others render when the first chart goes away before painting', async () => {
    const showFirst = ref(true);
    const w = mount(defineComponent({ setup: () => () => h('div', [showFirst.value ? h(Chart('a')) : null, h(Chart('b'))]) }));
    expect(w.find('#b').text()).toBe('skeleton');
    showFirst.value = false;
    await nextTick();
    await Promise.resolve();
    await nextTick();
    expect(w.find('#b').text()).toBe('chart');
  });

  it('lets the others render when the first chart never paints', async () => {
    vi.useFakeTimers();
    try {
      const w = mount(defineComponent({ setup: () => () => h('div', [h(Chart('a')), h(Chart('b'))]) }));
      expect(w.find('#b').text()).toBe('skeleton');
      vi.advanceTimersByTime(mod.FIRST_WAIT_MS - 1);
      await Promise.resolve();
      await nextTick();
      expect(w.find('#b').text()).toBe('skeleton');
      vi.advanceTimersByTime(1);
      await Promise.resolve();
      await nextTick();
      expect(w.find('#b').text()).toBe('chart');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('chart motion', () => {
  // A chart's option as BaseChart passes it on, under a media query answered by `reduce`.
  async function optionWith(reduce: boolean): Promise<Record<string, unknown>> {
    const spy = vi.spyOn(window, 'matchMedia').mockImplementation((query: string) => ({
      matches: reduce && query.includes('prefers-reduced-motion: reduce'), media: query, onchange: null,
      addEventListener: () => undefined, removeEventListener: () => undefined, addListener: () => undefined, removeListener: () => undefined, dispatchEvent: () => false,
    }) as MediaQueryList);
    try {
      let option: Record<string, unknown> = {};
      mount(defineComponent({ setup() { const { withMotion } = mod.useChart(); option = withMotion({ series: [] }); return () => h('p'); } }));
      await nextTick();
      return option;
    } finally {
      spy.mockRestore();
    }
  }

  it('turns chart animation off when the user prefers reduced motion, and leaves the option alone otherwise', async () => {
    expect(await optionWith(true)).toEqual({ series: [], animation: false });
    expect(await optionWith(false)).toEqual({ series: [] });
  });
});
