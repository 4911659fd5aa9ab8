// The discovery agent: its status and recent runs, and (where the agent runs: the ingest
// role) manual runs, pause and resume, per source or for all.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ConflictError } from '../../core/errors.js';
import type { ApiContext, Services } from '../context.js';
import { AgentControlBody, AgentRuns, AgentScheduler } from '../schemas/agent.js';
import { errors, writeErrors } from '../schemas/common.js';
import { AgentStatus } from '../schemas/overview.js';

function agentOf(s: Services) {
  if (!s.agent) throw new ConflictError('agent_elsewhere', 'the discovery agent runs in the ingest role; send this to an ingest process');
  return s.agent;
}

export const agentReadRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/agent', { schema: { tags: ['agent'], summary: 'Agent status, its sources and recent runs', response: { 200: AgentStatus, ...errors() } } }, async () => ctx.services!.agentStatus());
};

export const agentControlRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const security = ctx.config.apiKeys.length ? [{ apiKey: [] }] : [];
  const schema = { tags: ['agent'], body: AgentControlBody, security };
  app.post('/agent/runs', { schema: { ...schema, summary: 'Run sources now; answers when the runs have finished', response: { 202: AgentRuns, ...writeErrors(409) } } }, async (req, reply) => {
    return reply.status(202).send({ runs: await agentOf(ctx.services!).trigger(req.body?.source) });
  });
  app.post('/agent/pause', { schema: { ...schema, summary: 'Pause scheduled runs', response: { 200: AgentScheduler, ...writeErrors(409) } } }, async (req) => agentOf(ctx.services!).pause(req.body?.source));
  app.post('/agent/resume', { schema: { ...schema, summary: 'Resume scheduled runs', response: { 200: AgentScheduler, ...writeErrors(409) } } }, async (req) => agentOf(ctx.services!).resume(req.body?.source));
};
