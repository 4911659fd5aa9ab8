// The pipeline bench phase at a tiny scale on the in-process bus: every side completes and the
// freshness client, a process of its own, receives the fresh products' live messages. No timing
// is asserted: figures come from `trenddrop bench` on a known machine.
import { describe, expect, it } from 'vitest';
import { formatPipelineBench, runPipelineBench } from '../../bench/pipeline.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';

describe('pipeline bench phase', () => {
  it('measures the ceiling and the pipeline, and the freshness client gets the live messages', async () => {
    const r = await runPipelineBench(loadConfig({ TRENDDROP_SIMULATOR: 'off' }), { events: 4000, bus: 'local', freshnessSeconds: 1, logger: createLogger('silent') });
    expect(r.ceiling.seconds).toBeGreaterThan(0);
    expect(r.pipeline.ratio).toBeCloseTo(r.ceiling.seconds / r.pipeline.seconds, 1);
    // The sink's writes of the phase alone (the freshness phase's come after): at least one, at most a bus batch each.
    expect(r.pipeline.writes).toBeGreaterThanOrEqual(1);
    expect(r.pipeline.writes).toBeLessThanOrEqual(4000);
    // 1 s at 10,000 events/s over the fresh products: a message per product and batch.
    expect(r.freshness.messages).toBeGreaterThan(0);
    expect(r.freshness.p99Ms).toBeGreaterThanOrEqual(r.freshness.p50Ms);
    expect(r.freshness.timeline.socket.p50Ms).toBeGreaterThanOrEqual(0);
    expect(formatPipelineBench(r).join('\n')).toContain('where the time goes');
  }, 120_000);
});
