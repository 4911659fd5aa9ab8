// Each product's latest metadata, score and lifecycle stage, in memory in the API process: the
// explorer filters, sorts and pages it, and the overview takes its score figures, categories and
// top products from it in one pass, instead of re-reading every product's latest rows per request.
// Loaded from ClickHouse at start; kept current by the updates topic (the metadata processor, the
// scorer and the forecaster announce the products they wrote; the raw sink's engagement names
// products first seen in events), each announced product re-read from the store: the index holds
// what the store holds, whichever process wrote it.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Bus, Subscription } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import type { Logger } from '../core/logger.js';
import type { Update } from '../schemas/updates.js';
import type { ProductPage } from './schemas/products.js';
import {
  afterCursor, compareStrings, LIST_PRODUCT_COLUMNS, LIST_SCORE_COLUMNS, latestLifecycleSql, listPlan, listRowOf, productPage, rowOrder,
  type ListProductsParams, type ListRow, type ProductMeta, type ProductScore, type ProductStage,
} from './queries/list-products.js';
import { latestProductsSql, latestScoresSql, rows } from './queries/sql.js';

export interface ProductIndexDeps {
  ch: ClickHouseClient;
  bus: Bus;
  topics: Topics;
  logger: Logger;
  /** Called after the index changed, so that answers cached from it are recomputed. */
  onChange: () => void;
}

const TRENDING = new Set(['emerging', 'rising']);
/** Past this many products announced at once (a scorer round), a part is re-read whole. */
const WHOLE = 20_000;
const RETRY_MS = 1000;

interface Entry { meta: ProductMeta | null; score: ProductScore | null; stage: ProductStage | null; row: ListRow | null }
type Part = 'meta' | 'score' | 'stage';

/** Per category: products, and the sum and count of their latest scores. */
export interface CategoryScores { category: string; products: number; scoreSum: number; scored: number }
/** The overview's figures over every product's latest score. */
export interface IndexFigures { products: number; trending: number; avgTrendScore: number; categories: CategoryScores[] }
/** A product among the highest scores, its metadata empty where it has none (as SQL's LEFT JOIN gives it). */
export interface IndexTopProduct { productId: string; title: string; category: string; imageUrl: string; score: number; label: string; velocity: number }

export interface ProductIndex {
  /** The explorer's page. */
  list(q: ListProductsParams, nowMs: number): Promise<ProductPage>;
  /** The overview's figures (computed once per change of the index). */
  overview(): Promise<IndexFigures>;
  /** The `limit` highest latest scores, ties by id. */
  top(limit: number): Promise<IndexTopProduct[]>;
  /** Each product's category, null for a product without metadata (which SQL's INNER JOIN would leave out). */
  categoriesOf(ids: readonly string[]): Promise<(string | null)[]>;
  /** Each product's latest metadata, null for a product without (where SQL's LEFT JOIN gives NULLs). */
  metaOf(ids: readonly string[]): Promise<(ProductMeta | null)[]>;
  /** Changes whenever a product's category does (or a product gains or loses its metadata): sums kept per category are valid for one version. */
  categoryVersion(): Promise<number>;
  stop(): Promise<void>;
}

const IDS = 'productId IN {ids:Array(String)}';
const READS: Record<Part, (where: string) => string> = {
  meta: (w) => latestProductsSql(LIST_PRODUCT_COLUMNS, w ? `WHERE ${w}` : '', { lastUpdate: true }),
  score: (w) => latestScoresSql({ columns: LIST_SCORE_COLUMNS, where: w ? `WHERE ${w}` : '' }),
  stage: (w) => latestLifecycleSql(w),
};
const parse: Record<Part, (r: never) => unknown> = {
  meta: (r: ProductMeta) => ({ ...r, price: r.price === null ? null : Number(r.price) }),
  score: (r: ProductScore) => ({ productId: r.productId, score: Number(r.score), label: r.label, velocity: Number(r.velocity), acceleration: Number(r.acceleration), views24h: Number(r.views24h), orders24h: Number(r.orders24h) }),
  stage: (r: ProductStage) => ({ productId: r.productId, stage: r.stage, peakAt: r.peakAt }),
};

/** The k smallest of the items that pass `keep`, by `cmp`, in order: a bounded max-heap, one pass. */
function smallest<T>(items: readonly T[], keep: (x: T) => boolean, k: number, cmp: (a: T, b: T) => number): T[] {
  const h: T[] = [];
  if (k <= 0) return h;
  for (let n = 0; n < items.length; n++) {
    const x = items[n];
    if (h.length === k && cmp(x, h[0]) >= 0) continue;
    if (!keep(x)) continue;
    if (h.length < k) {
      h.push(x);
      for (let i = h.length - 1; i > 0;) { const p = (i - 1) >> 1; if (cmp(h[i], h[p]) <= 0) break; const t = h[i]; h[i] = h[p]; h[p] = t; i = p; }
      continue;
    }
    h[0] = x;
    for (let i = 0; ;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && cmp(h[l], h[m]) > 0) m = l;
      if (r < h.length && cmp(h[r], h[m]) > 0) m = r;
      if (m === i) break;
      const t = h[i]; h[i] = h[m]; h[m] = t; i = m;
    }
  }
  return h.sort(cmp);
}

export async function startProductIndex(d: ProductIndexDeps): Promise<ProductIndex> {
  const log = d.logger.child({ component: 'product-index' });
  const entries = new Map<string, Entry>();
  const pending: Record<Part, Set<string>> = { meta: new Set(), score: new Set(), stage: new Set() };
  let applying: Promise<void> = Promise.resolve();
  let loaded = false;
  let queued = false;
  let retry: NodeJS.Timeout | null = null;
  let stopped = false;
  let figures: IndexFigures | null = null;
  let categoryVersion = 0;
  // The explorer's rows and the scored products as arrays (scanned faster than the map), rebuilt after a change.
  let arrays: { rows: ListRow[]; scored: (Entry & { score: ProductScore })[] } | null = null;
  const views = () => {
    if (arrays) return arrays;
    const rows: ListRow[] = [], scored: (Entry & { score: ProductScore })[] = [];
    for (const e of entries.values()) {
      if (e.row) rows.push(e.row);
      if (e.score) scored.push(e as Entry & { score: ProductScore });
    }
    return (arrays = { rows, scored });
  };

  // The highest scores by limit: the overview asks for the same ten at every refresh.
  let tops = new Map<number, IndexTopProduct[]>();
  /** Drops what was computed from the index before it changed. */
  const forget = () => { figures = null; arrays = null; tops = new Map(); };

  const entry = (id: string) => {
    let e = entries.get(id);
    if (!e) entries.set(id, (e = { meta: null, score: null, stage: null, row: null }));
    return e;
  };
  /** Reads a part for the given products (all when null) and puts it in place. */
  async function read(part: Part, ids: string[] | null): Promise<void> {
    const found = await rows<never>(d.ch, READS[part](ids ? IDS : ''), ids ? { ids } : {});
    const categoryOf = (id: string) => entries.get(id)?.meta?.category ?? null;
    const before = part === 'meta' ? new Map([...(ids ?? entries.keys())].map((id) => [id, categoryOf(id)])) : null;
    const seen = new Set<string>();
    for (const raw of found) {
      const v = parse[part](raw) as Entry[Part] & { productId: string };
      seen.add(v.productId);
      (entry(v.productId)[part] as unknown) = v;
    }
    // A product the read did not return has no such row (any more).
    for (const id of ids ?? entries.keys()) if (!seen.has(id) && entries.has(id)) entries.get(id)![part] = null;
    for (const id of ids ?? entries.keys()) {
      const e = entries.get(id);
      if (!e) continue;
      e.row = e.meta && listRowOf(e.meta, e.score, e.stage);
      if (!e.meta && !e.score && !e.stage) entries.delete(id);
    }
    if (before && ([...seen].some((id) => !before.has(id)) || [...before].some(([id, c]) => categoryOf(id) !== c))) categoryVersion++;
  }
  /** Applies what is announced, one read at a time, so a later read of a product always lands last. */
  function apply(): Promise<void> {
    // One read queued at a time takes everything announced until it starts (a scorer round announces in many messages).
    if (queued || stopped) return applying;
    queued = true;
    applying = applying.then(async () => {
      queued = false;
      let changed = false;
      for (const part of ['meta', 'score', 'stage'] as const) {
        if (!pending[part].size) continue;
        const ids = [...pending[part]];
        pending[part].clear();
        try {
          await read(part, ids.length > WHOLE ? null : ids);
          changed = true;
        } catch (err) {
          // Kept for the next attempt: the store answers again, or the process is stopping.
          for (const id of ids) pending[part].add(id);
          log.warn({ err, part, products: ids.length }, 'product index read failed; retrying');
          retry ??= setTimeout(() => { retry = null; void apply(); }, RETRY_MS);
          retry.unref();
        }
      }
      if (changed) { forget(); d.onChange(); }
    });
    return applying;
  }

  // Subscribed before the first read, so nothing written meanwhile is missed.
  const sub: Subscription = await d.bus.subscribe({
    groupId: 'trenddrop-api-product-index', topics: [d.topics.updates], ephemeral: true,
    handler: async (batch) => {
      let any = false;
      for (const m of batch) {
        const u = m.value as Update;
        // The raw sink writes a placeholder for a product first seen in events: its stored update names it.
        const ids = u.kind === 'products' || u.kind === 'lifecycle' ? u.productIds : u.kind === 'scores' ? u.items.map((i) => i.productId)
          : u.kind === 'engagement-stored' ? u.newProducts.filter((id) => !entries.get(id)?.meta) : [];
        const part: Part | null = u.kind === 'products' || u.kind === 'engagement-stored' ? 'meta' : u.kind === 'scores' ? 'score' : u.kind === 'lifecycle' ? 'stage' : null;
        if (!part || !ids.length) continue;
        for (const id of ids) pending[part].add(id);
        any = true;
      }
      // Until the first read is in, what is announced waits for it (a read started later sees newer rows).
      if (any && loaded) void apply();
    },
  });
  await sub.ready;
  const t0 = performance.now();
  await Promise.all((['meta', 'score', 'stage'] as const).map((p) => read(p, null)));
  log.info({ products: entries.size, ms: Math.round(performance.now() - t0) }, 'product index loaded');
  loaded = true;
  forget();
  d.onChange();
  void apply();

  return {
    // Each read waits for the updates received before it: a write announced before a request is in its answer.
    async list(q, nowMs) {
      await applying;
      const plan = listPlan(q, nowMs);
      const active = plan.active && new Set((await rows<{ productId: string }>(d.ch, plan.active.sql, plan.active.params)).map((r) => r.productId));
      const after = afterCursor(plan);
      const tests = plan.filters.map((f) => f.test);
      const keep = (r: ListRow) => (!active || active.has(r.productId)) && (!after || after(r)) && tests.every((t) => t(r));
      return productPage(smallest(views().rows, keep, plan.limit + 1, rowOrder(plan)), plan);
    },
    async overview() {
      await applying;
      if (figures) return figures;
      let products = 0, scored = 0, trending = 0, sum = 0;
      const categories = new Map<string, CategoryScores>();
      for (const e of entries.values()) {
        if (e.score) { scored++; sum += e.score.score; if (TRENDING.has(e.score.label)) trending++; }
        if (!e.meta) continue;
        products++;
        let c = categories.get(e.meta.category);
        if (!c) categories.set(e.meta.category, (c = { category: e.meta.category, products: 0, scoreSum: 0, scored: 0 }));
        c.products++;
        if (e.score) { c.scoreSum += e.score.score; c.scored++; }
      }
      return (figures = { products, trending, avgTrendScore: scored ? sum / scored : 0, categories: [...categories.values()] });
    },
    async top(limit) {
      await applying;
      let found = tops.get(limit);
      if (!found) {
        found = smallest(views().scored, () => true, limit, (a, b) => b.score.score - a.score.score || compareStrings(a.score.productId, b.score.productId))
          .map(({ meta, score: s }) => ({ productId: s.productId, title: meta?.title ?? '', category: meta?.category ?? '', imageUrl: meta?.imageUrl ?? '', score: s.score, label: s.label, velocity: s.velocity }));
        tops.set(limit, found);
      }
      return found;
    },
    async categoriesOf(ids) {
      await applying;
      return ids.map((id) => entries.get(id)?.meta?.category ?? null);
    },
    async metaOf(ids) {
      await applying;
      return ids.map((id) => entries.get(id)?.meta ?? null);
    },
    async categoryVersion() {
      await applying;
      return categoryVersion;
    },
    async stop() {
      await sub.close();
      await applying;
      stopped = true;
      if (retry) clearTimeout(retry);
    },
  };
}
