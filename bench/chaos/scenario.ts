// What every chaos scenario reports: what was sent, what TrendDrop acknowledged, what it stored,
// and from that what was lost or counted twice, per product, with the facts worth knowing (how
// many requests were cut off by a kill, what was dead-lettered…). A scenario whose prerequisite
// is missing (a Postgres server, Java for a private broker) says so instead of passing.
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';

export interface ChaosContext {
  config: Config;
  logger: Logger;
  /** Smaller loads, for a smoke run. */
  quick: boolean;
  onProgress: (fraction: number, stage: string) => void;
}

export interface ChaosReport {
  scenario: string;
  /** What was done to TrendDrop, in a line. */
  fault: string;
  /** Set when the scenario could not run here, with why. */
  skipped?: string;
  /** Distinct events (or items) sent, acknowledged before the fault, and found stored at the end. */
  sent: number;
  acked: number;
  stored: number;
  /** Summed over products: stored short of what was sent, and beyond it. Both 0 when all is well. */
  lost: number;
  doubled: number;
  seconds: number;
  notes: string[];
  ok: boolean;
}

export interface ChaosScenario {
  name: string;
  run(ctx: ChaosContext): Promise<ChaosReport>;
}

/** Compares per-product counts: what went missing and what was counted more than once. */
export function tally(expected: Map<string, number>, stored: Map<string, number>): { stored: number; lost: number; doubled: number } {
  let total = 0, lost = 0, doubled = 0;
  for (const [id, want] of expected) {
    const got = stored.get(id) ?? 0;
    total += got;
    if (got < want) lost += want - got;
    if (got > want) doubled += got - want;
  }
  return { stored: total, lost, doubled };
}

export function skipped(scenario: string, fault: string, why: string): ChaosReport {
  return { scenario, fault, skipped: why, sent: 0, acked: 0, stored: 0, lost: 0, doubled: 0, seconds: 0, notes: [], ok: false };
}
