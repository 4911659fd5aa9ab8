// What is up and what is not, as the `ready` endpoint tells it. It tells the truth after
// start-up too: each dependency is probed on an interval, and one that stops answering (a broker
// or database gone away) reads `down`, with the error, until it answers again. Probes run one at
// a time, so a hung dependency cannot pile them up.
import type { Logger } from './logger.js';

export type ComponentState = { state: 'starting' | 'up' | 'down'; detail?: string; since: string };

export class Readiness {
  readonly components = new Map<string, ComponentState>();
  set(name: string, state: ComponentState['state'], detail?: string): void {
    this.components.set(name, { state, detail, since: new Date().toISOString() });
  }
  get ready(): boolean { return this.components.size > 0 && [...this.components.values()].every((c) => c.state === 'up'); }
  toJSON() { return Object.fromEntries(this.components); }
}

export interface ReadinessWatchOptions {
  readiness: Readiness;
  /** Component name → a call that resolves only when the component can serve right now. */
  probes: Record<string, () => Promise<unknown>>;
  logger: Logger;
  intervalMs?: number;
  /** A probe that takes longer counts as failed. */
  timeoutMs?: number;
}

export function watchReadiness(o: ReadinessWatchOptions): { stop(): Promise<void> } {
  const interval = o.intervalMs ?? 5000, timeout = o.timeoutMs ?? 5000;
  // Nothing runs elsewhere (the embedded form): no timer at all.
  if (Object.keys(o.probes).length === 0) return { stop: async () => undefined };
  const log = o.logger.child({ component: 'readiness' });
  let stopped = false, running: Promise<void> = Promise.resolve();

  const probe = async (name: string, fn: () => Promise<unknown>) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([fn(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeout} ms`)), timeout); })]);
      if (o.readiness.components.get(name)?.state !== 'up') { o.readiness.set(name, 'up'); log.info({ dependency: name }, 'dependency answers again'); }
    } catch (err) {
      const detail = (err as Error).message;
      if (o.readiness.components.get(name)?.state === 'up') log.warn({ dependency: name, err: detail }, 'dependency stopped answering');
      if (!stopped) o.readiness.set(name, 'down', detail);
    } finally {
      clearTimeout(timer);
    }
  };

  const timer = setInterval(() => {
    running = running.then(async () => { for (const [name, fn] of Object.entries(o.probes)) if (!stopped) await probe(name, fn); });
  }, interval);
  timer.unref();
  return {
    async stop() { stopped = true; clearInterval(timer); await running; },
  };
}
