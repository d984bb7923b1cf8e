import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private single-node KRaft broker for fault tests: its own ports and log
 * directory, the jars the stack script cached under .stack/kafka/libs. Tests
 * can pause (SIGSTOP: a broker that accepts connections but never answers),
 * resume, or kill it without touching the shared broker other tests use.
 */
export interface PrivateBroker {
  readonly brokers: string[];
  pause(): void;
  resume(): void;
  kill(): Promise<void>;
}

export async function startPrivateBroker(port: number, stateDir = join(__dirname, '..', '..', '..', '.stack')): Promise<PrivateBroker> {
  const libs = join(stateDir, 'kafka', 'libs');
  if (!existsSync(libs)) throw new Error(`Kafka jars not found in ${libs}: run npm run stack -- up first`);
  const dir = mkdtempSync(join(tmpdir(), 'surge-broker-'));
  const controller = port + 1;
  const conf = join(dir, 'server.properties');
  writeFileSync(
    conf,
    [
      'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER', 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`, 'offsets.topic.replication.factor=1', 'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1', 'group.initial.rebalance.delay.ms=0', 'auto.create.topics.enable=false', 'num.partitions=1',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'log4j.properties'), 'log4j.rootLogger=ERROR, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n');
  const java = ['-Xms256m', '-Xmx512m', `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, '-cp', `${libs}/*`];
  execFileSync('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', 'c3VyZ2UtZmF1bHQtdGVzdA', '-c', conf], { stdio: 'ignore' });
  const child: ChildProcess = spawn('java', [...java, 'kafka.Kafka', conf], { stdio: 'ignore' });
  const deadline = Date.now() + 60_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null) throw new Error(`private broker exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('private broker did not open its port in 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    brokers: [`127.0.0.1:${port}`],
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    kill: async () => {
      if (child.exitCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
