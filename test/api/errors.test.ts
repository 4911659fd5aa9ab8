// Which reply each kind of error gets: the caller's mistakes a 4xx naming the field, a backing
// service that is down a 503 with Retry-After, anything else a 500 that shows nothing inside.
import { describe, expect, it } from 'vitest';
import type { FastifyError } from 'fastify';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { NotFoundError, StoreError, ValidationError } from '../../core/errors.js';
import { errorReply, frameworkErrorReply } from '../../api/errors.js';

const fastify = (code: string, statusCode = 400) => Object.assign(new Error(code), { code, statusCode }) as FastifyError;
const as = (e: Error) => e as FastifyError;

describe('errorReply', () => {
  it('answers the caller\'s mistakes with a 4xx naming what is wrong', () => {
    expect(errorReply(as(new ValidationError('bad', [{ field: 'ts', reason: 'is not a date' }])))).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', details: [{ field: 'ts' }] } } });
    expect(errorReply(as(new NotFoundError('product', 'p-1')))).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(errorReply(fastify('FST_ERR_CTP_INVALID_JSON_BODY'))).toMatchObject({ status: 400, body: { error: { code: 'invalid_body', details: [{ field: 'body' }] } } });
    expect(errorReply(fastify('FST_ERR_CTP_EMPTY_JSON_BODY'))).toMatchObject({ status: 400, body: { error: { code: 'invalid_body' } } });
    expect(errorReply(fastify('FST_ERR_CTP_BODY_TOO_LARGE', 413))).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    expect(errorReply(fastify('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415))).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
    expect(frameworkErrorReply(fastify('FST_ERR_BAD_URL'))).toMatchObject({ status: 400, body: { error: { code: 'bad_url', details: [{ field: 'url' }] } } });
    expect(frameworkErrorReply(fastify('FST_ERR_MAX_PARAM_LENGTH', 414))).toMatchObject({ status: 414 });
  });

  it('answers a broker or store that is down with 503 and Retry-After (a POST while Kafka was away got 500)', () => {
    const lost = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    for (const err of [new KafkaJSNumberOfRetriesExceeded(lost, { retryCount: 8, retryTime: 3000 }), lost, new StoreError('clickhouse', 'unreachable')]) {
      const r = errorReply(as(err));
      expect(r).toMatchObject({ status: 503, internal: true, headers: { 'retry-after': expect.any(String) }, body: { error: { code: 'unavailable' } } });
    }
  });

  it('answers anything else with a 500 that shows nothing of it', () => {
    const tooLarge = new KafkaJSProtocolError({ message: 'The request included a message larger than the max message size the server will accept', type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false } as unknown as Error);
    for (const err of [new Error('secret internals at /srv/x.ts:12'), new TypeError('x is undefined'), tooLarge]) {
      const r = errorReply(as(err));
      expect(r).toMatchObject({ status: 500, internal: true, body: { error: { code: 'internal_error', message: 'the server could not complete the request', details: [] } } });
      expect(JSON.stringify(r.body)).not.toMatch(/secret|undefined|larger/);
    }
  });
});
