// The discovery agent's control routes (its status is api/schemas/overview.ts's AgentStatus).
import Type from 'typebox';

export const AgentControlBody = Type.Object({ source: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'One source by name; all when absent' })) });

/** A run record as the agent keeps it (ingest/agent/types.ts); open, so new fields pass through. */
const Run = Type.Object({
  id: Type.String(), source: Type.String(), trigger: Type.String(), status: Type.String(), startedAt: Type.String(), endedAt: Type.Union([Type.String(), Type.Null()]),
}, { additionalProperties: true });
export const AgentRuns = Type.Object({ runs: Type.Array(Run) });
export const AgentScheduler = Type.Object({}, { additionalProperties: true, description: 'The agent\'s scheduler state after the change' });
