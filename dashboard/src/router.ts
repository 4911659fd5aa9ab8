import { createRouter, createWebHistory } from 'vue-router';
import OverviewPage from './pages/OverviewPage.vue';

// The Overview is the landing view, so it ships in the entry chunk (no extra round trip before the
// first chart); every other route is lazy-loaded.
export const routes = [
  { path: '/', name: 'overview', component: OverviewPage, meta: { title: 'Overview' } },
  { path: '/explorer', name: 'explorer', component: () => import('./pages/ExplorerPage.vue'), meta: { title: 'Product explorer' } },
  { path: '/products/:id', name: 'product', component: () => import('./pages/ProductPage.vue'), meta: { title: 'Product' }, props: true },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./pages/NotFoundPage.vue'), meta: { title: 'Not found' } },
];

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? 'TrendDrop')} · TrendDrop`;
});
