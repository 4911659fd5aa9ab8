// The `chaos` phase of `trenddrop bench`: TrendDrop under the failures an operator and an
// attacker bring, each scenario a module of bench/chaos/ reporting what was sent, acknowledged
// and stored, and so what was lost or counted twice. Add a scenario by adding its module to
// SCENARIOS.
import type { Config } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { brokerRestart } from './chaos/broker-restart.js';
import { poisonPills } from './chaos/poison-pills.js';
import { postgresKill } from './chaos/postgres-kill.js';
import type { ChaosReport, ChaosScenario } from './chaos/scenario.js';
import { sigkill } from './chaos/sigkill.js';
import { num } from './format.js';

export const SCENARIOS: ChaosScenario[] = [sigkill, brokerRestart, postgresKill, poisonPills];

export interface ChaosBenchOptions {
  quick: boolean;
  /** Scenario names to run (default: all). */
  only?: string[];
  logger: Logger;
  onProgress?: (fraction: number, stage: string) => void;
}

export interface ChaosBenchResult { scenarios: ChaosReport[]; ok: boolean }

export async function runChaosBench(config: Config, o: ChaosBenchOptions): Promise<ChaosBenchResult> {
  const unknown = (o.only ?? []).filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length) throw new ConfigError('--scenarios', `names unknown scenarios ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  const chosen = o.only?.length ? SCENARIOS.filter((s) => o.only!.includes(s.name)) : SCENARIOS;
  const scenarios: ChaosReport[] = [];
  for (const [i, s] of chosen.entries()) {
    const progress = (f: number, stage: string) => o.onProgress?.((i + f) / chosen.length, `${s.name}: ${stage}`);
    progress(0, 'starting');
    try {
      scenarios.push(await s.run({ config, logger: o.logger, quick: o.quick, onProgress: progress }));
    } catch (err) {
      // A scenario that broke is a finding, not a crash of the bench: the rest still run.
      scenarios.push({ scenario: s.name, fault: 'the scenario itself failed', sent: 0, acked: 0, stored: 0, lost: 0, doubled: 0, seconds: 0, notes: [(err as Error).message.slice(0, 500)], ok: false });
    }
  }
  return { scenarios, ok: scenarios.every((s) => s.ok || s.skipped !== undefined) };
}

export function formatChaosBench(r: ChaosBenchResult): string[] {
  const lines = ['TrendDrop bench — chaos: faults under load, what was sent, acknowledged and stored'];
  for (const s of r.scenarios) {
    if (s.skipped) { lines.push(`  ${s.scenario.padEnd(15)} skipped: ${s.skipped}`); continue; }
    lines.push(`  ${s.scenario.padEnd(15)} ${s.ok ? 'ok  ' : 'FAIL'} sent ${num(s.sent)}, acked ${num(s.acked)}, stored ${num(s.stored)}, lost ${num(s.lost)}, doubled ${num(s.doubled)} (${s.seconds} s)`);
    lines.push(`  ${''.padEnd(15)} ${s.fault}`);
    for (const n of s.notes) lines.push(`  ${''.padEnd(15)}   ${n}`);
  }
  lines.push(`  ${r.ok ? 'nothing lost, nothing doubled' : 'SOMETHING WENT WRONG: see FAIL above'}`, '');
  return lines;
}
