/**
 * Running real software (redis-server, haproxy, prometheus, ...) from tests, on loopback: free addresses and ports,
 * processes that are always killed, bounded waits. `npm test` installs the tools first (scripts/ensure-test-tools.sh).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as net from 'net';

/** Whether `cmd` is on the PATH. */
export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v "$1" >/dev/null`, 'sh', cmd]).status === 0;
}

/** Whether `host:port` can be bound right now. */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A free TCP port on 127.0.0.1 (asked from the kernel). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port: 0 }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

let nextSlot = Math.floor(Math.random() * 150 * 250);

/**
 * `count` loopback addresses 127.a.b.(10..) where every port in `ports` is free, so several servers can use their
 * standard ports side by side (each pod has its own IP in the cluster, each process its own address here).
 */
export async function loopbackAddresses(count: number, ports: readonly number[]): Promise<string[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    // Distinct /24s within this process (tests running concurrently never draw the same one), random across processes.
    const slot = nextSlot++ % (150 * 250);
    const a = 100 + Math.floor(slot / 250);
    const b = slot % 250;
    const ips = Array.from({ length: count }, (_, i) => `127.${a}.${b}.${10 + i}`);
    let free = true;
    for (const ip of ips) for (const p of ports) if (!(await canBind(ip, p))) free = false;
    if (free) return ips;
  }
  throw new Error(`no free loopback addresses for ports ${ports.join(', ')}`);
}

/** Processes started by a test, with their output kept for failure messages; `stopAll` kills every one. */
export class Processes {
  private readonly procs: Array<{ readonly name: string; readonly child: ChildProcess; log: string }> = [];

  public start(
    name: string,
    cmd: string,
    args: readonly string[],
    options: { readonly env?: Record<string, string>; readonly cwd?: string } = {},
  ): ChildProcess {
    const child = spawn(cmd, [...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry = { name, child, log: '' };
    const keep = (d: Buffer) => {
      entry.log = (entry.log + d.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.procs.push(entry);
    return child;
  }

  /** Kills one process (SIGKILL: a crash, not a shutdown) and waits for it to be gone. */
  public async kill(name: string): Promise<void> {
    const p = this.procs.find((x) => x.name === name && x.child.exitCode === null && x.child.signalCode === null);
    if (!p) return;
    const gone = new Promise((resolve) => p.child.once('exit', resolve));
    p.child.kill('SIGKILL');
    await gone;
  }

  /** The last output of every process, for an assertion message. */
  public logs(): string {
    return this.procs.map((p) => `--- ${p.name} (exit ${p.child.exitCode ?? p.child.signalCode ?? 'running'})\n${p.log}`).join('\n');
  }

  public async stopAll(): Promise<void> {
    await Promise.all(
      this.procs.map(async (p) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        const gone = new Promise((resolve) => p.child.once('exit', resolve));
        p.child.kill('SIGKILL');
        await gone;
      }),
    );
  }
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 200,
  diagnostics?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}${diagnostics ? `\n${diagnostics()}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
