// Wires the one LiveSocket to the query cache and to toasts; views use useLiveChannel().
import { onScopeDispose, toValue, watch, type MaybeRefOrGetter } from 'vue';
import type { QueryClient } from '@tanstack/vue-query';
import { LiveSocket } from './socket';
import { createCacheWriter } from './cache';
import { toast } from '../lib/toasts';
import { createAlertToasts } from './alert-toasts';

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
export const live = new LiveSocket({ url });

export function startLive(qc: QueryClient) {
  live.on(createCacheWriter(qc, {
    onAlert: createAlertToasts(toast),
    onAgent: (status, run, previous) => {
      if (run?.endedAt) {
        toast({ title: `Agent run finished: ${run.source}`, body: `${run.itemsFound} items, ${run.newProducts} new products${run.errors ? `, ${run.errors} errors` : ''}`, tone: run.errors ? 'warning' : 'success' });
      } else if (previous && previous !== status) {
        toast({ title: `Agent ${status}`, tone: status === 'running' ? 'success' : 'info' });
      }
    },
  }));
  // The alerts and agent channels feed toasts on every page, so they stay subscribed.
  live.subscribe('alerts');
  live.subscribe('agent');
  window.addEventListener('online', () => live.nudge());
  live.start();
}

/** Keeps `channel` subscribed while the calling component lives; follows a reactive name. */
export function useLiveChannel(channel: MaybeRefOrGetter<string | null | undefined>) {
  let release: (() => void) | undefined;
  watch(() => toValue(channel), (c) => {
    release?.();
    release = c ? live.subscribe(c) : undefined;
  }, { immediate: true });
  onScopeDispose(() => release?.());
}
