// The chaos phase's bookkeeping: per-product counts against what was sent, and scenario choice.
// The scenarios themselves run in `trenddrop bench --phases chaos` (each spawns TrendDrop, some a
// private broker); the failures they inflict are also tested one by one in test/pipeline.
import { describe, expect, it } from 'vitest';
import { formatChaosBench, runChaosBench, SCENARIOS } from '../../bench/chaos.js';
import { tally } from '../../bench/chaos/scenario.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';

describe('chaos phase', () => {
  it('counts what went missing and what was counted twice, product by product', () => {
    const expected = new Map([['a', 10], ['b', 5], ['c', 3]]);
    expect(tally(expected, new Map([['a', 10], ['b', 5], ['c', 3]]))).toEqual({ stored: 18, lost: 0, doubled: 0 });
    // A surplus in one product never hides a loss in another.
    expect(tally(expected, new Map([['a', 12], ['b', 3]]))).toEqual({ stored: 15, lost: 5, doubled: 2 });
  });

  it('runs the scenarios asked for, and refuses names it does not know', async () => {
    expect(SCENARIOS.map((s) => s.name)).toEqual(['sigkill', 'broker-restart', 'postgres-kill', 'poison-pills']);
    await expect(runChaosBench(loadConfig({}), { quick: true, only: ['sigkil'], logger: createLogger('silent') })).rejects.toThrow(/unknown scenarios sigkil \(known: sigkill, broker-restart/);
    // postgres-kill needs a Postgres server: without DATABASE_URL it says so rather than passing.
    const r = await runChaosBench(loadConfig({}), { quick: true, only: ['postgres-kill'], logger: createLogger('silent') });
    expect(r.scenarios).toEqual([expect.objectContaining({ scenario: 'postgres-kill', ok: false, skipped: expect.stringMatching(/DATABASE_URL/) })]);
    expect(formatChaosBench(r).join('\n')).toContain('postgres-kill   skipped: set DATABASE_URL');
  });
});
