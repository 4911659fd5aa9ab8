// One query hook per endpoint, each with an array key (['overview', range]) so the live socket
// and mutations can find and update exactly the cached data they affect.
import { computed, toValue, type MaybeRefOrGetter } from 'vue';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/vue-query';
import { get, post, del } from './api';
import { timeRange, resolveRange, prefs } from './prefs';
import type {
  Alert, AlertLedger, Correlations, Forecast, ForecastCalibration, ForecastFilters, ForecastRow, Interval, Metric, Overview, Page, ProductDetail, ProductFilters, ProductRow,
  RegionShare, RegionStat, SimilarProduct, Timeseries, Trends, Video, VideoAnalytics, Watchlist,
} from './types';

export const keys = {
  overview: (range: string) => ['overview', range] as const,
  products: (filters: ProductFilters) => ['products', filters] as const,
  product: (id: string) => ['product', id] as const,
  timeseries: (id: string, metric: Metric, interval: Interval, range: string) => ['timeseries', id, metric, interval, range] as const,
  forecast: (id: string) => ['forecast', id] as const,
  forecasts: (filters: ForecastFilters) => ['forecasts', filters] as const,
  forecastCalibration: (metric: string) => ['forecasts', 'calibration', metric] as const,
  similar: (id: string) => ['similar', id] as const,
  productVideos: (id: string) => ['productVideos', id] as const,
  productRegions: (id: string) => ['productRegions', id] as const,
  trends: (metrics: Metric[], productIds: string[], range: string) => ['trends', metrics, productIds, range] as const,
  correlations: (scope: string, maxLag: number, interval?: Interval) => ['correlations', scope, maxLag, interval ?? '1h'] as const,
  regions: (range: string) => ['regions', range] as const,
  videos: (platform: string, range: string) => ['videos', platform, range] as const,
  alerts: () => ['alerts'] as const,
  alertLedger: () => ['alerts', 'ledger'] as const,
  watchlists: () => ['watchlists'] as const,
};

/** Reads the bounds at fetch time: a preset such as 24h always means "the 24 h up to now". */
const bounds = () => { const r = resolveRange(prefs.value); return { from: r.from, to: r.to }; };

/**
 * The category names a filter offers, from the Overview (cached already when arriving from there);
 * the one `selected` (from the URL) stays among them even when the Overview does not list it.
 */
export function useCategoryOptions(selected: () => string | undefined) {
  const overview = useOverview();
  return computed(() => {
    const known = (overview.data.value?.categories ?? []).map((c) => c.category).filter(Boolean).sort();
    const c = selected();
    return c && !known.includes(c) ? [c, ...known] : known;
  });
}

export function useOverview() {
  return useQuery(computed(() => ({
    queryKey: keys.overview(timeRange.value.key),
    queryFn: ({ signal }: { signal: AbortSignal }) => get<Overview>('/overview', { range: timeRange.value.preset }, signal),
    staleTime: 15_000,
    placeholderData: keepPreviousData,
  })));
}

export const PAGE_SIZE = 200;
export function useProducts(filters: MaybeRefOrGetter<ProductFilters>) {
  return useInfiniteQuery(computed(() => ({
    queryKey: keys.products(toValue(filters)),
    queryFn: ({ pageParam, signal }: { pageParam: string | null; signal: AbortSignal }) =>
      get<Page<ProductRow>>('/products', { ...toValue(filters), limit: PAGE_SIZE, cursor: pageParam ?? undefined }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: Page<ProductRow>) => last.nextCursor,
    staleTime: 30_000,
    placeholderData: keepPreviousData,
  })));
}

export function useProduct(id: MaybeRefOrGetter<string>) {
  return useQuery(computed(() => ({
    queryKey: keys.product(toValue(id)),
    queryFn: ({ signal }: { signal: AbortSignal }) => get<ProductDetail>(`/products/${encodeURIComponent(toValue(id))}`, {}, signal),
    staleTime: 30_000,
    enabled: !!toValue(id),
  })));
}

export function fetchTimeseries(id: string, metric: Metric, interval: Interval, signal?: AbortSignal) {
  return get<Timeseries>(`/products/${encodeURIComponent(id)}/timeseries`, { metric, interval, ...bounds() }, signal);
}

/** The product's whole recent history at its own step (an imported daily, weekly or monthly series). */
function fetchNativeTimeseries(id: string, metric: Metric, signal?: AbortSignal) {
  return get<Timeseries>(`/products/${encodeURIComponent(id)}/timeseries`, { metric }, signal);
}

/** A product's series: live ones follow the page's time range; imported ones come at their own step (`native` true). */
export function useTimeseries(id: MaybeRefOrGetter<string>, metric: MaybeRefOrGetter<Metric>, native: MaybeRefOrGetter<boolean> = false) {
  return useQuery(computed(() => ({
    queryKey: toValue(native) ? ['timeseries', toValue(id), toValue(metric), 'native'] as const : keys.timeseries(toValue(id), toValue(metric), timeRange.value.interval, timeRange.value.key),
    queryFn: ({ signal }: { signal: AbortSignal }) => (toValue(native) ? fetchNativeTimeseries(toValue(id), toValue(metric), signal) : fetchTimeseries(toValue(id), toValue(metric), timeRange.value.interval, signal)),
    // Live deltas patch this cache entry; a periodic refetch re-anchors it to the stored truth.
    staleTime: 60_000,
    enabled: !!toValue(id),
    placeholderData: keepPreviousData,
  })));
}

function byProduct<T>(name: 'forecast' | 'similar' | 'videos' | 'regions', key: (id: string) => readonly unknown[], staleTime: number) {
  return (id: MaybeRefOrGetter<string>) => useQuery(computed(() => ({
    queryKey: key(toValue(id)),
    queryFn: ({ signal }: { signal: AbortSignal }) => get<T>(`/products/${encodeURIComponent(toValue(id))}/${name}`, {}, signal),
    staleTime,
    enabled: !!toValue(id),
    retry: 1,
  })));
}
export const useForecast = byProduct<Forecast>('forecast', keys.forecast, 5 * 60_000);
export const useSimilar = byProduct<{ items: SimilarProduct[] }>('similar', keys.similar, 5 * 60_000);
export const useProductVideos = byProduct<Page<Video>>('videos', keys.productVideos, 60_000);
export const useProductRegions = byProduct<{ items: RegionShare[] }>('regions', keys.productRegions, 60_000);

/** Stored forecasts change once an hour closes: a few minutes' staleness costs nothing. Pages of 50: analysts read the top of a ranking. */
export function useForecastList(filters: MaybeRefOrGetter<ForecastFilters>) {
  return useInfiniteQuery(computed(() => ({
    queryKey: keys.forecasts(toValue(filters)),
    queryFn: ({ pageParam, signal }: { pageParam: string | null; signal: AbortSignal }) =>
      get<Page<ForecastRow>>('/forecasts', { ...toValue(filters), limit: 50, cursor: pageParam ?? undefined }, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: Page<ForecastRow>) => last.nextCursor,
    staleTime: 2 * 60_000,
    placeholderData: keepPreviousData,
  })));
}

export function useForecastCalibration(metric: MaybeRefOrGetter<string>) {
  return useQuery(computed(() => ({
    queryKey: keys.forecastCalibration(toValue(metric)),
    queryFn: ({ signal }: { signal: AbortSignal }) => get<ForecastCalibration>('/forecasts/calibration', { metric: toValue(metric) }, signal),
    staleTime: 2 * 60_000,
    placeholderData: keepPreviousData,
  })));
}

export function useTrends(metrics: MaybeRefOrGetter<Metric[]>, productIds: MaybeRefOrGetter<string[]>) {
  return useQuery(computed(() => ({
    queryKey: keys.trends(toValue(metrics), toValue(productIds), timeRange.value.key),
    queryFn: ({ signal }: { signal: AbortSignal }) => get<Trends>('/trends', {
      metrics: toValue(metrics), productIds: toValue(productIds), interval: timeRange.value.interval, ...bounds(),
    }, signal),
    staleTime: 30_000,
    placeholderData: keepPreviousData,
    enabled: toValue(metrics).length > 0,
  })));
}

export function useCorrelations(scope: MaybeRefOrGetter<string>, maxLag: MaybeRefOrGetter<number>, interval: MaybeRefOrGetter<Interval | undefined> = undefined, enabled: MaybeRefOrGetter<boolean> = true) {
  return useQuery(computed(() => ({
    queryKey: keys.correlations(toValue(scope), toValue(maxLag), toValue(interval)),
    queryFn: ({ signal }: { signal: AbortSignal }) => get<Correlations>('/correlations', { scope: toValue(scope), maxLag: toValue(maxLag), interval: toValue(interval) }, signal),
    enabled: toValue(enabled),
    staleTime: 5 * 60_000,
    retry: 1,
  })));
}

export function useRegions() {
  return useQuery(computed(() => ({
    queryKey: keys.regions(timeRange.value.key),
    queryFn: ({ signal }: { signal: AbortSignal }) => get<{ items: RegionStat[] }>('/regions', bounds(), signal),
    staleTime: 60_000,
    placeholderData: keepPreviousData,
    retry: 1,
  })));
}

export function useVideoAnalytics(platform: MaybeRefOrGetter<string>) {
  return useQuery(computed(() => ({
    queryKey: keys.videos(toValue(platform), timeRange.value.key),
    queryFn: ({ signal }: { signal: AbortSignal }) => get<VideoAnalytics>('/videos', { platform: toValue(platform), ...bounds() }, signal),
    staleTime: 60_000,
    placeholderData: keepPreviousData,
    retry: 1,
  })));
}

export function useAlertLedger() {
  return useQuery({
    queryKey: keys.alertLedger(),
    queryFn: ({ signal }) => get<AlertLedger>('/alerts/ledger', { days: 30, period: 'week' }, signal),
    staleTime: 60_000,
    retry: 1,
  });
}

export function useAlerts() {
  return useQuery({
    queryKey: keys.alerts(),
    queryFn: ({ signal }) => get<Page<Alert>>('/alerts', { limit: 100 }, signal),
    staleTime: 30_000,
    retry: 1,
  });
}

export function useWatchlists() {
  return useQuery({
    queryKey: keys.watchlists(),
    queryFn: ({ signal }) => get<Page<Watchlist>>('/watchlists', {}, signal),
    staleTime: 60_000,
    retry: 1,
  });
}

/** Adds or removes a product from the user's first watchlist, creating "My watchlist" on first use. */
export function useWatchToggle() {
  const qc = useQueryClient();
  const lists = useWatchlists();
  const watched = computed(() => new Set(lists.data.value?.items.flatMap((w) => w.productIds) ?? []));
  const mutation = useMutation({
    mutationFn: async (productId: string) => {
      let list = lists.data.value?.items[0];
      if (!list) list = await post<Watchlist>('/watchlists', { name: 'My watchlist' });
      const id = list.watchlistId;
      if (list.productIds?.includes(productId)) await del(`/watchlists/${id}/items/${encodeURIComponent(productId)}`);
      else await post(`/watchlists/${id}/items`, { productId });
    },
    onSettled: () => qc.invalidateQueries({ queryKey: keys.watchlists() }),
  });
  return { watched, toggle: (productId: string) => mutation.mutateAsync(productId), pending: mutation.isPending };
}
