// The Forecasts page's parts: the calibration cards say whether the intervals held beyond their
// margin, and the table links each row to its product, shows the change with its 80% interval,
// the time to peak, the backtest, and asks the server for the order a header names.
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createMemoryHistory, createRouter } from 'vue-router';
import CalibrationSummary from '../../dashboard/src/components/forecasts/CalibrationSummary.vue';
import ForecastTable from '../../dashboard/src/components/forecasts/ForecastTable.vue';
import type { ForecastCalibration, ForecastRow } from '../../dashboard/src/lib/types';

const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div />' } }] });

const row = (over: Partial<ForecastRow> = {}): ForecastRow => ({
  productId: 'p/1', title: 'Moon Lamp', category: 'Home', imageUrl: null, interval: '1h', model: 'theta',
  generatedAt: '2026-11-20T12:01:00.000Z', start: '2026-11-20T11:00:00.000Z', target: '2026-11-21T10:00:00.000Z',
  base: 100, yhat: 250, lo80: 150, hi80: 400, change: 1.5, changeLo80: 0.5, changeHi80: 3,
  stage: 'rising', growthPerStep: 0.01, peak: { at: '2026-11-20T21:00:00.000Z', lo: '2026-11-20T09:00:00.000Z', hi: '2026-11-21T07:00:00.000Z', inSec: 36_000, loSec: -7_200, hiSec: 72_000 },
  backtest: { mase: 0.6, relativeMase: 0.75, coverage80: 0.82, margin80: 0.06, coverage95: 0.93, margin95: 0.03, points: 288, origins: 12 },
  ...over,
});

describe('ForecastTable', () => {
  it('links each row to its product and shows the change, its interval, the peak and the backtest', async () => {
    const w = mount(ForecastTable, { props: { rows: [row(), row({ productId: 'p-2', title: 'Flat', change: null, changeLo80: null, changeHi80: null, base: 0, peak: null, stage: null, backtest: { ...row().backtest, relativeMase: null } })], sort: '-change' }, global: { plugins: [router] } });
    const rows = w.findAll('[data-forecast-row]');
    expect(rows).toHaveLength(2);
    expect(rows[0].find('a').attributes('href')).toBe('/products/p%2F1');
    expect(rows[0].find('[data-testid="change"]').text()).toBe('+150%');
    expect(rows[0].text()).toContain('80%: +50% – +300%');
    expect(rows[0].text()).toContain('100 → 250');
    // Counted from the forecast's first bucket; an interval that began before it reads 0.
    expect(rows[0].find('[data-testid="peak"]').text()).toBe('peak in 10 h (80%: 0 min – 20 h)');
    expect(rows[0].find('[data-testid="relative-mase"]').text()).toBe('0.75×');
    expect(rows[0].text()).toContain('82% ±6');
    expect(rows[0].text()).toContain('288 pts');
    expect(rows[1].find('[data-testid="change"]').text()).toBe('—');
    expect(rows[1].find('[data-testid="relative-mase"]').text()).toBe('—');
    expect(rows[1].find('[data-testid="peak"]').exists()).toBe(false);
  });

  it('asks for the order a header names: biggest rise, then flipped; best backtest and soonest peak first', async () => {
    const w = mount(ForecastTable, { props: { rows: [row()], sort: '-change' }, global: { plugins: [router] } });
    const [change, peak, trust] = w.findAll('th button');
    expect(w.find('th[aria-sort="descending"]').text()).toContain('Forecast change');
    await change.trigger('click');
    await trust.trigger('click');
    await peak.trigger('click');
    expect(w.emitted('sort')).toEqual([['change'], ['relativeMase'], ['peak']]);
  });
});

describe('CalibrationSummary', () => {
  const data = (c80: number, m80: number, c95: number, m95: number): ForecastCalibration => ({
    metric: 'views', products: 200, points: 57_600, coverage80: { coverage: c80, margin: m80 }, coverage95: { coverage: c95, margin: m95 }, beatsSeasonalNaive: { share: 0.62, products: 198 },
  });

  it('shows pooled coverage with its margin and points, and says when intervals are too narrow beyond the margin', () => {
    const w = mount(CalibrationSummary, { props: { data: data(0.67, 0.031, 0.93, 0.03) } });
    expect(w.findAll('[data-calibration-value]').map((v) => v.text())).toEqual(['67.0%', '93.0%', '62%']);
    expect(w.text()).toContain('±3.1');
    expect(w.text()).toContain('57.6K backtest points over 200 products');
    expect(w.text()).toContain('of 198 products');
    // 67% + 3.1 is short of 80%: too narrow; 93% ± 3 reaches 95%: on target.
    expect(w.findAll('[data-testid="verdict"]').map((v) => v.text())).toEqual(['too narrow', 'on target']);
  });

  it('shows skeletons while loading and dashes without data', () => {
    expect(mount(CalibrationSummary, { props: { loading: true } }).findAll('.skeleton').length).toBeGreaterThan(0);
    const empty = mount(CalibrationSummary, { props: { data: { metric: 'orders', products: 0, points: 0, coverage80: { coverage: null, margin: null }, coverage95: { coverage: null, margin: null }, beatsSeasonalNaive: { share: null, products: 0 } } } });
    expect(empty.findAll('[data-calibration-value]').map((v) => v.text())).toEqual(['—', '—', '—']);
    expect(empty.find('[data-testid="verdict"]').exists()).toBe(false);
  });
});
