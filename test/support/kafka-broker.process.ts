import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '@surge/config/config.loader';

/**
 * A private single-node KRaft broker for fault tests and drills: its own
 * ports and log directory, the jars the stack script cached under
 * .stack/kafka/libs (or SURGE_KAFKA_LIBS_DIR). Tests can pause (SIGSTOP: a
 * broker that accepts connections but never answers), resume, crash it
 * (kill -9, data kept) and start it again on the same data, or kill it for
 * good, without touching the shared broker other tests use.
 */
export interface PrivateBroker {
  readonly brokers: string[];
  /** The Kafka version of the jars it runs (from kafka_2.13-<version>.jar). */
  readonly version: string;
  pause(): void;
  resume(): void;
  /** kill -9; the log directory is kept so restart() brings the same topics, offsets and groups back. */
  crash(): Promise<void>;
  /** Starts the broker again on the same log directory and ports; resolves once its port is open. */
  restart(): Promise<void>;
  /** kill -9 and remove the log directory. */
  kill(): Promise<void>;
}

const env = loadConfig(z.object({ SURGE_KAFKA_LIBS_DIR: z.string().min(1).optional() }), process.env);

/** The controller listens on port + 1. */
export async function startPrivateBroker(port: number, stateDir = join(__dirname, '..', '..', '.stack')): Promise<PrivateBroker> {
  const libs = env.SURGE_KAFKA_LIBS_DIR ?? join(stateDir, 'kafka', 'libs');
  if (!existsSync(libs)) throw new Error(`Kafka jars not found in ${libs}: run npm run stack -- up first`);
  const version = readdirSync(libs).map((f) => /^kafka_2\.13-(.+)\.jar$/.exec(f)?.[1]).find(Boolean) ?? 'unknown';
  const dir = mkdtempSync(join(tmpdir(), 'surge-broker-'));
  const controller = port + 1;
  const conf = join(dir, 'server.properties');
  writeFileSync(
    conf,
    [
      'process.roles=broker,controller', 'node.id=1', `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`, `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER', 'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`, 'offsets.topic.replication.factor=1', 'offsets.topic.num.partitions=3', 'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1', 'group.initial.rebalance.delay.ms=0', 'auto.create.topics.enable=false', 'num.partitions=1',
    ].join('\n'),
  );
  // Kafka 3.x logs through log4j 1 (reload4j), 4.x through Log4j 2: give both their config.
  writeFileSync(join(dir, 'log4j.properties'), 'log4j.rootLogger=ERROR, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n');
  writeFileSync(join(dir, 'log4j2.properties'), 'rootLogger.level=ERROR\nrootLogger.appenderRef.e.ref=E\nappender.e.type=Console\nappender.e.name=E\nappender.e.target=SYSTEM_ERR\nappender.e.layout.type=PatternLayout\nappender.e.layout.pattern=%m%n\n');
  const java = [
    '-Xms256m', '-Xmx512m',
    `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
    '-cp', `${libs}/*`,
  ];
  execFileSync('java', [...java, 'kafka.tools.StorageTool', 'format', '-t', 'c3VyZ2UtZmF1bHQtdGVzdA', '-c', conf], { stdio: 'ignore' });

  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = async () => {
    child = spawn('java', [...java, 'kafka.Kafka', conf], { stdio: 'ignore' });
    exited = new Promise<void>((r) => child.once('exit', () => r()));
    const deadline = Date.now() + 60_000;
    while (!(await portOpen(port))) {
      if (child.exitCode !== null) throw new Error(`private broker exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error('private broker did not open its port in 60 s');
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const crash = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    }
  };
  await launch();
  return {
    brokers: [`127.0.0.1:${port}`],
    version,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    crash,
    restart: async () => {
      await crash();
      await launch();
    },
    kill: async () => {
      await crash();
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
