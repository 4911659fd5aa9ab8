// How the consumers are doing, for `ready` and /metrics: a partition whose handler is failing
// (being retried, or narrowed down to a message to set aside) and a group that has messages
// waiting but has not moved for a while both turn the `consumers` component down, with the
// reason; lag per partition, retries and dead letters are exported as metrics.
import type { DeliveryObserver } from './bus/delivery.js';
import { rootMessage } from './errors.js';
import type { Bus } from './bus/types.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

export interface WatchOptions {
  /** (group, topic) pairs to watch, as the processors subscribe them. */
  groups: [string, string][];
  intervalMs?: number;
  /** A partition with lag whose committed offset has not moved for this long is stalled. */
  stallMs?: number;
  now?: () => number;
}

export class ConsumerHealth implements DeliveryObserver {
  private readonly failing = new Map<string, string>();
  private readonly stalled = new Map<string, string>();
  private readonly log: Logger;
  private detail: string | undefined = '';

  /** `report` is told the state whenever it changes: `ready`'s `consumers` component. */
  constructor(private readonly d: { report: (state: 'up' | 'down', detail?: string) => void; metrics: Metrics; logger: Logger }) {
    this.log = d.logger.child({ component: 'consumer-health' });
  }

  failed(e: Parameters<DeliveryObserver['failed']>[0]): void {
    this.d.metrics.consumerRetries.inc({ group: e.group, topic: e.topic, kind: e.transient ? 'transient' : 'error' });
    this.failing.set(`${e.group} ${e.topic}/${e.partition}`, `${e.group} is retrying ${e.topic}/${e.partition} at offset ${e.offset} (attempt ${e.attempt}): ${rootMessage(e.err)}`);
    this.update();
  }

  recovered(e: Parameters<DeliveryObserver['recovered']>[0]): void {
    if (this.failing.delete(`${e.group} ${e.topic}/${e.partition}`)) this.update();
  }

  deadLettered(e: Parameters<DeliveryObserver['deadLettered']>[0]): void {
    this.d.metrics.deadLettered.inc({ topic: e.topic, reason: e.code });
  }

  /** Polls the groups' offsets: lag gauges, and stalls. Resolves stop() once the last poll ended. */
  watch(bus: Bus, o: WatchOptions): { stop(): Promise<void> } {
    const intervalMs = o.intervalMs ?? 5000, stallMs = o.stallMs ?? 60_000, now = o.now ?? Date.now;
    const last = new Map<string, { committed: number; since: number }>();
    let stopped = false, running: Promise<void> = Promise.resolve();
    const poll = async () => {
      for (const [group, topic] of o.groups) {
        if (stopped) return;
        let offsets;
        try { offsets = await bus.offsets(group, topic); } catch (err) {
          this.log.debug({ group, topic, err: (err as Error).message }, 'consumer offsets unavailable'); // the bus probe reports the bus itself
          continue;
        }
        for (const p of offsets) {
          const key = `${group} ${topic}/${p.partition}`, lag = Math.max(0, p.end - p.committed), t = now();
          this.d.metrics.consumerLag.set({ group, topic, partition: String(p.partition) }, lag);
          const seen = last.get(key);
          if (!seen || seen.committed !== p.committed || lag === 0) last.set(key, { committed: p.committed, since: t });
          const since = last.get(key)!.since;
          if (lag > 0 && t - since >= stallMs) {
            if (!this.stalled.has(key)) this.log.warn({ group, topic, partition: p.partition, offset: p.committed, lag }, 'consumer stalled');
            this.stalled.set(key, `${group} has not moved ${topic}/${p.partition} past offset ${p.committed} for ${Math.round((t - since) / 1000)} s with ${lag} messages waiting`);
          } else if (this.stalled.delete(key)) {
            this.log.info({ group, topic, partition: p.partition }, 'consumer moves again');
          }
        }
      }
      this.update();
    };
    this.update();
    const timer = setInterval(() => { running = running.then(poll); }, intervalMs);
    timer.unref();
    return { async stop() { stopped = true; clearInterval(timer); await running; } };
  }

  private update(): void {
    const reasons = [...this.failing.values(), ...this.stalled.values()];
    const detail = reasons.length ? reasons.join('; ') : undefined;
    if (detail === this.detail) return;
    this.detail = detail;
    this.d.report(detail ? 'down' : 'up', detail);
  }
}
