import { createRouter, createWebHistory, START_LOCATION } from 'vue-router';
import OverviewPage from './pages/OverviewPage.vue';

// The Overview is the landing view, so it ships in the entry chunk (no extra round trip before the
// first chart); every other route is lazy-loaded. `timeRange: false` marks the pages the header's
// time range does not apply to, which then do not show it.
export const routes = [
  { path: '/', name: 'overview', component: OverviewPage, meta: { title: 'Overview' } },
  { path: '/explorer', name: 'explorer', component: () => import('./pages/ExplorerPage.vue'), meta: { title: 'Product explorer' } },
  { path: '/products/:id', name: 'product', component: () => import('./pages/ProductPage.vue'), meta: { title: 'Product' }, props: true },
  { path: '/forecasts', name: 'forecasts', component: () => import('./pages/ForecastsPage.vue'), meta: { title: 'Forecasts', timeRange: false } },
  { path: '/trends', name: 'trends', component: () => import('./pages/TrendsPage.vue'), meta: { title: 'Trend analysis' } },
  { path: '/geography', name: 'geography', component: () => import('./pages/GeographyPage.vue'), meta: { title: 'Geography' } },
  { path: '/videos', name: 'videos', component: () => import('./pages/VideosPage.vue'), meta: { title: 'Video analysis' } },
  { path: '/alerts', name: 'alerts', component: () => import('./pages/AlertsPage.vue'), meta: { title: 'Alerts & watchlists', timeRange: false } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue'), meta: { title: 'Not found', timeRange: false } },
];

export const router = createRouter({
  history: createWebHistory(),
  routes,
  // The first page of a load opens at the top anyway: scrolling there laid the whole page out in
  // the middle of the Overview's first render (a forced layout, 15-70 ms of a cold load's script).
  scrollBehavior: (_to, from, saved) => saved ?? (from === START_LOCATION ? false : { top: 0 }),
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? 'TrendDrop')} · TrendDrop`;
});
