// Prometheus metrics, defined once. Each runtime gets its own registry (tests run several).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'trenddrop_' });
  const r = [registry];
  return {
    registry,
    accepted: new Counter({ name: 'trenddrop_ingest_accepted_total', help: 'Items accepted by ingest', labelNames: ['kind'], registers: r }),
    rejected: new Counter({ name: 'trenddrop_ingest_rejected_total', help: 'Items rejected by ingest validation', labelNames: ['kind'], registers: r }),
    stored: new Counter({ name: 'trenddrop_events_stored_total', help: 'Engagement events inserted into ClickHouse', registers: r }),
    duplicates: new Counter({ name: 'trenddrop_events_duplicate_total', help: 'Engagement events dropped as already counted', registers: r }),
    rollupRepairs: new Counter({ name: 'trenddrop_rollup_repaired_rows_total', help: 'Rollup rows written to make up for a view write a crash interrupted', labelNames: ['table'], registers: r }),
    late: new Counter({ name: 'trenddrop_events_late_total', help: 'Events behind the watermark by more than the allowed lateness (stored and flagged late)', registers: r }),
    deadLettered: new Counter({ name: 'trenddrop_dead_letter_total', help: 'Messages set aside on the dead-letter topic, by source topic and reason (invalid, not_json, failed)', labelNames: ['topic', 'reason'], registers: r }),
    consumerRetries: new Counter({ name: 'trenddrop_consumer_retries_total', help: 'Failed handler attempts that were retried or narrowed down, by kind: transient (a dependency unavailable) or error', labelNames: ['group', 'topic', 'kind'], registers: r }),
    consumerLag: new Gauge({ name: 'trenddrop_consumer_lag', help: 'Messages published but not yet committed by a consumer group, per partition', labelNames: ['group', 'topic', 'partition'], registers: r }),
    flushSeconds: new Histogram({ name: 'trenddrop_sink_flush_seconds', help: 'Time to write one sink batch', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: r }),
    flushRows: new Histogram({ name: 'trenddrop_sink_flush_rows', help: 'Rows per sink batch', buckets: [1, 10, 100, 1000, 10_000, 50_000, 100_000], registers: r }),
    watermark: new Gauge({ name: 'trenddrop_watermark_seconds', help: 'Event-time watermark of the sink', registers: r }),
    scored: new Counter({ name: 'trenddrop_products_scored_total', help: 'Trend score computations', registers: r }),
    wsClients: new Gauge({ name: 'trenddrop_ws_clients', help: 'Connected WebSocket clients', registers: r }),
    wsSent: new Counter({ name: 'trenddrop_ws_messages_sent_total', help: 'WebSocket messages sent', labelNames: ['type'], registers: r }),
    wsRefused: new Counter({ name: 'trenddrop_ws_refused_total', help: 'WebSocket client messages dropped for exceeding the per-connection rate', registers: r }),
    wsSnapshotWork: new Gauge({ name: 'trenddrop_ws_snapshot_work', help: 'WebSocket snapshots being computed or waiting for a turn', registers: r }),
    wsCoalesced: new Counter({ name: 'trenddrop_ws_coalesced_total', help: 'Updates held back from slow clients and replaced by a snapshot', registers: r }),
    httpSeconds: new Histogram({ name: 'trenddrop_http_request_seconds', help: 'HTTP request duration', labelNames: ['route', 'method', 'status'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers: r }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
