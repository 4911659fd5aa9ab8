// The one error shape every failure answers with: { error: { code, message, details } }, a
// 4xx for the caller's mistakes and a 5xx only for the server's own, whose internals are never
// shown. Also for what never reaches a route: unparsable URLs and requests the HTTP parser refuses.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyRequest } from 'fastify';
import { ConflictError, NotFoundError, RateLimitedError, ValidationError, isTransient } from '../core/errors.js';
import { INGEST_LIMITS } from '../ingest/accept.js';
import { RAW_REPLY_HEADERS } from './security-headers.js';

export interface ErrorDetail { index?: number; field: string; reason: string }
export interface ErrorBody { error: { code: string; message: string; details: ErrorDetail[] } }

export function errorBody(code: string, message: string, details: ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details } };
}

export interface ErrorReply { status: number; body: ErrorBody; headers?: Record<string, string> }

/**
 * Whether the request announced a body that a refusal before parsing leaves unread: such a
 * refusal closes the connection rather than drain what the client still sends.
 */
export const bodyPending = (req: FastifyRequest) =>
  req.headers['content-length'] !== '0' && Boolean(req.headers['content-length'] || req.headers['transfer-encoding']);

/** Body media types the write routes read. */
export const BODY_TYPES = 'application/json, or NDJSON as application/x-ndjson';

/** What to answer for an error a route or Fastify raised; `internal` ones are logged by the caller. */
export function errorReply(err: FastifyError): ErrorReply & { internal?: true } {
  if (err instanceof ValidationError) return { status: err.status, body: errorBody(err.code, err.message, err.details) };
  if (err instanceof NotFoundError) return { status: 404, body: errorBody(err.code, err.message) };
  if (err instanceof ConflictError) return { status: 409, body: errorBody(err.code, err.message) };
  if (err instanceof RateLimitedError) {
    return { status: 429, headers: { 'retry-after': String(err.retryAfterSec) }, body: errorBody(err.code, err.message, [{ field: 'rate', reason: `at most ${err.limit} writes per ${err.windowMs / 1000} s per client` }]) };
  }
  if (err.validation) {
    const details = err.validation.map((v) => {
      const missing = (v.params as { missingProperty?: string }).missingProperty;
      const field = missing ?? v.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return { field: field || String(err.validationContext ?? ''), reason: missing ? 'is required' : v.message ?? 'is invalid' };
    });
    return { status: 400, body: errorBody('invalid_request', `invalid ${err.validationContext ?? 'request'}`, details) };
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: errorBody('payload_too_large', `body is larger than ${INGEST_LIMITS.bodyBytes} bytes`, [{ field: 'body', reason: 'too large' }]) };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: errorBody('unsupported_media_type', `send ${BODY_TYPES}`, [{ field: 'content-type', reason: 'is not supported' }]) };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: errorBody('invalid_body', 'the body is empty', [{ field: 'body', reason: 'is empty' }]) };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: errorBody('invalid_body', 'the body is not valid JSON', [{ field: 'body', reason: 'is not valid JSON' }]) };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, body: errorBody('invalid_body', 'the body is not as long as content-length says', [{ field: 'content-length', reason: 'does not match the body' }]) };
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return { status: err.statusCode, body: errorBody('bad_request', err.message) };
  // The broker or a store is down (e.g. a POST while Kafka is away): the caller should retry.
  const unavailable = isTransient(err);
  return {
    status: unavailable ? 503 : 500, internal: true,
    headers: unavailable ? { 'retry-after': '5' } : undefined,
    body: unavailable ? errorBody('unavailable', 'a backing service is unavailable; retry shortly') : errorBody('internal_error', 'the server could not complete the request'),
  };
}

/** Fastify's errors before routing: a URL that is not valid percent-encoding, a path parameter past maxParamLength. */
export function frameworkErrorReply(err: FastifyError): ErrorReply & { internal?: true } {
  if (err.code === 'FST_ERR_BAD_URL') return { status: 400, body: errorBody('bad_url', 'the URL is not valid percent-encoded UTF-8', [{ field: 'url', reason: 'malformed percent-encoding' }]) };
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return { status: 414, body: errorBody('uri_too_long', 'a path segment of the URL is too long', [{ field: 'url', reason: 'path segment too long' }]) };
  return { status: 500, internal: true, body: errorBody('internal_error', 'the server could not complete the request') };
}

/**
 * Answers what the parser refuses (too slow, headers too large, malformed) on the raw socket,
 * then closes it: the request never became one Fastify could reply to.
 */
export function clientErrorHandler(limits: { requestTimeoutMs: number; headersTimeoutMs: number }) {
  return (err: Error & { code?: string }, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, body] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, errorBody('request_timeout', `the request was not received in time: headers within ${limits.headersTimeoutMs} ms, the whole request within ${limits.requestTimeoutMs} ms`)]
      : err.code === 'HPE_HEADER_OVERFLOW' ? [431, errorBody('headers_too_large', 'the request line and headers exceed 16 KiB', [{ field: 'headers', reason: 'too large' }])]
      : [400, errorBody('bad_request', 'malformed HTTP request', [{ field: 'request', reason: err.code ?? 'unparsable' }])] as const;
    const text = JSON.stringify(body);
    if (socket.writable) {
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\n${RAW_REPLY_HEADERS}connection: close\r\n\r\n${text}`);
    }
    socket.destroy();
  };
}
