// The consumers' part of `ready` and /metrics: a failing partition and a stalled group turn the
// component down with the reason; recovery and progress turn it up again.
import { describe, expect, it } from 'vitest';
import type { Bus, PartitionOffsets } from '../../core/bus/types.js';
import { ConsumerHealth } from '../../core/consumer-health.js';
import { StoreError } from '../../core/errors.js';
import { createLogger } from '../../core/logger.js';
import { createMetrics } from '../../core/metrics.js';
import { eventually } from '../helpers/app.js';

function setup() {
  const states: { state: string; detail?: string }[] = [];
  const metrics = createMetrics();
  const health = new ConsumerHealth({ report: (state, detail) => states.push({ state, detail }), metrics, logger: createLogger('silent') });
  return { states, metrics, health, last: () => states[states.length - 1] };
}

const metricText = async (metrics: ReturnType<typeof createMetrics>, name: string) =>
  (await metrics.registry.metrics()).split('\n').filter((l) => l.startsWith(name)).join('\n');

describe('ConsumerHealth', () => {
  it('is down with the error while a partition is retried, and up once it moves on; counts retries and dead letters', async () => {
    const { health, metrics, last, states } = setup();
    const err = new StoreError('postgres', 'connect ECONNREFUSED 127.0.0.1:5432');
    health.failed({ group: 'g', topic: 't', partition: 2, offset: 40, count: 10, attempt: 1, transient: true, err });
    health.failed({ group: 'g', topic: 't', partition: 2, offset: 40, count: 10, attempt: 2, transient: true, err });
    expect(last()).toEqual({ state: 'down', detail: 'g is retrying t/2 at offset 40 (attempt 2): postgres: connect ECONNREFUSED 127.0.0.1:5432' });
    health.failed({ group: 'g', topic: 't', partition: 3, offset: 7, count: 1, attempt: 1, transient: false, err: new Error('bad row') });
    expect(last().detail).toContain('g is retrying t/3 at offset 7 (attempt 1): bad row');
    health.deadLettered({ group: 'g', topic: 't', code: 'failed' });
    health.recovered({ group: 'g', topic: 't', partition: 3 });
    expect(last().state).toBe('down');
    health.recovered({ group: 'g', topic: 't', partition: 2 });
    expect(last()).toEqual({ state: 'up', detail: undefined });
    // Told only of changes.
    const n = states.length;
    health.recovered({ group: 'g', topic: 't', partition: 2 });
    expect(states).toHaveLength(n);
    expect(await metricText(metrics, 'trenddrop_consumer_retries_total')).toContain('trenddrop_consumer_retries_total{group="g",topic="t",kind="transient"} 2');
    expect(await metricText(metrics, 'trenddrop_consumer_retries_total')).toContain('trenddrop_consumer_retries_total{group="g",topic="t",kind="error"} 1');
    expect(await metricText(metrics, 'trenddrop_dead_letter_total')).toContain('trenddrop_dead_letter_total{topic="t",reason="failed"} 1');
  });

  it('exports lag per partition and calls a group stalled when it has lag and has not moved for stallMs', async () => {
    const { health, metrics, last } = setup();
    let clock = 0;
    let offsets: PartitionOffsets[] = [{ partition: 0, committed: 10, end: 10 }, { partition: 1, committed: 5, end: 25 }];
    const bus = { offsets: async () => offsets } as unknown as Bus;
    const watch = health.watch(bus, { groups: [['sink', 'events']], intervalMs: 5, stallMs: 1000, now: () => clock });
    try {
      await eventually(async () => ((await metricText(metrics, 'trenddrop_consumer_lag')).includes('partition="1"} 20') ? true : undefined), 2000, 'lag gauge');
      expect(await metricText(metrics, 'trenddrop_consumer_lag')).toContain('trenddrop_consumer_lag{group="sink",topic="events",partition="0"} 0');
      expect(last()).toEqual({ state: 'up', detail: undefined });
      clock = 1500; // partition 1 has waited 1.5 s with 20 messages behind; partition 0 has no lag
      await eventually(async () => (last().state === 'down' ? true : undefined), 2000, 'stalled');
      expect(last().detail).toBe('sink has not moved events/1 past offset 5 for 2 s with 20 messages waiting');
      offsets = [{ partition: 0, committed: 10, end: 10 }, { partition: 1, committed: 6, end: 25 }];
      await eventually(async () => (last().state === 'up' ? true : undefined), 2000, 'moving again');
    } finally {
      await watch.stop();
    }
  });
});
