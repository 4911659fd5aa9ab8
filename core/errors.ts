// Typed errors. Each carries a stable code and the context a caller or a log reader needs.
import type { FieldError } from '../schemas/validate.js';

export class TrendDropError extends Error {
  constructor(readonly code: string, message: string, readonly context: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The caller sent something we refuse; `details` names each field at fault. */
export class ValidationError extends TrendDropError {
  constructor(message: string, readonly details: (FieldError & { index?: number })[], readonly status = 400) {
    super('invalid_request', message, { details });
  }
}

export class NotFoundError extends TrendDropError {
  constructor(what: string, id: string) {
    super('not_found', `${what} ${id} not found`, { what, id });
  }
}

/** The request is valid but cannot be done here or now (e.g. sent to the wrong role). */
export class ConflictError extends TrendDropError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

export class ConfigError extends TrendDropError {
  constructor(variable: string, reason: string) {
    super('bad_config', `${variable} ${reason}`, { variable });
  }
}

/** A backing service (Kafka, ClickHouse, Postgres) could not be reached or answered wrongly. */
export class StoreError extends TrendDropError {
  constructor(store: string, message: string, cause?: unknown) {
    super('store_unavailable', `${store}: ${message}`, { store }, { cause });
  }
}
