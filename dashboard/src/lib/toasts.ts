// App-wide toast queue; the Toaster component renders it as a polite live region.
import { shallowRef } from 'vue';

export type ToastTone = 'info' | 'success' | 'warning' | 'danger';
export interface Toast { id: number; title: string; body?: string; tone: ToastTone; link?: { to: string; label: string } }

let next = 1;
export const toasts = shallowRef<Toast[]>([]);
// More than three stacked cover the page's right column on a laptop screen.
const MAX_VISIBLE = 3;

export function toast(t: Omit<Toast, 'id' | 'tone'> & { tone?: ToastTone }) {
  const item: Toast = { ...t, tone: t.tone ?? 'info', id: next++ };
  toasts.value = [...toasts.value, item].slice(-MAX_VISIBLE);
}

export function dismiss(id: number) {
  toasts.value = toasts.value.filter((t) => t.id !== id);
}
