import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private ClickHouse server for fault tests (the Debian package the stack
 * installs): its own data directory and ports (http, http + 1 native,
 * http + 2 interserver). Tests freeze it (SIGSTOP: connections are accepted
 * by the kernel but never answered), thaw it, or kill it, without touching
 * the shared server other tests use.
 */
export interface PrivateClickHouse {
  readonly url: string;
  freeze(): void;
  thaw(): void;
  kill(): Promise<void>;
}

export async function startPrivateClickHouse(httpPort: number): Promise<PrivateClickHouse> {
  const dir = mkdtempSync(join(tmpdir(), 'surge-ch-'));
  for (const d of ['tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, d));
  const child: ChildProcess = spawn(
    'clickhouse-server',
    [
      '--config-file=/etc/clickhouse-server/config.xml', '--',
      `--path=${dir}/`, `--tmp_path=${dir}/tmp/`, `--user_files_path=${dir}/user_files/`, `--format_schema_path=${dir}/format_schemas/`,
      `--logger.log=${dir}/ch.log`, `--logger.errorlog=${dir}/ch.err.log`, '--logger.level=warning', '--listen_host=127.0.0.1',
      `--http_port=${httpPort}`, `--tcp_port=${httpPort + 1}`, `--interserver_http_port=${httpPort + 2}`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`private ClickHouse exited with ${child.exitCode} (see ${dir}/ch.err.log)`);
    try {
      if ((await fetch(`${url}/?query=SELECT%201`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error('private ClickHouse did not answer in 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
