// The redelivery bench phase at a tiny scale: both passes complete, the second drops every event
// as already counted and the store holds each once. No timing is asserted: figures come from
// `trenddrop bench --phases redelivery` on a known machine.
import { describe, expect, it } from 'vitest';
import { formatRedeliveryBench, runRedeliveryBench } from '../../bench/redelivery.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';

describe('redelivery bench phase', () => {
  it('sends the same UUID-id events twice and counts them once', async () => {
    const stages = new Set<string>();
    const r = await runRedeliveryBench(loadConfig({ TRENDDROP_SIMULATOR: 'off' }), { events: 20_000, logger: createLogger('silent'), onProgress: (_f, s) => stages.add(s) });
    expect(r.events).toBe(20_000);
    expect(r.stored).toBe(20_000);
    expect(r.redelivery.duplicatesDropped).toBe(20_000);
    expect(r.first.eventsPerSec).toBeGreaterThan(0);
    expect(r.redelivery.ratio).toBeCloseTo(r.redelivery.eventsPerSec / r.first.eventsPerSec, 2);
    expect([...stages]).toEqual(['first pass', 'redelivery', 'done']);
    expect(formatRedeliveryBench(r).join('\n')).toContain('20,000 (exact)');
  });
});
