// A ClickHouse client that shows each query to the test before running it, so that a test can
// count which reads a code path makes (a cache hit is a query not made).
import type { ClickHouseClient } from '@clickhouse/client';

export type WatchedQuery = Parameters<ClickHouseClient['query']>[0];

export function watchQueries(client: ClickHouseClient, onQuery: (q: WatchedQuery) => void): ClickHouseClient {
  return new Proxy(client, {
    get(target, key) {
      if (key === 'query') return (q: WatchedQuery) => { onQuery(q); return target.query(q); };
      const v = Reflect.get(target, key);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
