// Server-side cache for read endpoints. Entries stay valid until new data is written (the
// gateway bumps the version on each update), but at least `minAgeMs`, so that a busy stream
// does not turn every request into a query. ETags let clients revalidate for free.
import { createHash } from 'node:crypto';

interface Entry { version: number; at: number; body: string; etag: string }

export class QueryCache {
  private version = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Entry>>();

  constructor(private readonly minAgeMs = 1000, private readonly maxEntries = 2000, private readonly now = () => Date.now()) {}

  bump(): void { this.version++; }

  /** The cached serialized body for key, computing it when stale; concurrent misses share one computation. */
  async get(key: string, compute: () => Promise<unknown>): Promise<{ body: string; etag: string }> {
    const e = this.entries.get(key);
    if (e && (e.version === this.version || this.now() - e.at < this.minAgeMs)) return e;
    let p = this.inflight.get(key);
    if (!p) {
      const version = this.version;
      p = compute().then((value) => {
        const body = JSON.stringify(value);
        const entry = { version, at: this.now(), body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        this.entries.set(key, entry);
        return entry;
      }).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }
}
