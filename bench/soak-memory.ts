// Where the soak's resident memory lives, read beside the resident total: the V8 heap as
// committed (pages V8 holds whether or not objects fill them), memory outside it (Buffers), the
// kernel's split of the resident pages (anonymous or file-backed: the engine's code and mapped
// files), and the embedded engine's own allocator (jemalloc, statically linked in chdb: what its
// queries hold, and what it keeps resident after they free it). What none of these covers is
// Node's and its libraries' native heap (glibc malloc).
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import type { ClickHouseClient } from '@clickhouse/client';
import { rows } from '../api/queries/sql.js';

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

export interface ProcessMemory {
  /** V8 heap pages committed and resident (used, garbage and free space in them). */
  heapCommittedMiB: number;
  /** Memory V8 allocated with malloc outside its heap pages (its own bookkeeping, compiled code tables). */
  v8MallocedMiB: number;
  /** ArrayBuffers and Buffers (part of `externalMiB`). */
  arrayBuffersMiB: number;
  /** Resident anonymous pages: every heap (V8's, glibc's, jemalloc's) and thread stacks. */
  anonMiB: number;
  /** Resident file-backed pages: the binaries' code (libchdb.so is 540 MB on disk) and mapped files. */
  fileMiB: number;
}

/** Sizes in kB from /proc/self/smaps_rollup, by field; empty where the kernel has no such file. */
function smapsRollup(): Map<string, number> {
  const fields = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync('/proc/self/smaps_rollup', 'utf8');
  } catch {
    return fields;
  }
  for (const m of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) fields.set(m[1], Number(m[2]));
  return fields;
}

/** The process's memory by owner, as far as Node and the kernel tell it (-1 where /proc is not there). */
export function processMemory(): ProcessMemory {
  const heap = v8.getHeapStatistics();
  const smaps = smapsRollup();
  const kb = (k: string) => (smaps.has(k) ? mib(smaps.get(k)! * 1024) : -1);
  const anon = kb('Anonymous');
  const rss = kb('Rss');
  return {
    heapCommittedMiB: mib(heap.total_physical_size), v8MallocedMiB: mib(heap.malloced_memory), arrayBuffersMiB: mib(process.memoryUsage().arrayBuffers),
    anonMiB: anon, fileMiB: rss >= 0 && anon >= 0 ? rss - anon : -1,
  };
}

export interface EngineMemory {
  /** MemoryTracking: what the engine accounts for (queries, merges, caches). */
  trackedMiB: number;
  /** The engine's caches (marks, primary index, uncompressed blocks, query conditions …), summed. */
  cachesMiB: number;
  /** jemalloc: bytes its callers hold. */
  allocatedMiB: number;
  /** jemalloc: pages it holds resident, freed ones not yet returned (dirty) included. */
  residentMiB: number;
}

/**
 * The embedded engine's memory: its tracker, its caches and its allocator's totals (the summary
 * line of jemalloc's statistics). A ClickHouse server runs in its own process, whose allocator
 * says nothing about this one: there only the tracker and the caches are read, the allocator's
 * figures are -1.
 */
export async function engineMemory(ch: ClickHouseClient, embedded: boolean): Promise<EngineMemory> {
  const [m] = await rows<{ tracked: string; caches: string }>(ch,
    `SELECT sumIf(value, metric = 'MemoryTracking') AS tracked, sumIf(value, metric LIKE '%CacheBytes') AS caches FROM system.metrics`);
  let allocator = { allocated: -1, resident: -1 };
  if (embedded) {
    const [j] = await rows<{ allocated: string; resident: string }>(ch,
      `SELECT extract(stats, 'Allocated: (\\\\d+)') AS allocated, extract(stats, 'resident: (\\\\d+)') AS resident FROM system.jemalloc_stats`);
    allocator = { allocated: Number(j.allocated), resident: Number(j.resident) };
  }
  const or = (b: number) => (b < 0 ? -1 : mib(b));
  return { trackedMiB: mib(Number(m.tracked)), cachesMiB: mib(Number(m.caches)), allocatedMiB: or(allocator.allocated), residentMiB: or(allocator.resident) };
}
