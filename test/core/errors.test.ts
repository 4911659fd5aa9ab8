// Which failures are the dependency's (retried until it returns) and which are the work's
// (retried a bounded number of times, then dead-lettered): the errors the real clients throw.
import { ClickHouseError } from '@clickhouse/client';
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { isTransient, rootMessage, StoreError, ValidationError } from '../../core/errors.js';
import { SERVER_URL } from '../helpers/postgres.js';

const sysError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code, errno: -111, syscall: 'connect' });
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

/** kafkajs's retrier giving up on an error it was not to retry: the error as its cause. */
const gaveUp = (e: Error) => Object.assign(new KafkaJSNonRetriableError(e), { cause: e });

describe('isTransient', () => {
  it.each([
    ['a StoreError', new StoreError('kafka', 'cannot reach brokers')],
    ['a refused connection', sysError('ECONNREFUSED')],
    ['a reset connection', sysError('ECONNRESET')],
    ['fetch failing on a refused connection', new TypeError('fetch failed', { cause: sysError('ECONNREFUSED') })],
    ['pg_terminate_backend', pgError('57P01', 'terminating connection due to administrator command')],
    ['a Postgres connection failure', pgError('08006', 'connection failure')],
    ['too many Postgres connections', pgError('53300', 'sorry, too many clients already')],
    ['a Postgres deadlock', pgError('40P01', 'deadlock detected')],
    ['node-postgres losing its socket', new Error('Connection terminated unexpectedly')],
    ['a database closed to connections', Object.assign(new Error('database "x" is not currently accepting connections'), { code: '55000', severity: 'FATAL' })],
    ['a ClickHouse timeout', new ClickHouseError({ message: 'Timeout exceeded', code: '159', type: 'TIMEOUT_EXCEEDED' })],
    ['too many parts while merges catch up', new ClickHouseError({ message: 'Too many parts (3001). Merges are processing significantly slower than inserts', code: '252', type: 'TOO_MANY_PARTS' })],
    ['ClickHouse out of memory', new ClickHouseError({ message: 'Memory limit exceeded', code: '241', type: 'MEMORY_LIMIT_EXCEEDED' })],
    ['a lost Kafka connection', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')],
    ['Kafka retries exhausted on a lost connection', new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection timeout'), { retryCount: 5, retryTime: 3000 })],
    // What a producer's send throws while the broker is down (seen on a stopped broker).
    ['Kafka giving up on a refused connection', gaveUp(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'))],
    ['a wrapped cause', new Error('write failed', { cause: sysError('EPIPE') })],
  ])('%s is transient', (_what, err) => {
    expect(isTransient(err)).toBe(true);
  });

  it.each([
    ['a plain Error', new Error('cannot store seq 7')],
    ['a validation error', new ValidationError('bad', [])],
    ['ClickHouse refusing a value', new ClickHouseError({ message: 'Cannot read DateTime', code: '41', type: 'CANNOT_PARSE_DATETIME' })],
    ['too many partitions in one insert', new ClickHouseError({ message: 'Too many partitions for single INSERT block (more than 100)', code: '252', type: 'TOO_MANY_PARTS' })],
    ['Postgres refusing a NUL byte', pgError('22021', 'invalid byte sequence for encoding "UTF8": 0x00')],
    ['a Postgres constraint', pgError('23505', 'duplicate key value violates unique constraint')],
    ['a message too large for the broker', new KafkaJSProtocolError({ message: 'The request included a message larger than the max message size the server will accept', type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false } as never)],
    ['Kafka retries exhausted on a refusal', new KafkaJSNumberOfRetriesExceeded(new KafkaJSProtocolError({ message: 'too large', type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false } as never), { retryCount: 5, retryTime: 3000 })],
    ['Kafka giving up on a refusal', gaveUp(new KafkaJSProtocolError({ message: 'too large', type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false } as never))],
    ['a TypeError from a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['not an error at all', 'boom'],
  ])('%s is not transient', (_what, err) => {
    expect(isTransient(err)).toBe(false);
  });

  it('classes what the real Postgres server says when a backend is terminated', async () => {
    const victim = new pg.Client({ connectionString: SERVER_URL });
    await victim.connect();
    const lost = new Promise<unknown>((resolve) => victim.on('error', resolve));
    const admin = new pg.Client({ connectionString: SERVER_URL });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [(victim as unknown as { processID: number }).processID]);
      expect(isTransient(await lost)).toBe(true);
      expect(isTransient(await victim.query('SELECT 1').catch((e: unknown) => e))).toBe(true);
    } finally {
      await admin.end();
      await victim.end().catch(() => undefined);
    }
  });
});

describe('rootMessage', () => {
  it('is the innermost cause, without the statement and data a wrapper repeats', () => {
    const pgErr = Object.assign(new Error('database "x" is not currently accepting connections'), { code: '55000' });
    const wrapped = new Error('Failed query: insert into "products" ... \nparams: p-1,Lamp', { cause: pgErr });
    expect(rootMessage(wrapped)).toBe('database "x" is not currently accepting connections');
    expect(rootMessage(new Error('plain'))).toBe('plain');
    expect(rootMessage('text')).toBe('text');
  });
});
