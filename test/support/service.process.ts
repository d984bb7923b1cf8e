import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { basename, join } from 'node:path';

export interface RunningService {
  readonly url: string;
  readonly output: () => string;
  /** The service's process id (a benchmark lowers background services' CPU priority, as scripts/services.sh does). */
  readonly pid: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a built service (dist/apps/<app>/src/main.js) as a child process on
 * the same Node, with exactly the environment given (plus PATH), and waits
 * until its readiness probe answers 200.
 */
export async function startService(app: string, port: number, env: Record<string, string>, readyTimeoutMs = 60_000): Promise<RunningService> {
  // A readiness probe must never be answered by some other process on the port.
  if (await portInUse(port)) throw new Error(`port ${port} is already in use: cannot start ${app} there`);
  // From the sources (jest: test/support) or from a build (a benchmark: dist/test/support), the same dist/.
  const root = basename(join(__dirname, '..', '..')) === 'dist' ? join(__dirname, '..', '..', '..') : join(__dirname, '..', '..');
  const main = join(root, 'dist', 'apps', app, 'src', 'main.js');
  const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', main], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}:\n${output}`);
    try {
      const res = await fetch(`${url}/health/ready`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${app} not ready within ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    pid: child.pid!,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
