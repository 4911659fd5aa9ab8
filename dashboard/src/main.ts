import { createApp } from 'vue';
import { QueryClient, VueQueryPlugin } from '@tanstack/vue-query';
import App from './App.vue';
import { router } from './router';
import { startLive } from './live';
import { ApiError } from './lib/api';
import './style.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not fix itself; transient failures get two quick retries.
      retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

createApp(App).use(router).use(VueQueryPlugin, { queryClient }).mount('#app');
startLive(queryClient);
