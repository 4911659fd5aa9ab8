// Each product's latest forecast head (processors/forecast-heads.ts: a row per generation with what
// the forecasts list shows and sorts by): the same columns as the latest generation read from the
// forecast, backtest and lifecycle rows (latest-forecasts.ts, with the list's lifecycle join), from
// one narrow row per product, so a page reads its own products' rows and the whole list reads a
// fraction of what those tables hold.
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { HeadAhead } from '../../processors/forecast-heads.js';
import type { Ahead } from '../schemas/forecasts.js';
import { relativeMaseSql } from './latest-forecasts.js';

/** The head columns of each ahead (an API ahead missing from the heads does not compile). */
const AHEAD_COLUMNS: Record<Ahead, HeadAhead> = { '1d': '1d', '1w': '1w' };

/** The condition that keeps a read to the products in {ids:Array(String)}, every table's first key column. */
export const ONLY_IDS = 'productId IN {ids:Array(String)}';

/**
 * One row per product with a head of {metric:String}: its latest generation; with `ahead`, only
 * where that reaches the bucket `ahead`, with its figures; with `ids`, of the products in
 * {ids:Array(String)} alone. The latest generation is taken before the `ahead` condition, as from
 * the rows: an older one that reached it does not stand in.
 */
export function latestHeadsSql(ahead: Ahead | null, opts: { ids: boolean }): string {
  const a = ahead && AHEAD_COLUMNS[ahead];
  return `
SELECT * FROM (
  SELECT productId, generatedAt AS g, model, granularity, base, start${a ? `, target${a} AS target, yhat${a} AS yhat, lo80_${a} AS lo80, hi80_${a} AS hi80` : ''},
    mase, coverage80, margin80, coverage95, margin95, points, origins, ${relativeMaseSql('mase', 'naiveMase')} AS relativeMase, stage, growth, peakAt, peakLo, peakHi
  FROM ${TABLES.forecastHeads}
  WHERE metric = {metric:String}${opts.ids ? ` AND ${ONLY_IDS}` : ''}
  ORDER BY productId, generatedAt DESC LIMIT 1 BY productId
)${a ? ' WHERE target IS NOT NULL' : ''}`;
}
