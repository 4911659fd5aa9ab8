import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAlertToasts } from '../../dashboard/src/live/alert-toasts';
import type { Alert } from '../../dashboard/src/lib/types';

const alert = (productId: string, severity: Alert['severity'] = 'warning') =>
  ({ alertId: productId.charCodeAt(0), productId, title: `Product ${productId}`, message: `${productId} is breaking out`, severity }) as Alert;

describe('alert toasts', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('shows one alert as its own toast, linking to the product', () => {
    const show = vi.fn();
    createAlertToasts(show, 1000)(alert('p 1'));
    expect(show).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(show).toHaveBeenCalledExactlyOnceWith({ title: 'Product p 1', body: 'p 1 is breaking out', tone: 'warning', link: { to: '/products/p%201', label: 'Open product →' } });
  });

  it('makes a burst one toast naming two and counting the rest, linking to the alerts page', () => {
    const show = vi.fn();
    const onAlert = createAlertToasts(show, 1000);
    for (const id of ['a', 'b', 'c', 'd']) { onAlert(alert(id, id === 'c' ? 'critical' : 'warning')); vi.advanceTimersByTime(200); }
    vi.advanceTimersByTime(400);
    expect(show).toHaveBeenCalledExactlyOnceWith({ title: '4 breakout alerts', body: 'Product a, Product b and 2 more', tone: 'danger', link: { to: '/alerts', label: 'See all alerts →' } });
    // The next alert after the burst starts a burst of its own.
    onAlert(alert('e'));
    vi.advanceTimersByTime(1000);
    expect(show).toHaveBeenCalledTimes(2);
    expect(show.mock.lastCall?.[0].title).toBe('Product e');
  });

  it('leaves informational alerts out', () => {
    const show = vi.fn();
    createAlertToasts(show, 1000)(alert('x', 'info'));
    vi.advanceTimersByTime(5000);
    expect(show).not.toHaveBeenCalled();
  });
});
