// The discovery agent: its status and recent runs, and (where the agent runs: the ingest
// role) manual runs, pause and resume, per source or for all.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { ConflictError } from '../../core/errors.js';
import type { ApiContext, Services } from '../context.js';

const Body = Type.Object({ source: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'One source by name; all when absent' })) });

function agentOf(s: Services) {
  if (!s.agent) throw new ConflictError('agent_elsewhere', 'the discovery agent runs in the ingest role; send this to an ingest process');
  return s.agent;
}

export const agentReadRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/agent', { schema: { tags: ['agent'], summary: 'Agent status, its sources and recent runs' } }, async () => ctx.services!.agentStatus());
};

export const agentControlRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const security = ctx.config.apiKeys.length ? [{ apiKey: [] }] : [];
  app.post('/agent/runs', { schema: { tags: ['agent'], summary: 'Run sources now; answers when the runs have finished', body: Body, security } }, async (req, reply) => {
    const { source } = (req.body ?? {}) as { source?: string };
    return reply.status(202).send({ runs: await agentOf(ctx.services!).trigger(source) });
  });
  app.post('/agent/pause', { schema: { tags: ['agent'], summary: 'Pause scheduled runs', body: Body, security } }, async (req) => agentOf(ctx.services!).pause((req.body as { source?: string } | undefined)?.source));
  app.post('/agent/resume', { schema: { tags: ['agent'], summary: 'Resume scheduled runs', body: Body, security } }, async (req) => agentOf(ctx.services!).resume((req.body as { source?: string } | undefined)?.source));
};
