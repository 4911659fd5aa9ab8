import { describe, it, expect } from 'vitest';
import { defineComponent, h, nextTick, ref } from 'vue';
import { mount } from '@vue/test-utils';
import Panel from '../../dashboard/src/components/Panel.vue';
import KpiCard from '../../dashboard/src/components/KpiCard.vue';
import { ApiError } from '../../dashboard/src/lib/api';

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
  it('shows score changes in points and falls back when there is no previous value', () => {
    expect(mount(KpiCard, { props: { label: 'Score', value: 42.3, previous: 40.1, points: true } }).text()).toContain('+2.2 pts');
    expect(mount(KpiCard, { props: { label: 'New', value: 5, previous: 0 } }).text()).not.toContain('%');
  });
  it('renders a skeleton while loading', () => {
    const w = mount(KpiCard, { props: { label: 'Events', loading: true } });
    expect(w.find('[data-kpi-value]').exists()).toBe(false);
    expect(w.find('.skeleton').exists()).toBe(true);
  });
});
