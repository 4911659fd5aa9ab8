// Explorer filters live in the URL (shareable, back-button friendly); this maps query <-> filters.
import { computed } from 'vue';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';
import { isStage } from './format';
import type { ProductFilters } from './types';

const TEXT = ['q', 'category', 'region', 'platform', 'label', 'sort'] as const;
const NUM = ['minScore', 'maxScore', 'minPrice', 'maxPrice'] as const;
export const DEFAULT_SORT = '-score';

export function parseFilters(query: LocationQuery): ProductFilters {
  const f: ProductFilters = {};
  for (const k of TEXT) { const v = query[k]; if (typeof v === 'string' && v.trim()) f[k] = v.trim(); }
  // A stage the API does not know would make it answer 400: such a link shows every stage.
  if (typeof query.stage === 'string' && isStage(query.stage)) f.stage = query.stage;
  for (const k of NUM) { const v = Number(query[k]); if (query[k] !== undefined && query[k] !== '' && Number.isFinite(v)) f[k] = v; }
  return f;
}

export function toQuery(f: ProductFilters): Record<string, string> {
  const q: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== null && v !== '' && !(k === 'sort' && v === DEFAULT_SORT)) q[k] = String(v);
  return q;
}

export function useUrlFilters() {
  const route = useRoute();
  const router = useRouter();
  const filters = computed(() => parseFilters(route.query));
  function update(patch: Partial<Record<keyof ProductFilters, string | number | undefined>>) {
    router.replace({ query: toQuery({ ...filters.value, ...patch } as ProductFilters) });
  }
  const active = computed(() => Object.keys(filters.value).filter((k) => k !== 'sort').length);
  return { filters, update, active, clear: () => router.replace({ query: filters.value.sort ? { sort: filters.value.sort } : {} }) };
}
