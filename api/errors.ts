// The one error shape every failure answers with: { error: { code, message, details } }, also
// for the errors Node's HTTP parser raises before a request reaches a route.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

export interface ErrorDetail { index?: number; field: string; reason: string }
export interface ErrorBody { error: { code: string; message: string; details: ErrorDetail[] } }

export function errorBody(code: string, message: string, details: ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details } };
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
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    }
    socket.destroy();
  };
}
