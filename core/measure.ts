// One piece of work timed the two ways the bench reports: wall clock, and this process's CPU
// (user + system), which holds up on a busy machine where the wall time counts other processes.
// The embedded engine runs its queries on this process's threads, so their CPU counts too.
export async function measured<T>(work: () => T | Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = await work();
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}
