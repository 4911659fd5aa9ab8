// The first-start bench phase: `trenddrop start` on a fresh data dir, timed from the spawn until
// live updates flow and the simulated history is stored. No timing is asserted beyond the order
// things must happen in: figures come from `trenddrop bench --phases first-start`.
import { describe, expect, it } from 'vitest';
import { formatFirstStartBench, runFirstStartBench } from '../../bench/first-start.js';

describe('first-start bench phase', () => {
  it('times a first start from the spawn to live updates and a stored history', async () => {
    const r = await runFirstStartBench({ timeoutMs: 170_000 });
    expect(r.listeningMs).not.toBeNull();
    expect(r.healthMs).toBeGreaterThanOrEqual(r.listeningMs!);
    // Live updates run on ClickHouse and the bus while Postgres opens: they need the server
    // listening, not `health` (which waits for every store).
    expect(r.firstLiveUpdateMs).toBeGreaterThan(r.listeningMs!);
    expect(r.firstOverviewWithEventsMs).toBeGreaterThan(r.healthMs!);
    expect(r.historyEvents).toBeGreaterThan(0);
    expect(r.historyStoredMs).toBeGreaterThanOrEqual(r.historyPublishedMs!);
    expect(r.stages.map((s) => s.msg)).toContain('TrendDrop started');
    expect(formatFirstStartBench(r)[0]).toContain('first start');
  }, 200_000);
});
