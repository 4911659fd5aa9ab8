// GET export/products.csv: the explorer's products as CSV, streamed page by page.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ApiContext } from '../context.js';
import { listProducts } from '../queries/list-products.js';
import { errors } from '../schemas/common.js';
import { ExportQuery, LIST_LIMIT } from '../schemas/products.js';

const EXPORT = { maxRows: 100_000 };
const CSV_COLUMNS = ['productId', 'title', 'category', 'brand', 'price', 'currency', 'score', 'label', 'velocity', 'acceleration', 'views24h', 'orders24h', 'updatedAt'] as const;

/** One CSV cell: quoted when needed; text that a spreadsheet would run as a formula is defused. */
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const exportRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/export/products.csv', {
    schema: { tags: ['products'], querystring: ExportQuery, response: { 200: Type.Unsafe<unknown>({ type: 'string', description: 'CSV: a header line, then one line per product' }), ...errors() }, summary: `The explorer's products as CSV: the filters and sort of GET /products, at most ${EXPORT.maxRows} rows`, produces: ['text/csv'] },
  }, async (req, reply) => {
    const q = req.query;
    const s = ctx.services!;
    const page = (cursor?: string) => listProducts(s, s.clock.now(), { ...q, limit: LIST_LIMIT.max, cursor });
    // The first page is read before any byte is sent, so a bad filter still gets its 400.
    const first = await page();
    async function* lines() {
      yield CSV_COLUMNS.join(',') + '\n';
      let current = first;
      let sent = 0;
      for (;;) {
        const items = current.items.slice(0, EXPORT.maxRows - sent);
        sent += items.length;
        yield items.map((p) => CSV_COLUMNS.map((c) => csvCell(p[c])).join(',') + '\n').join('');
        if (!current.nextCursor || sent >= EXPORT.maxRows) return;
        current = await page(current.nextCursor);
      }
    }
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="trenddrop-products.csv"')
      .send(Readable.from(lines()));
  });
};
