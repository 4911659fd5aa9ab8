// Breakout alerts arrive in bursts (one scoring round raises them together: a dozen on a first
// start), and a toast each would cover the page. Alerts that come within `waitMs` of the first
// of a burst make one toast: a single alert links to its product, several to the alerts page.
import type { Alert } from '../lib/types';
import type { toast as showToast } from '../lib/toasts';

type Show = typeof showToast;
const NAMED = 2;

export function createAlertToasts(show: Show, waitMs = 1500): (alert: Alert) => void {
  let burst: Alert[] = [];
  const flush = () => {
    const alerts = burst;
    burst = [];
    const tone = alerts.some((a) => a.severity === 'critical') ? 'danger' : 'warning';
    if (alerts.length === 1) {
      const [a] = alerts;
      show({ title: a.title, body: a.message, tone, link: { to: `/products/${encodeURIComponent(a.productId)}`, label: 'Open product →' } });
      return;
    }
    const named = alerts.slice(0, NAMED).map((a) => a.title).join(', ');
    const more = alerts.length - NAMED;
    show({ title: `${alerts.length} breakout alerts`, body: more > 0 ? `${named} and ${more} more` : named, tone, link: { to: '/alerts', label: 'See all alerts →' } });
  };
  return (alert) => {
    if (alert.severity === 'info') return;
    if (burst.push(alert) === 1) setTimeout(flush, waitMs);
  };
}
