// index.html starts the Overview request before the bundle loads; the first matching query
// takes that response instead of issuing a second request.
interface Boot { path: string; res: Promise<Response> }
declare global { interface Window { __tdBoot?: Boot } }

export function takeBootResponse(path: string): Promise<Response> | null {
  const boot = window.__tdBoot;
  if (!boot || boot.path !== path) return null;
  window.__tdBoot = undefined;
  return boot.res;
}
