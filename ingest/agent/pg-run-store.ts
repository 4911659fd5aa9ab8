// The agent's run history in Postgres (agent_runs): a run is saved when it starts and again,
// by the same id, when it ends.
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../core/stores/postgres.js';
import { agentRuns } from '../../schemas/postgres/schema.js';
import type { RunRecord, RunStore } from './types.js';

export class PgRunStore implements RunStore {
  constructor(private readonly db: Db) {}

  async save(run: RunRecord): Promise<void> {
    const row = {
      runId: run.id, source: run.source, trigger: run.trigger, status: run.status,
      startedAt: new Date(run.startedAt), endedAt: run.endedAt ? new Date(run.endedAt) : null,
      itemsFound: run.itemsFound, newProducts: run.newProducts, productsSent: run.productsSent,
      eventsSent: run.eventsSent, videosSent: run.videosSent, changes: run.changes as Record<string, number>, errors: run.errors,
    };
    await this.db.insert(agentRuns).values(row).onConflictDoUpdate({
      target: agentRuns.runId,
      set: {
        status: sql`excluded.status`, endedAt: sql`excluded.ended_at`, itemsFound: sql`excluded.items_found`, newProducts: sql`excluded.new_products`,
        productsSent: sql`excluded.products_sent`, eventsSent: sql`excluded.events_sent`, videosSent: sql`excluded.videos_sent`,
        changes: sql`excluded.changes`, errors: sql`excluded.errors`,
      },
    });
  }

  async recent(opts: { limit?: number; source?: string } = {}): Promise<RunRecord[]> {
    const rows = await this.db.select().from(agentRuns)
      .where(opts.source ? eq(agentRuns.source, opts.source) : undefined)
      .orderBy(desc(agentRuns.startedAt)).limit(opts.limit ?? 20);
    return rows.map((r) => ({
      id: r.runId, source: r.source, trigger: r.trigger as RunRecord['trigger'], status: r.status as RunRecord['status'],
      startedAt: r.startedAt.toISOString(), endedAt: r.endedAt?.toISOString() ?? null, itemsFound: r.itemsFound,
      newProducts: r.newProducts, productsSent: r.productsSent, eventsSent: r.eventsSent, videosSent: r.videosSent,
      changes: r.changes, errors: r.errors,
    }));
  }
}
