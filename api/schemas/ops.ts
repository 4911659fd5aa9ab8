// health and ready. Component states are described, not fixed: each store and bus reports its own.
import Type from 'typebox';

export const Health = Type.Object({ status: Type.Enum(['ok', 'starting'] as const), uptimeSec: Type.Integer() }, { additionalProperties: true });
export const Ready = Type.Object({
  ready: Type.Boolean(),
  components: Type.Record(Type.String(), Type.Unknown(), { description: 'State of each dependency (bus, ClickHouse, Postgres, …)' }),
}, { additionalProperties: true });
