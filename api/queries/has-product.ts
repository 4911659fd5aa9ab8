// Whether ClickHouse knows a product (its metadata mirror): the 404 test of the per-product analytics.
import type { ClickHouseClient } from '@clickhouse/client';
import { NotFoundError } from '../../core/errors.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { rows } from './sql.js';

const SQL = `SELECT count() AS n FROM ${TABLES.products} WHERE productId = {id:String}`;

export async function hasProduct(ch: ClickHouseClient, id: string): Promise<boolean> {
  const [r] = await rows<{ n: number | string }>(ch, SQL, { id });
  return Number(r?.n ?? 0) > 0;
}

/** Throws NotFoundError (404) unless the product is known. */
export async function assertProduct(ch: ClickHouseClient, id: string): Promise<void> {
  if (!(await hasProduct(ch, id))) throw new NotFoundError('product', id);
}
