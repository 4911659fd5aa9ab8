import { describe, it, expect } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import { mount } from '@vue/test-utils';
import Panel from '../../dashboard/src/components/Panel.vue';
import KpiCard from '../../dashboard/src/components/KpiCard.vue';
import LeadLagList from '../../dashboard/src/components/LeadLagList.vue';
import SegmentedToggle from '../../dashboard/src/components/SegmentedToggle.vue';
import { ApiError } from '../../dashboard/src/lib/api';
import type { Correlations } from '../../dashboard/src/lib/types';

describe('Panel', () => {
  it('shows a skeleton while loading, an empty state, then the content', async () => {
    const w = mount(Panel, { props: { title: 'Things', loading: true }, slots: { default: () => h('p', { id: 'c' }, 'content') } });
    expect(w.find('.skeleton').exists()).toBe(true);
    expect(w.attributes('aria-busy')).toBe('true');
    await w.setProps({ loading: false, empty: true, emptyText: 'Nothing yet' });
    expect(w.text()).toContain('Nothing yet');
    await w.setProps({ empty: false });
    expect(w.find('#c').exists()).toBe(true);
  });

  it('contains a child that throws while rendering, and Retry renders it again', async () => {
    const fail = ref(true);
    const Boom = defineComponent({ setup: () => () => { if (fail.value) throw new Error('kaput'); return h('p', { id: 'ok' }, 'fine'); } });
    const w = mount(defineComponent({ setup: () => () => h('div', [h(Panel, { title: 'Chart' }, { default: () => h(Boom) }), h('p', { id: 'sibling' }, 'still here')]) }));
    await nextTick();
    expect(w.find('[role="alert"]').text()).toContain('kaput');
    expect(w.find('#sibling').exists()).toBe(true);
    fail.value = false;
    await w.find('[role="alert"] button').trigger('click');
    expect(w.find('#ok').exists()).toBe(true);
    expect(w.find('[role="alert"]').exists()).toBe(false);
  });

  it('explains a 404 from a route the server does not have yet, and emits retry', async () => {
    const w = mount(Panel, { props: { title: 'Forecast', error: new ApiError(404, 'not_found', 'Not Found') } });
    expect(w.text()).toContain('Not available on this server yet');
    await w.find('button').trigger('click');
    expect(w.emitted('retry')).toHaveLength(1);
  });
});

describe('KpiCard', () => {
  it('shows the value and the change against the previous period', () => {
    const w = mount(KpiCard, { props: { label: 'Events', value: 1500, previous: 1000 } });
    expect(w.find('[data-kpi-value]').text()).toBe('1,500');
    expect(w.text()).toContain('+50.0%');
  });
  it('falls back when there is no previous value to compare with', () => {
    const none = mount(KpiCard, { props: { label: 'New', value: 5, previous: 0 } }).text();
    expect(none).not.toContain('%');
    expect(none).toContain('no previous period');
  });
  it('withholds the change, saying why, when the periods are not yet comparable', () => {
    const text = mount(KpiCard, { props: { label: 'Orders', value: 142, previous: 1_420_000, withheld: 'history still loading' } }).text();
    expect(text).not.toContain('%');
    expect(text).toContain('history still loading');
  });
  it('renders a skeleton while loading', () => {
    const w = mount(KpiCard, { props: { label: 'Events', loading: true } });
    expect(w.find('[data-kpi-value]').exists()).toBe(false);
    expect(w.find('.skeleton').exists()).toBe(true);
  });
});

describe('SegmentedToggle', () => {
  it('switches views, and pressing the one already on keeps it on', async () => {
    const view = ref('views');
    const w = mount(defineComponent({ setup: () => () => h(SegmentedToggle, { options: ['views', 'orders'], label: 'Measure', modelValue: view.value, 'onUpdate:modelValue': (v: string) => { view.value = v; } }) }));
    const button = (name: string) => w.findAll('button').find((b) => b.text() === name)!;
    await button('views').trigger('click');
    expect(view.value).toBe('views');
    await button('orders').trigger('click');
    expect(view.value).toBe('orders');
    await nextTick();
    expect(button('orders').attributes('data-state')).toBe('on');
    expect(button('views').attributes('data-state')).toBe('off');
  });
});

describe('LeadLagList', () => {
  const item = (a: string, b: string, r: number, lag: number, significant = true) => ({ a, b, r, lag, n: 160, nEffective: 80, pValue: 0.0001, pAdjusted: 0.001, significant, units: 1 });
  const data = (items: ReturnType<typeof item>[]) => ({ interval: '1h', maxLag: 6, tests: 273, alpha: 0.05, productsUsed: 1, items }) as unknown as Correlations;

  it('says the significant links in words, strongest first, leaving out orders and revenue (one is the other times price)', () => {
    const w = mount(LeadLagList, { props: { data: data([item('orders', 'revenue', 1, 0), item('views', 'likes', 0.3, 0), item('searches', 'orders', 0.6, 3), item('views', 'shares', 0.9, 1, false)]) } });
    const lines = w.findAll('li').map((l) => l.text());
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('searches lead orders by ~3 h');
    expect(lines[1]).toContain('views and likes move together in the same hour');
  });

  it('says so plainly when nothing but the definitional pair is significant', () => {
    const w = mount(LeadLagList, { props: { data: data([item('orders', 'revenue', 1, 0)]) } });
    expect(w.findAll('li')).toHaveLength(0);
    expect(w.text()).toContain('No metric leads another beyond chance here');
  });
});
