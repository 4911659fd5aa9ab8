// StateStore and RunStore implementations: in memory (tests, one-off imports) and a JSON file
// under the data dir (embedded mode keeps HTTP validators and counters across restarts).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunRecord, RunStore, StateStore } from './types.js';

export class MemoryStateStore implements StateStore {
  protected data = new Map<string, unknown>();
  async get<T>(key: string): Promise<T | undefined> {
    // A copy, so callers mutating what they read cannot change the store behind its back.
    const v = this.data.get(key);
    return v === undefined ? undefined : structuredClone(v) as T;
  }
  async set(key: string, value: unknown): Promise<void> {
    this.data.set(key, structuredClone(value));
  }
}

/** Keeps everything in memory and writes the whole map to one JSON file on flush (atomic rename). */
export class JsonFileStateStore extends MemoryStateStore {
  private loaded = false;
  private dirty = false;
  constructor(private readonly file: string) { super(); }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    try {
      this.data = new Map(Object.entries(JSON.parse(await readFile(this.file, 'utf8')) as Record<string, unknown>));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  override async get<T>(key: string): Promise<T | undefined> {
    await this.load();
    return super.get<T>(key);
  }
  override async set(key: string, value: unknown): Promise<void> {
    await this.load();
    this.dirty = true;
    await super.set(key, value);
  }
  async flush(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(Object.fromEntries(this.data)));
    await rename(tmp, this.file);
  }
}

/** Writes held back until commit(): a run's state lands only if its items reached the sink. */
export class StagedState implements StateStore {
  private readonly staged = new Map<string, unknown>();
  constructor(private readonly base: StateStore) {}
  async get<T>(key: string): Promise<T | undefined> {
    return this.staged.has(key) ? structuredClone(this.staged.get(key)) as T : this.base.get<T>(key);
  }
  async set(key: string, value: unknown): Promise<void> {
    this.staged.set(key, structuredClone(value));
  }
  async commit(): Promise<void> {
    for (const [k, v] of this.staged) await this.base.set(k, v);
    this.staged.clear();
  }
}

/** A view of a store whose keys all start with `prefix:`. */
export function scopedState(store: StateStore, prefix: string): StateStore {
  return {
    get: (key) => store.get(`${prefix}:${key}`),
    set: (key, value) => store.set(`${prefix}:${key}`, value),
  };
}

export class MemoryRunStore implements RunStore {
  private runs: RunRecord[] = [];
  constructor(private readonly keep = 1000) {}
  async save(run: RunRecord): Promise<void> {
    const i = this.runs.findIndex((r) => r.id === run.id);
    if (i >= 0) this.runs[i] = structuredClone(run);
    else this.runs.push(structuredClone(run));
    if (this.runs.length > this.keep) this.runs.splice(0, this.runs.length - this.keep);
  }
  async recent(opts: { limit?: number; source?: string } = {}): Promise<RunRecord[]> {
    const limit = opts.limit ?? 50;
    return this.runs.filter((r) => !opts.source || r.source === opts.source).slice(-limit).reverse().map((r) => structuredClone(r));
  }
}
