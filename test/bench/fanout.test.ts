// The fan-out bench phase at a tiny scale: a real API process and the plain ws baseline, with
// the client harness in its own process. Structure and counts only; speed is the bench's job.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { formatFanout, runFanoutBench } from '../../bench/fanout.js';

describe('bench fan-out phase', () => {
  it('times every (client, message) delivery on both sides', async () => {
    const r = await runFanoutBench({ subscribers: 20, messages: 10, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') });
    expect(r).toMatchObject({ subscribers: 20, messages: 10 });
    for (const side of [r.gateway, r.plainWs]) {
      expect(side).toMatchObject({ expected: 200, deliveries: 200 });
      for (const v of [side.p50Ms, side.p99Ms, side.maxMs, side.setupSeconds]) expect(Number.isFinite(v) && v >= 0).toBe(true);
      expect(side.p50Ms).toBeLessThanOrEqual(side.p99Ms);
      expect(side.roundP99Ms).toHaveLength(1); // 10 messages fit in one round
    }
    expect(r.ratioP99).toBeGreaterThan(0);
    expect(r.rssMiB).toBeGreaterThan(0);
    const lines = formatFanout(r);
    expect(lines[0]).toContain('20 subscribers, 10 messages');
    expect(lines.join('\n')).toMatch(/200 of 200 deliveries[\s\S]*200 of 200 deliveries/);
  });
});
