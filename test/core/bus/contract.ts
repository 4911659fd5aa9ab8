// The Bus contract: every implementation (in-process, Kafka) must pass the same suite, so that
// code above the bus cannot tell which one it runs on. Only the Bus interface is used here.
//
// Semantics asserted, beyond types.ts: a new durable group starts at the beginning of the log;
// lag() of a group that never committed counts every message in the log.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, BusMessage, OutgoingMessage, SubscribeOptions, Subscription } from '../../../core/bus/types.js';
import { StoreError } from '../../../core/errors.js';
import type { DeadLetter } from '../../../schemas/dead-letter.js';

export interface ContractOptions {
  /** How long to wait for deliveries and group changes; a broker needs more than memory. */
  timeoutMs?: number;
  /**
   * Quiet time where no drain can say "nothing more will come": after a member joins a group,
   * and after an ephemeral reader got the expected messages (it commits nothing, so no lag
   * tells that no old message is still on its way). Durable groups wait for lag 0 instead.
   */
  settleMs?: number;
}

interface Payload {
  id: string;
  k: string;
  seq: number;
}

const payload = (m: BusMessage) => m.value as Payload;

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Messages for `keys`, `perKey` each, interleaved across keys in publish order. */
function messages(keys: string[], perKey: number, from = 0): OutgoingMessage[] {
  const out: OutgoingMessage[] = [];
  for (let seq = from; seq < from + perKey; seq++) for (const k of keys) out.push({ key: k, value: { id: `${k}:${seq}`, k, seq } satisfies Payload });
  return out;
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/**
 * `cleanup`, when given, runs after each test (after its buses closed) with the topics that test
 * used, e.g. to delete them from a shared broker.
 */
export function busContract(name: string, makeBus: () => Promise<Bus>, cleanup?: (topics: string[]) => Promise<void>, opts: ContractOptions = {}): void {
  const T = opts.timeoutMs ?? 20_000;
  const SETTLE = opts.settleMs ?? 300;

  describe(`Bus contract: ${name}`, { timeout: T * 3 }, () => {
    const buses: Bus[] = [];
    const subs: Subscription[] = [];
    const topicsUsed: string[] = [];

    async function bus(): Promise<Bus> {
      const b = await makeBus();
      buses.push(b);
      return b;
    }
    async function sub(s: Subscription): Promise<Subscription> {
      subs.push(s);
      await s.ready;
      return s;
    }
    /**
     * A new member of `group` reading `topic` to its end: the seqs it was handed, once it has
     * handled `n` and committed everything (lag 0).
     */
    async function readToEnd(b: Bus, group: string, topic: string, n: number, opts: Pick<SubscribeOptions, 'inFlight'> = {}): Promise<number[]> {
      const seqs: number[] = [];
      await sub(await b.subscribe({ groupId: group, topics: [topic], ...opts, handler: async (batch) => { seqs.push(...batch.map((m) => payload(m).seq)); } }));
      await waitFor(() => seqs.length >= n, T, `${n} messages`);
      await waitFor(async () => (await b.lag(group, topic)) === 0, T, 'lag 0: all handled and committed');
      return seqs;
    }
    /** Unique names per test, so tests never see each other's messages or groups. */
    function names() {
      const p = `contract.${Date.now().toString(36)}.${randomUUID().slice(0, 8)}`;
      topicsUsed.push(`${p}.events`, `${p}.other`);
      return { topic: `${p}.events`, other: `${p}.other`, group: `${p}.group` };
    }

    afterEach(async () => {
      await Promise.allSettled(subs.splice(0).map((s) => s.close()));
      await Promise.allSettled(buses.splice(0).map((b) => b.close()));
      await cleanup?.(topicsUsed.splice(0));
    });

    it('delivers every message, once unless its member rejoined, each key in publish order, a key always on one partition', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      const keys = ['p-1', 'p-2', 'p-3', 'p-4', 'p-5'];
      const all = messages(keys, 40);
      // Several publish calls, some concurrent, like several ingest requests.
      const parts = chunks(all, 25);
      for (const part of parts.slice(0, 4)) await b.publish(topic, part);
      await Promise.all(parts.slice(4).map((part) => b.publish(topic, part)));

      const handed: BusMessage[] = [];
      let joins = 0;
      await sub(await b.subscribe({
        groupId: group, topics: [topic], maxBatch: 7, onAssigned: () => { joins++; },
        handler: async (batch) => { expect(batch.length).toBeLessThanOrEqual(7); handed.push(...batch); },
      }));
      await waitFor(() => new Set(handed.map((m) => payload(m).id)).size >= all.length, T, `${all.length} messages`);
      // Committed to the end: nothing can be delivered again, so the count below is final.
      await waitFor(async () => (await b.lag(group, topic)) === 0, T, 'lag 0: all handled and committed');

      // Delivery is at-least-once (types.ts): a member that rejoins its group (on a starved
      // machine a broker can miss its heartbeats) is handed its partitions again from the last
      // commit. With one join, each message comes exactly once; after a rejoin, what came twice
      // is a redelivery, and the checks below read each message's first delivery.
      const seen = new Set<string>();
      const got = handed.filter((m) => { const first = !seen.has(payload(m).id); seen.add(payload(m).id); return first; });
      expect(got).toHaveLength(all.length);
      expect(joins).toBeGreaterThan(0);
      if (joins === 1) expect(handed).toHaveLength(all.length);
      const published = new Map(all.map((m) => [(m.value as Payload).id, m.value]));
      for (const m of got) {
        expect(m.topic).toBe(topic);
        expect(m.value).toEqual(published.get(payload(m).id));
        expect(m.key).toBe(payload(m).k);
        expect(typeof m.timestamp).toBe('number');
        expect(Math.abs(Date.now() - m.timestamp)).toBeLessThan(5 * 60_000);
      }
      // Messages published in separate, sequential calls keep their order per key. The
      // concurrent calls at the end may interleave with each other, so check them as a set.
      const sequentialUpTo = (4 * 25) / keys.length;
      for (const k of keys) {
        const mine = got.filter((m) => m.key === k);
        expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
        const seqs = mine.map((m) => payload(m).seq);
        expect(seqs.slice(0, sequentialUpTo)).toEqual([...Array(sequentialUpTo).keys()]);
        expect([...seqs].sort((a, z) => a - z)).toEqual([...Array(40).keys()]);
        // Offsets within a partition only grow.
        const offs = mine.map((m) => m.offset);
        expect(offs).toEqual([...offs].sort((a, z) => a - z));
      }
    });

    it('keeps per-key order within one publish call', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      const all = messages(['a', 'b', 'c'], 30);
      await b.publish(topic, all);
      const got: BusMessage[] = [];
      await sub(await b.subscribe({ groupId: group, topics: [topic], handler: async (batch) => { got.push(...batch); } }));
      await waitFor(() => got.length >= all.length, T, 'all messages');
      for (const k of ['a', 'b', 'c']) expect(got.filter((m) => m.key === k).map((m) => payload(m).seq)).toEqual([...Array(30).keys()]);
    });

    it('splits the partitions of a group between its members; each message is handled by one', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      const seen: Array<Array<BusMessage>> = [[], []];
      const a = await sub(await b.subscribe({ groupId: group, topics: [topic], handler: async (batch) => { seen[0].push(...batch); } }));
      const c = await sub(await b.subscribe({ groupId: group, topics: [topic], handler: async (batch) => { seen[1].push(...batch); } }));
      await Promise.all([a.ready, c.ready]);
      // Let the group settle after the second member's join before publishing.
      await sleep(SETTLE);
      const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
      const all = messages(keys, 5);
      await b.publish(topic, all);
      await waitFor(() => seen[0].length + seen[1].length >= all.length, T, 'all messages across both members');
      await waitFor(async () => (await b.lag(group, topic)) === 0, T, 'lag 0: all handled and committed');

      const ids = [...seen[0], ...seen[1]].map((m) => payload(m).id);
      expect(ids).toHaveLength(all.length);
      expect(new Set(ids).size).toBe(all.length);
      expect(seen[0].length).toBeGreaterThan(0);
      expect(seen[1].length).toBeGreaterThan(0);
      // Partitions, and so keys, belong to exactly one member.
      const parts = seen.map((s) => new Set(s.map((m) => m.partition)));
      for (const p of parts[0]) expect(parts[1].has(p)).toBe(false);
    });

    it('tells a member of its partitions before its first batch, and again when another member joins', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      const log: string[] = [];
      await sub(await b.subscribe({ groupId: group, topics: [topic], handler: async () => { log.push('batch'); }, onAssigned: () => log.push('assigned-1') }));
      await b.publish(topic, messages(['a'], 1));
      await waitFor(() => log.includes('batch'), T, 'a batch');
      expect(log[0]).toBe('assigned-1');
      const told = log.filter((x) => x === 'assigned-1').length;
      await sub(await b.subscribe({ groupId: group, topics: [topic], handler: async () => undefined, onAssigned: () => log.push('assigned-2') }));
      await waitFor(() => log.filter((x) => x === 'assigned-1').length > told && log.includes('assigned-2'), T, 'both members told of the new split');
    });

    it('a group resumes after its last committed offset when it subscribes again', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      await b.publish(topic, messages(['x', 'y'], 5));
      const first: BusMessage[] = [];
      const s1 = await sub(await b.subscribe({ groupId: group, topics: [topic], handler: async (batch) => { first.push(...batch); } }));
      await waitFor(() => first.length >= 10, T, 'first 10 messages');
      await waitFor(async () => (await b.lag(group, topic)) === 0, T, 'lag 0 after the first messages');
      await s1.close();

      await b.publish(topic, messages(['x', 'y'], 5, 5));
      expect(await b.lag(group, topic)).toBe(10);
      const second: BusMessage[] = [];
      await sub(await b.subscribe({ groupId: group, topics: [topic], handler: async (batch) => { second.push(...batch); } }));
      await waitFor(() => second.length >= 10, T, 'the 10 new messages');
      await waitFor(async () => (await b.lag(group, topic)) === 0, T, 'lag 0 at the end');
      expect(second.map((m) => payload(m).seq).sort((a, z) => a - z)).toEqual([5, 5, 6, 6, 7, 7, 8, 8, 9, 9]);
    });

    it('retries a throwing handler on the same messages, skipping and reordering nothing', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      await b.publish(topic, messages(['only'], 20));
      let failures = 0;
      const attemptsOn7: number[] = [];
      const ok: number[] = [];
      await sub(await b.subscribe({
        groupId: group, topics: [topic], maxBatch: 5,
        handler: async (batch) => {
          const seqs = batch.map((m) => payload(m).seq);
          if (seqs.includes(7)) {
            attemptsOn7.push(seqs[0]);
            if (failures < 2) { failures++; throw new Error('transient failure'); }
          }
          ok.push(...seqs);
        },
      }));
      await waitFor(() => ok.length >= 20, T, 'all 20 handled successfully');
      await waitFor(async () => (await b.lag(group, topic)) === 0, T, 'lag 0');
      expect(ok).toEqual([...Array(20).keys()]);
      expect(attemptsOn7.length).toBe(3);
      // The same batch came back each time, starting where the failed one started.
      expect(new Set(attemptsOn7).size).toBe(1);
    });

    it('never commits past a failing message: closing while it fails and resubscribing gets it again', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      await b.publish(topic, messages(['only'], 10));
      let attempts = 0;
      const ok: number[] = [];
      const s1 = await sub(await b.subscribe({
        groupId: group, topics: [topic], maxBatch: 1,
        handler: async (batch) => {
          if (payload(batch[0]).seq === 5) { attempts++; throw new Error('poison until fixed'); }
          ok.push(payload(batch[0]).seq);
        },
      }));
      await waitFor(() => attempts >= 2, T, 'two failed attempts on seq 5');
      const t0 = Date.now();
      await s1.close();
      // close() must not sit out the retry backoff.
      expect(Date.now() - t0).toBeLessThan(T / 2);
      expect(ok).toEqual([0, 1, 2, 3, 4]);
      expect(await b.lag(group, topic)).toBe(5);

      expect(await readToEnd(b, group, topic, 5)).toEqual([5, 6, 7, 8, 9]);
    });

    it('with inFlight 2, hands the next batch over while the first is in hand, and commits only up to the first not finished', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      await b.publish(topic, messages(['only'], 15));
      const started: number[] = [], finished: number[] = [];
      const gates = new Map<number, () => void>();
      let over = false;
      const release = async (first: number) => {
        await waitFor(() => gates.has(first), T, `the batch from ${first} in hand`);
        gates.get(first)!();
        await waitFor(() => finished.includes(first), T, `the batch from ${first} to finish`);
      };
      await sub(await b.subscribe({
        groupId: group, topics: [topic], maxBatch: 5, inFlight: 2,
        handler: async (batch) => {
          const first = payload(batch[0]).seq;
          started.push(first);
          if (!over) await new Promise<void>((r) => gates.set(first, r));
          finished.push(first);
        },
      }));
      try {
        // One bus handed the second batch over only once the first's handler had resolved.
        await waitFor(() => started.length >= 2, T, 'the second batch while the first is in hand');
        await sleep(SETTLE);
        expect(started).toEqual([0, 5]); // bounded: the third waits for the first
        expect(await b.lag(group, topic)).toBe(15);
        // The second finishes first: nothing is committed past the first, which is still in hand.
        await release(5);
        await sleep(SETTLE);
        expect(await b.lag(group, topic)).toBe(15);
        expect(started).toEqual([0, 5]);
        await release(0);
        await waitFor(async () => (await b.lag(group, topic)) === 5, T, 'the first two batches committed');
        await release(10);
        await waitFor(async () => (await b.lag(group, topic)) === 0, T, 'lag 0');
        expect(started).toEqual([0, 5, 10]);
      } finally {
        // A failing run must not leave handlers waiting: closing the subscription would wait too.
        over = true;
        for (const open of gates.values()) open();
      }
    });

    it('with inFlight 2, a batch that stops unfinished is delivered again, and what was handled after it too', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      await b.publish(topic, messages(['only'], 10));
      let attempts = 0;
      const ok: number[] = [];
      const s1 = await sub(await b.subscribe({
        groupId: group, topics: [topic], maxBatch: 5, inFlight: 2,
        handler: async (batch) => {
          const seqs = batch.map((m) => payload(m).seq);
          if (seqs[0] === 0) { attempts++; throw new Error('poison until fixed'); }
          ok.push(...seqs);
        },
      }));
      await waitFor(() => attempts >= 2 && ok.length >= 5, T, 'the second batch handled while the first fails');
      await s1.close();
      expect(ok).toEqual([5, 6, 7, 8, 9]);
      expect(await b.lag(group, topic)).toBe(10);

      expect(await readToEnd(b, group, topic, 10, { inFlight: 2 })).toEqual([...Array(10).keys()]);
    });

    /** Reads a dead-letter topic; `until` publishes a marker there and waits for it, so what came before is all there. */
    async function deadLetters(b: Bus, topic: string, group: string) {
      const got: BusMessage[] = [];
      await sub(await b.subscribe({ groupId: `${group}.dlq-reader`, topics: [topic], handler: async (batch) => { got.push(...batch); } }));
      return {
        async all(key: string): Promise<DeadLetter[]> {
          await b.publish(topic, [{ key, value: { marker: true } }]);
          await waitFor(() => got.some((m) => (m.value as { marker?: boolean }).marker), T, 'the marker on the dead-letter topic');
          return got.filter((m) => !(m.value as { marker?: boolean }).marker).map((m) => m.value as DeadLetter);
        },
      };
    }

    it('sets a message that keeps failing aside on the dead-letter topic with its error, and handles its neighbours', async () => {
      const b = await bus();
      const { topic, other: dlq, group } = names();
      await b.ensureTopics([topic, dlq]);
      await b.publish(topic, messages(['only'], 20));
      const ok: number[] = [];
      let triesAlone = 0;
      await sub(await b.subscribe({
        groupId: group, topics: [topic], maxBatch: 10, deadLetterTopic: dlq, maxAttempts: 3,
        handler: async (batch) => {
          const seqs = batch.map((m) => payload(m).seq);
          if (seqs.includes(7)) {
            if (seqs.length === 1) triesAlone++;
            throw new Error('cannot store seq 7');
          }
          ok.push(...seqs);
        },
      }));
      const letters = await deadLetters(b, dlq, group);
      await waitFor(() => ok.length >= 19, T, 'the 19 good messages');
      await waitFor(async () => (await b.lag(group, topic)) === 0, T, 'lag 0: the partition moved past the bad message');
      expect(ok).toEqual([...Array(20).keys()].filter((i) => i !== 7));
      expect(triesAlone).toBe(3);
      const all = await letters.all('only');
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({
        sourceTopic: topic, key: 'only', offset: 7, value: { id: 'only:7', k: 'only', seq: 7 }, code: 'failed', attempts: 3, group,
        error: { message: 'cannot store seq 7' },
      });
      expect(all[0].reason).toContain('cannot store seq 7');
    });

    it('retries a batch whose dependency is unavailable until it returns, and never sets it aside', async () => {
      const b = await bus();
      const { topic, other: dlq, group } = names();
      await b.ensureTopics([topic, dlq]);
      await b.publish(topic, messages(['only'], 10));
      let attempts = 0;
      const ok: number[] = [];
      await sub(await b.subscribe({
        groupId: group, topics: [topic], deadLetterTopic: dlq, maxAttempts: 2,
        handler: async (batch) => {
          // Twice as many failures as the bound: an outage is not the message's fault.
          if (++attempts <= 4) throw new StoreError('clickhouse', 'connect ECONNREFUSED 127.0.0.1:8123');
          ok.push(...batch.map((m) => payload(m).seq));
        },
      }));
      const letters = await deadLetters(b, dlq, group);
      await waitFor(() => ok.length >= 10, T, 'all 10 once the dependency is back');
      expect(ok).toEqual([...Array(10).keys()]);
      expect(attempts).toBe(5);
      expect(await letters.all('only')).toEqual([]);
    });

    it('publish resolves once the messages are accepted: lag counts them before anyone reads', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      expect(await b.lag(group, topic)).toBe(0);
      await b.publish(topic, messages(['m', 'n', 'o'], 30));
      expect(await b.lag(group, topic)).toBe(90);
      await b.publish(topic, []);
      expect(await b.lag(group, topic)).toBe(90);
      let n = 0;
      await sub(await b.subscribe({ groupId: group, topics: [topic], handler: async (batch) => { n += batch.length; } }));
      await waitFor(() => n >= 90, T, '90 messages');
      await waitFor(async () => (await b.lag(group, topic)) === 0, T, 'lag 0 once handled');
    });

    it('an ephemeral subscription sees only messages published after it is ready, and each one sees all', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      await b.publish(topic, messages(['old-1', 'old-2'], 5));
      const got: BusMessage[][] = [[], []];
      await sub(await b.subscribe({ groupId: group, topics: [topic], ephemeral: true, handler: async (batch) => { got[0].push(...batch); } }));
      await sub(await b.subscribe({ groupId: group, topics: [topic], ephemeral: true, handler: async (batch) => { got[1].push(...batch); } }));
      const fresh = messages(['new-1', 'new-2', 'new-3'], 4);
      await b.publish(topic, fresh);
      await waitFor(() => got[0].length >= fresh.length && got[1].length >= fresh.length, T, 'the new messages at both readers');
      await sleep(SETTLE);
      for (const g of got) {
        expect(g.every((m) => m.key.startsWith('new-'))).toBe(true);
        expect(g).toHaveLength(fresh.length);
      }
      // An ephemeral reader's progress is not a durable group's.
      expect(await b.lag(group, topic)).toBe(10 + fresh.length);
    });

    it('subscribes to several topics at once', async () => {
      const b = await bus();
      const { topic, other, group } = names();
      await b.ensureTopics([topic, other]);
      await b.publish(topic, messages(['t'], 3));
      await b.publish(other, messages(['o'], 2));
      const got: BusMessage[] = [];
      await sub(await b.subscribe({ groupId: group, topics: [topic, other], handler: async (batch) => { got.push(...batch); } }));
      await waitFor(() => got.length >= 5, T, '5 messages from 2 topics');
      expect(got.filter((m) => m.topic === topic).map((m) => payload(m).seq)).toEqual([0, 1, 2]);
      expect(got.filter((m) => m.topic === other).map((m) => payload(m).seq)).toEqual([0, 1]);
    });

    it('close() lets the in-flight handler finish and commits what it finished', async () => {
      const b = await bus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      await b.publish(topic, messages(['slow'], 10));
      let started = 0;
      let finished = 0;
      const seqs: number[] = [];
      const s1 = await sub(await b.subscribe({
        groupId: group, topics: [topic], maxBatch: 5,
        handler: async (batch) => {
          started++;
          await sleep(400);
          seqs.push(...batch.map((m) => payload(m).seq));
          finished++;
        },
      }));
      await waitFor(() => started >= 1, T, 'the first batch to start');
      await s1.close();
      // The batch in flight at close() completed before close() resolved, and no new one began.
      expect(finished).toBe(started);
      expect(started).toBe(1);
      expect(seqs).toEqual([0, 1, 2, 3, 4]);
      expect(await b.lag(group, topic)).toBe(5);

      expect(await readToEnd(b, group, topic, 5)).toEqual([5, 6, 7, 8, 9]);
    });

    it('bus.close() closes live subscriptions and waits for their handlers', async () => {
      const b = await makeBus();
      const { topic, group } = names();
      await b.ensureTopics([topic]);
      await b.publish(topic, messages(['z'], 3));
      let inFlight = 0;
      let done = 0;
      const s = await b.subscribe({ groupId: group, topics: [topic], maxBatch: 1, handler: async () => { inFlight++; await sleep(200); inFlight--; done++; } });
      await s.ready;
      await waitFor(() => inFlight > 0 || done > 0, T, 'a handler to run');
      await b.close();
      expect(inFlight).toBe(0);
      // Closing twice, or the subscription after its bus, is harmless.
      await s.close();
      await b.close();
    });

    it('ping() answers while the bus is open and fails once it is closed', async () => {
      const b = await makeBus();
      await b.ping();
      await b.close();
      await expect(b.ping()).rejects.toThrow();
    });
  });
}
