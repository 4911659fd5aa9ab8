// The one HTTP client: builds URLs under /api/v1, turns the API's error envelope into ApiError.
import { takeBootResponse } from './boot';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public details: unknown[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Params = Record<string, string | number | boolean | null | undefined | string[]>;

export function apiUrl(path: string, params: Params = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    qs.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const s = qs.toString();
  return `/api/v1${path}${s ? `?${s}` : ''}`;
}

export async function request<T>(path: string, params: Params = {}, init: RequestInit & { signal?: AbortSignal } = {}): Promise<T> {
  const isGet = !init.method || init.method === 'GET';
  const url = apiUrl(path, isGet ? params : {});
  const res = (isGet && (await takeBootResponse(url.slice('/api/v1'.length))?.catch(() => null))) || await fetch(url, {
    ...init,
    headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
  });
  if (!res.ok) {
    let code = `http_${res.status}`;
    let message = res.statusText || 'Request failed';
    let details: unknown[] = [];
    try {
      const body = await res.json();
      if (body?.error) ({ code = code, message = message, details = [] } = body.error);
    } catch {
      // Not JSON (proxy error page); keep the status text.
    }
    throw new ApiError(res.status, code, message, details);
  }
  if (res.status === 204) return undefined as T;
  return res.json() as Promise<T>;
}

export const get = <T>(path: string, params?: Params, signal?: AbortSignal) => request<T>(path, params, { signal });
export const post = <T>(path: string, body: unknown) => request<T>(path, {}, { method: 'POST', body: JSON.stringify(body) });
export const del = <T>(path: string) => request<T>(path, {}, { method: 'DELETE' });
