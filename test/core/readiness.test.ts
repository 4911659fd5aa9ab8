// `ready` follows each dependency after start-up: a probe that fails or hangs turns it down with
// the reason, and the next probe that answers turns it up again; the others are untouched.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { Readiness, watchReadiness } from '../../core/readiness.js';
import { eventually } from '../helpers/app.js';

let watch: { stop(): Promise<void> } | null = null;
afterEach(async () => { await watch?.stop(); });

describe('watchReadiness', () => {
  it('turns a dependency down while its probe fails or hangs, and up once it answers', async () => {
    const readiness = new Readiness();
    for (const c of ['bus', 'clickhouse']) readiness.set(c, 'up');
    let bus: 'ok' | 'fail' | 'hang' = 'ok';
    watch = watchReadiness({
      readiness, logger: createLogger('silent'), intervalMs: 10, timeoutMs: 50,
      probes: {
        bus: () => (bus === 'ok' ? Promise.resolve() : bus === 'fail' ? Promise.reject(new Error('broker gone')) : new Promise(() => undefined)),
        clickhouse: () => Promise.resolve(),
      },
    });
    bus = 'fail';
    await eventually(async () => (readiness.components.get('bus')?.state === 'down' ? true : undefined), 2000, 'bus down');
    expect(readiness.components.get('bus')?.detail).toBe('broker gone');
    expect(readiness.ready).toBe(false);
    expect(readiness.components.get('clickhouse')?.state).toBe('up');

    bus = 'ok';
    await eventually(async () => (readiness.ready ? true : undefined), 2000, 'ready again');

    bus = 'hang';
    await eventually(async () => (readiness.components.get('bus')?.state === 'down' ? true : undefined), 2000, 'hung bus down');
    expect(readiness.components.get('bus')?.detail).toBe('no answer within 50 ms');
  });
});
