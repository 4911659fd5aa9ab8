// A bench helper process, forked through tsx and spoken to one command at a time over IPC. The
// fan-out phase's WebSocket clients and the Kafka pipeline's outside producer run in one, so that
// the process being measured carries only its own work, as it would in a deployment.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Any helper answers a command that threw with this. */
export type Failed = { op: 'failed'; message: string };

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export class BenchChild<Command, Reply extends { op: string }> {
  private readonly child: ChildProcess;
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;

  /** `module`: the helper's path from the repository root, e.g. `bench/fanout-clients.ts`. */
  constructor(private readonly module: string) {
    // tsx resolves from the repository root, whatever the caller's cwd. Replies may carry typed
    // arrays (latencies), hence the advanced serialization.
    this.child = fork(join(ROOT, module), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
    this.child.on('message', (r: Reply | Failed) => {
      const p = this.pending;
      this.pending = null;
      if (r.op === 'failed') p?.reject(new Error(`${module}: ${(r as Failed).message}`));
      else p?.resolve(r as Reply);
    });
    this.child.on('exit', (code) => this.pending?.reject(new Error(`${module} exited (${code})`)));
    this.child.on('error', (err) => this.pending?.reject(err));
  }

  /** Sends a command that has no answer. */
  tell(c: Command): void { this.child.send(c as object); }

  /** Sends a command and resolves with its answer, which must be `op`. */
  ask<T extends Reply['op']>(c: Command, op: T): Promise<Extract<Reply, { op: T }>> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve: (r) => (r.op === op ? resolve(r as Extract<Reply, { op: T }>) : reject(new Error(`${this.module} answered ${r.op}, not ${op}`))), reject };
      this.child.send(c as object);
    });
  }

  close(): void { if (this.child.connected) this.child.disconnect(); }
}

/**
 * In the helper: runs `handle` for each command from the parent (a throw is answered as
 * `failed`), and exits when the parent goes. Does nothing when the module was only imported.
 */
export function serveParent<Command, Reply>(moduleUrl: string, argv1: string | undefined, handle: (c: Command, reply: (r: Reply) => void) => Promise<void>): void {
  if (!argv1 || moduleUrl !== pathToFileURL(argv1).href) return;
  const reply = (r: Reply | Failed) => process.send!(r);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (c: Command) => { handle(c, reply).catch((err: Error) => reply({ op: 'failed', message: err.message })); });
}
