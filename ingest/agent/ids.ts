// Ids derived from content, so that discovering or importing the same thing twice yields the same
// ids and the bus's idempotency (eventId) makes the repeat a no-op.
import { createHash } from 'node:crypto';

/** A short stable hash of any JSON-serialisable parts (order matters). */
export function stableHash(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}

export function slug(text: string, max = 40): string {
  return text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max).replace(/-+$/, '');
}

/** A readable product id that stays unique: `<prefix>-<slug of label>-<hash of key>`. */
export function productIdFor(prefix: string, key: unknown, label: string): string {
  const s = slug(label);
  return `${prefix}-${s ? `${s}-` : ''}${stableHash(prefix, key).slice(0, 10)}`;
}

export const eventIdFor = (...parts: unknown[]): string => `ag-${stableHash(...parts)}`;
