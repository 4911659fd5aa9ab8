// Shared test plumbing: a silent logger, a fast polite client, and a sink that keeps everything.
import pino from 'pino';
import { HttpClient, type HttpClientOptions } from '../../ingest/agent/http.js';
import type { AgentSink, EngagementEvent, ProductMessage, VideoMessage } from '../../ingest/agent/types.js';

export const logger = pino({ level: 'silent' });

/** Short timeouts and backoffs so hostile cases take milliseconds, not minutes. */
export const fastHttp = (o: Partial<HttpClientOptions> = {}) =>
  new HttpClient({ logger, timeoutMs: 300, retries: 2, backoffBaseMs: 5, backoffMaxMs: 20, perHostIntervalMs: 0, ...o });

export class MemorySink implements AgentSink {
  readonly productsSeen: ProductMessage[] = [];
  readonly eventsSeen: EngagementEvent[] = [];
  readonly videosSeen: VideoMessage[] = [];
  failNext = false;
  private check() {
    if (this.failNext) { this.failNext = false; throw new Error('bus unavailable'); }
  }
  async products(items: ProductMessage[]) { this.check(); this.productsSeen.push(...items); }
  async events(items: EngagementEvent[]) { this.check(); this.eventsSeen.push(...items); }
  async videos(items: VideoMessage[]) { this.check(); this.videosSeen.push(...items); }
}
