// The HTTP server: REST under /api/v1, the WebSocket gateway at /ws, Prometheus at /metrics,
// and the built dashboard at /. One error shape for every failure; 5xx never show internals.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import fastifySwagger from '@fastify/swagger';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import { RateLimitedError, TrendDropError, ValidationError } from '../core/errors.js';
import { INGEST_LIMITS } from '../ingest/accept.js';
import type { ApiContext } from './context.js';
import { writeAuth } from './auth.js';
import { bodyPending, clientErrorHandler, errorBody, errorReply, frameworkErrorReply } from './errors.js';
import { corsOptions, originGuard } from './origins.js';
import { writeRateLimit } from './rate-limit.js';
import { securityHeaders } from './security-headers.js';
import type { Gateway } from './ws/gateway.js';
import { MAX_CLIENT_MESSAGE_BYTES, wsConnection } from './ws/transport.js';
import { healthRoutes } from './routes/health.js';
import { ingestRoutes } from './routes/ingest.js';
import { overviewRoutes } from './routes/overview.js';
import { productRoutes } from './routes/products.js';
import { alertRoutes } from './routes/alerts.js';
import { correlationRoutes } from './routes/correlations.js';
import { exportRoutes } from './routes/export.js';
import { forecastRoutes } from './routes/forecast.js';
import { forecastListRoutes } from './routes/forecasts.js';
import { regionRoutes } from './routes/regions.js';
import { similarRoutes } from './routes/similar.js';
import { trendRoutes } from './routes/trends.js';
import { videoRoutes } from './routes/videos.js';
import { watchlistRoutes } from './routes/watchlists.js';
import { agentControlRoutes, agentReadRoutes } from './routes/agent.js';
import { DASHBOARD_DIR } from './dashboard-dir.js';
import { dashboardFiles } from './dashboard-files.js';

export const API_PREFIX = '/api/v1';

/**
 * Every role serves health, ready and metrics; the ingest role adds the write routes, the api
 * role the reads, the WebSocket gateway, OpenAPI and the dashboard (gateway given).
 */
export async function buildServer(ctx: ApiContext, roles: { ingest: boolean; api: Gateway | null }) {
  const gateway = roles.api;
  const headers = securityHeaders(gateway ? join(DASHBOARD_DIR, 'index.html') : null);
  const app = Fastify({
    loggerInstance: ctx.logger.child({ component: 'api' }),
    // Request lines would drown the pipeline's own logs; /metrics has the request figures.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: INGEST_LIMITS.bodyBytes,
    // A client dribbling its headers or body holds a socket only this long (Node's own
    // defaults: none for the body, 60 s for headers), checked every second.
    requestTimeout: ctx.config.requestTimeoutMs,
    http: { headersTimeout: ctx.config.headersTimeoutMs, connectionsCheckingInterval: 1000 },
    clientErrorHandler: clientErrorHandler(ctx.config),
    // Raised before routing, so before any hook: the security headers are added here.
    frameworkErrors: (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const r = frameworkErrorReply(err);
      if (r.internal) req.log.error({ err, url: req.url }, 'request failed');
      headers(req, reply, () => reply.status(r.status).send(r.body));
    },
    // Path parameters are ids of up to 128 characters, percent-encoded up to 12 bytes each.
    routerOptions: { maxParamLength: 1600 },
    // Requests during a stop get the 503 below, in the error shape, not Fastify's own.
    return503OnClosing: false,
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // First, so that every answer carries them, refusals by the hooks below included.
  app.addHook('onRequest', headers);

  // NDJSON bodies reach the ingest routes as strings, split there line by line. No text/plain,
  // form or multipart parser: a web page can send those cross-site without a CORS preflight.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(['application/x-ndjson', 'application/ndjson', 'application/jsonl'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  // Bodies are read as sent; a compressed one would only fail later as "not JSON".
  app.addHook('onRequest', async (req, reply) => {
    const encoding = req.headers['content-encoding'];
    if (encoding && encoding.toLowerCase() !== 'identity') {
      return reply.status(415).header('connection', 'close').send(errorBody('unsupported_media_type', `content-encoding ${encoding} is not supported; send the body uncompressed`, [{ field: 'content-encoding', reason: 'is not supported' }]));
    }
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'TrendDrop API', version: '1.0.0', description: 'Real-time product trend analytics. Errors: { error: { code, message, details: [{ index?, field, reason }] } }.' },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
    },
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_CLIENT_MESSAGE_BYTES } });

  // While stopping: new requests, and those whose queries a bounded stop cancelled, get 503.
  let closing = false;
  const shuttingDown = (reply: FastifyReply) => reply.status(503).header('retry-after', '5').header('connection', 'close')
    .send(errorBody('shutting_down', 'this TrendDrop process is shutting down; retry shortly'));
  app.addHook('preClose', async () => { closing = true; });
  app.addHook('onRequest', async (_req, reply) => { if (closing) return shuttingDown(reply); });

  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const r = errorReply(err);
    // Refused before its body was read (api/rate-limit.ts): close rather than drain it.
    if (err instanceof RateLimitedError && bodyPending(req)) reply.header('connection', 'close');
    if (r.internal) {
      if (closing) return shuttingDown(reply);
      req.log.error({ err, url: req.url, context: err instanceof TrendDropError ? err.context : undefined }, 'request failed');
    }
    return reply.status(r.status).headers(r.headers ?? {}).send(r.body);
  });

  // Ajv's string-to-number coercion turns '1e400' or 'Infinity' into Infinity and lets it past
  // minimum and maximum; no parameter of this API may be infinite.
  app.addHook('preHandler', async (req) => {
    const infinite = [req.params, req.query].flatMap((o) => Object.entries((o ?? {}) as Record<string, unknown>))
      .filter(([, v]) => typeof v === 'number' && !Number.isFinite(v))
      .map(([field]) => ({ field, reason: 'must be a finite number' }));
    if (infinite.length) throw new ValidationError('invalid request', infinite);
  });

  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.httpSeconds.observe({ route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  // Browsers: pages on other origins may not write or open a WebSocket unless allowed, and
  // only allowed ones get CORS headers (api/origins.ts).
  app.addHook('onRequest', originGuard(ctx.config.allowedOrigins));
  const cors = corsOptions(ctx.config.allowedOrigins);
  if (cors) await app.register(fastifyCors, cors);

  // Writes need a key when keys are configured (api/auth.ts); reads stay open for the dashboard.
  const auth = writeAuth(ctx.config.apiKeys);
  if (auth) app.addHook('onRequest', auth);
  // Per route, so after the hooks above: a client is counted once it is let in.
  if (ctx.config.writeRateLimit) await app.register(fastifyRateLimit, writeRateLimit(ctx.config.writeRateLimit, ctx.config.apiKeys));

  await app.register(async (api) => {
    await api.register(healthRoutes(ctx));
    // Everything else needs the stores: answer 503 (with Retry-After) while they start.
    await api.register(async (data) => {
      data.addHook('onRequest', async (_req, reply) => {
        if (!ctx.services) return reply.status(503).header('retry-after', '2').send(errorBody('not_ready', 'TrendDrop is starting; see /api/v1/ready'));
      });
      if (roles.ingest) {
        await data.register(ingestRoutes(ctx));
        await data.register(agentControlRoutes(ctx));
      }
      if (!gateway) return;
      await data.register(agentReadRoutes(ctx));
      await data.register(overviewRoutes(ctx));
      await data.register(productRoutes(ctx));
      await data.register(alertRoutes(ctx));
      for (const routes of [forecastRoutes, forecastListRoutes, similarRoutes, regionRoutes, videoRoutes, trendRoutes, correlationRoutes, watchlistRoutes, exportRoutes]) {
        await data.register(routes(ctx));
      }
    });
    api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }, { prefix: API_PREFIX });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });

  if (gateway) app.get('/ws', { websocket: true, schema: { hide: true } }, (socket) => gateway.attach(wsConnection(socket)));

  const files = dashboardFiles(DASHBOARD_DIR);
  if (gateway && existsSync(DASHBOARD_DIR)) {
    // The index page and the build's scripts and styles from memory (api/dashboard-files.ts);
    // anything else the build holds from disk.
    app.get('/', { schema: { hide: true } }, async (req, reply) => ((await files.index(req, reply)) ? reply : reply.sendFile('index.html')));
    app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (req, reply) => ((await files.asset(req, reply, req.params.file)) ? reply : reply.sendFile(`assets/${req.params.file}`)));
    // Hashed assets never change; the index page must be revalidated to pick up a new build.
    await app.register(fastifyStatic, {
      root: DASHBOARD_DIR, // looked up per request, so a rebuild is served without a restart
      preCompressed: true, // the build's .br and .gz copies (dashboard/vite.config.ts), to browsers that take them
      // The path is the file sent: a page's compressed copy is a page too (index.html.br was sent as immutable).
      setHeaders: (reply, path) => reply.header('cache-control', /\.html(\.br|\.gz)?$/.test(path) ? 'no-cache' : 'public, max-age=31536000, immutable'),
    });
  }
  // Deep links into the single-page app get its index page; a missing file (an asset of an
  // older build) or API path gets a 404, never the page in its place.
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    if (gateway && req.method === 'GET' && !path.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(path) && existsSync(join(DASHBOARD_DIR, 'index.html'))) {
      return files.index(req, reply).then((sent) => (sent ? reply : reply.status(404).send(errorBody('not_found', `no route ${req.method} ${path}`))));
    }
    return reply.status(404).send(errorBody('not_found', `no route ${req.method} ${req.url.split('?')[0]}`));
  });

  return app;
}
