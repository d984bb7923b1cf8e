import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * services.sh against a stand-in service (a few lines of node that answer /health/ready and log the
 * static group id they were given), in a scratch copy of the repository layout with its own state dir:
 * nothing of the shared stack is touched. Ports 4201 and 4211 (this test's range).
 */
describe('services.sh supervision', () => {
  let root: string;
  const run = (args: string[], portBase: number) =>
    execFileSync('bash', [join(root, 'scripts/services.sh'), ...args], {
      env: { ...process.env, SURGE_STATE_DIR: join(root, `.stack-${portBase}`), SURGE_PORT_BASE: String(portBase), KAFKA_GROUP_INSTANCE_ID: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
  const instanceIdIn = (portBase: number) => /group-instance-id=(\S*)/.exec(readFileSync(join(root, `.stack-${portBase}`, 'logs/read-sink.log'), 'utf8'))?.[1];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'surge-services-'));
    mkdirSync(join(root, 'scripts'));
    copyFileSync(join(__dirname, 'services.sh'), join(root, 'scripts/services.sh'));
    copyFileSync(join(__dirname, 'service-node-flags.sh'), join(root, 'scripts/service-node-flags.sh'));
    mkdirSync(join(root, 'dist/apps/read-sink/src'), { recursive: true });
    writeFileSync(
      join(root, 'dist/apps/read-sink/src/main.js'),
      `console.log('group-instance-id=' + (process.env.KAFKA_GROUP_INSTANCE_ID ?? ''));
       require('node:http').createServer((_q, s) => s.end('{}')).listen(Number(process.env.PORT), '127.0.0.1');
       process.on('SIGTERM', () => process.exit(0));`,
    );
    for (const base of [4200, 4210]) {
      mkdirSync(join(root, `.stack-${base}`, 'dev'), { recursive: true });
      writeFileSync(join(root, `.stack-${base}`, 'dev/env'), '');
      writeFileSync(join(root, `.stack-${base}`, 'dev/jwt-public.pem'), '');
    }
  });

  afterAll(() => {
    for (const base of [4200, 4210]) {
      try {
        run(['down', 'read-sink'], base);
      } catch {
        // already down
      }
    }
    rmSync(root, { recursive: true, force: true });
  });

  it('gives two copies of the services on different port bases different static group ids (regression: both read-sink-local, fencing each other)', () => {
    run(['up', 'read-sink'], 4200);
    run(['up', 'read-sink'], 4210);
    const [a, b] = [instanceIdIn(4200), instanceIdIn(4210)];
    expect(a).toMatch(/^read-sink-local/);
    expect(b).toMatch(/^read-sink-local/);
    expect(a).not.toBe(b);
  });
});
