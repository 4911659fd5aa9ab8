// Figures an overview query keeps per store under the key of the rows they came from: a few keys
// each (one per overview range in use), the oldest dropped first.
import type { ClickHouseClient } from '@clickhouse/client';

const KEPT = 8;

export interface Kept<V> {
  get(ch: ClickHouseClient, key: string): V | undefined;
  /** Keeps `value` under `key` and returns it. */
  set(ch: ClickHouseClient, key: string, value: V): V;
}

/** `kept`: entries per store (fewer where each is large). */
export function keptPerStore<V>(kept = KEPT): Kept<V> {
  const stores = new WeakMap<ClickHouseClient, Map<string, V>>();
  const of = (ch: ClickHouseClient) => {
    let m = stores.get(ch);
    if (!m) stores.set(ch, (m = new Map()));
    return m;
  };
  return {
    get: (ch, key) => of(ch).get(key),
    set: (ch, key, value) => {
      const m = of(ch);
      if (m.size >= kept) m.delete(m.keys().next().value!);
      m.set(key, value);
      return value;
    },
  };
}
