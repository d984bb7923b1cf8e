// Offline checks of the deployment files: k8s/ against the Kubernetes (and
// KEDA) JSON schemas shipped inside the kubernetes-models npm packages, plus
// the rules of this project (probes, resources, secrets by reference only);
// docker-compose.yml, the Dockerfile and the local Prometheus config by
// structure. No cluster, no Docker engine, no network.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { TOPICS } from '@surge/topic-catalog/topic.catalog';

const ROOT = path.resolve(__dirname, '..');
const K8S = path.join(ROOT, 'k8s');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  devDependencies: Record<string, string>;
};
const SERVICES = ['read-api', 'read-sink', 'billing', 'csat'] as const;
/** Deployed on Kubernetes: the four plus the registry, the timeline, flow-intake and flexibility (not in docker-compose.yml yet). */
const K8S_SERVICES = [...SERVICES, 'registry', 'timeline', 'flow-intake', 'flexibility'] as const;
const PORTS: Record<(typeof K8S_SERVICES)[number], number> = { 'read-api': 3000, 'read-sink': 3001, billing: 3002, csat: 3003, registry: 3005, timeline: 3006, 'flow-intake': 3009, flexibility: 3010 };

type Doc = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: any };

const manifestFiles = fs
  .readdirSync(K8S)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .sort();
const docs: (Doc & { file: string })[] = manifestFiles.flatMap((file) =>
  parseAllDocuments(fs.readFileSync(path.join(K8S, file), 'utf8')).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return { ...(d.toJS() as Doc), file };
  }),
);

function find(kind: string, name: string): Doc {
  const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!doc) throw new Error(`no ${kind} ${name} in k8s/`);
  return doc;
}

/** The model class (with its JSON-schema validator) for a manifest's apiVersion and kind. */
function modelFor(apiVersion: string, kind: string): { new (data: unknown): { validate(): void } } {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [undefined, apiVersion];
  const module =
    group === 'keda.sh'
      ? require(`@kubernetes-models/keda/keda.sh/${version}/${kind}`)
      : require(group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`);
  return module[kind];
}

/** Kubernetes quantities as numbers (cores, bytes) for comparison. */
function quantity(q: string | number): number {
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|k|M|G)?$/.exec(String(q));
  if (!m) throw new Error(`bad quantity ${q}`);
  const factor: Record<string, number> = { m: 1e-3, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 };
  return Number(m[1]) * (m[2] ? factor[m[2]]! : 1);
}

const CONTAINER_FIELDS = new Set([
  'name', 'image', 'imagePullPolicy', 'command', 'args', 'workingDir', 'ports', 'env', 'envFrom', 'resources',
  'resizePolicy', 'restartPolicy', 'volumeMounts', 'volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe',
  'lifecycle', 'terminationMessagePath', 'terminationMessagePolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty',
]);
const SECRET_LIKE = /PASSWORD|SECRET|TOKEN|KEY|DATABASE_URL|REDIS_URL/;

describe('k8s manifests', () => {
  it('are listed in the kustomization, every one', () => {
    const k = parse(fs.readFileSync(path.join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[]; namespace: string };
    expect([...k.resources].sort()).toEqual(manifestFiles);
    expect(k.namespace).toBe('surge');
  });

  it.each(docs.map((d) => [`${d.file} ${d.kind}/${d.metadata.name}`, d] as const))(
    '%s validates against its Kubernetes schema',
    (_name, doc) => {
      const { file: _file, ...manifest } = doc;
      const Model = modelFor(manifest.apiVersion, manifest.kind);
      expect(() => new Model(manifest).validate()).not.toThrow();
    },
  );

  it('the schema validation does reject a broken manifest', () => {
    const { file: _file, ...deployment } = find('Deployment', 'read-api');
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    const Model = modelFor('apps/v1', 'Deployment');
    expect(() => new Model(broken).validate()).toThrow(/containerPort must be integer/);
  });

  it('hold no Secret objects: secret values never live in the repository', () => {
    expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
  });

  describe.each(K8S_SERVICES)('%s', (service) => {
    const deployment = find('Deployment', service);
    const config = find('ConfigMap', service);
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0];
    const podLabels = pod.metadata.labels as Record<string, string>;
    const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => podLabels[k] === v);

    it('runs the surge image of this version with APP set to the service', () => {
      expect(pod.spec.containers).toHaveLength(1);
      expect(container.image).toBe(`surge:${pkg.version}`);
      expect(config.data.APP).toBe(service);
      expect(container.envFrom).toContainEqual({ configMapRef: { name: service } });
    });

    it('has only known container fields (the schema allows unknown ones)', () => {
      expect(Object.keys(container).filter((k) => !CONTAINER_FIELDS.has(k))).toEqual([]);
    });

    it('listens on its port on all interfaces, and says so to Prometheus', () => {
      expect(config.data.PORT).toBe(String(PORTS[service]));
      expect(config.data.HOST).toBe('0.0.0.0');
      expect(container.ports).toEqual([{ name: 'http', containerPort: PORTS[service], protocol: 'TCP' }]);
      expect(pod.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(PORTS[service]),
        'prometheus.io/path': '/metrics',
      });
    });

    it('has liveness on /health/live and readiness on /health/ready', () => {
      expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(container.startupProbe.httpGet.path).toBe('/health/live');
    });

    it('sets resource requests and limits, requests within limits, and a heap below the memory limit', () => {
      const { requests, limits } = container.resources;
      for (const r of ['cpu', 'memory']) {
        expect(requests[r]).toBeDefined();
        expect(limits[r]).toBeDefined();
        expect(quantity(requests[r])).toBeLessThanOrEqual(quantity(limits[r]));
      }
      const heapMb = Number(/--max-old-space-size=(\d+)/.exec(config.data.NODE_OPTIONS)?.[1]);
      expect(heapMb * 1024 ** 2).toBeLessThan(quantity(limits.memory));
    });

    it('runs as non-root, read-only, with no privilege escalation or capabilities', () => {
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    });

    it('takes secrets by reference to surge-secrets only, and keeps them out of its ConfigMap', () => {
      for (const env of container.env ?? []) {
        expect(env.value).toBeUndefined();
        // The pod's own name (static Kafka group membership) is the one non-secret taken from the downward API.
        if (env.valueFrom.fieldRef) {
          expect(env).toEqual({ name: 'KAFKA_GROUP_INSTANCE_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
          continue;
        }
        expect(env.valueFrom.secretKeyRef.name).toBe('surge-secrets');
        expect(env.valueFrom.secretKeyRef.key).toBe(env.name);
      }
      expect(Object.keys(config.data).filter((k) => SECRET_LIKE.test(k))).toEqual([]);
    });

    it('is configured with the shared env var names', () => {
      const names = new Set([...Object.keys(config.data), ...(container.env ?? []).map((e: { name: string }) => e.name)]);
      const required: Record<string, string[]> = {
        'read-api': ['KAFKA_BROKERS', 'JWT_PUBLIC_KEY'],
        'read-sink': ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'CLICKHOUSE_DATABASE'],
        billing: ['DATABASE_URL', 'REDIS_URL'],
        csat: ['DATABASE_URL'],
        registry: ['DATABASE_URL', 'KAFKA_BROKERS', 'API_KEYS'],
        timeline: ['DATABASE_URL', 'KAFKA_BROKERS'],
        'flow-intake': ['DATABASE_URL', 'KAFKA_BROKERS', 'API_KEYS'],
        flexibility: ['DATABASE_URL', 'KAFKA_BROKERS', 'API_KEYS', 'JWT_PUBLIC_KEY'],
      };
      for (const name of ['PORT', 'LOG_LEVEL', ...required[service]!]) expect(names).toContain(name);
    });

    it('has a Service and a PodDisruptionBudget selecting its pods', () => {
      expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
      const svc = find('Service', service);
      expect(matches(svc.spec.selector)).toBe(true);
      expect(svc.spec.ports).toEqual([{ name: 'http', port: PORTS[service], targetPort: 'http', protocol: 'TCP' }]);
      const pdb = find('PodDisruptionBudget', service);
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(matches(pdb.spec.selector.matchLabels)).toBe(true);
      // The budget must leave a drain possible: at least 2 replicas, one may go.
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    });
  });

  it('prefers read-api on a shared node: a higher PriorityClass, Guaranteed CPU, and background classes that never preempt', () => {
    const priority = (service: string) => find('PriorityClass', find('Deployment', service).spec.template.spec.priorityClassName);
    const api = priority('read-api');
    for (const service of ['read-sink', 'billing', 'csat', 'registry', 'timeline', 'flow-intake', 'flexibility']) {
      expect(priority(service).value).toBeLessThan(api.value);
      expect(priority(service).preemptionPolicy).toBe('Never');
    }
    const { requests, limits } = find('Deployment', 'read-api').spec.template.spec.containers[0].resources;
    expect(quantity(requests.cpu)).toBe(quantity(limits.cpu));
    expect(quantity(requests.memory)).toBe(quantity(limits.memory));
    expect(quantity(requests.cpu)).toBeGreaterThan(quantity(find('Deployment', 'read-sink').spec.template.spec.containers[0].resources.requests.cpu));
  });

  it('scales read-api on CPU with an HPA', () => {
    const hpa = find('HorizontalPodAutoscaler', 'read-api');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'read-api' });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } },
    ]);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(find('Deployment', 'read-api').spec.replicas);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });

  it('scales read-sink on Kafka consumer lag with KEDA (and no HPA of its own)', () => {
    const so = find('ScaledObject', 'read-sink');
    expect(so.apiVersion).toBe('keda.sh/v1alpha1');
    expect(so.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'read-sink' });
    expect(so.spec.triggers).toHaveLength(1);
    const trigger = so.spec.triggers[0];
    expect(trigger.type).toBe('kafka');
    expect(trigger.metadata.topic).toBe('meter-readings.v1');
    expect(trigger.metadata.topic).toBe(TOPICS.meterReadings.name);
    expect(trigger.metadata.consumerGroup).toBe('read-sink');
    expect(trigger.metadata.consumerGroup).toBe(find('ConfigMap', 'read-sink').data.KAFKA_GROUP_ID);
    // KEDA reads the brokers from the target container's environment.
    expect(find('ConfigMap', 'read-sink').data[trigger.metadata.bootstrapServersFromEnv]).toBeTruthy();
    // KEDA trigger metadata values are strings.
    for (const value of Object.values(trigger.metadata)) expect(typeof value).toBe('string');
    expect(Number(trigger.metadata.lagThreshold)).toBeGreaterThan(0);
    expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    // Consumers beyond the partition count would idle.
    expect(so.spec.maxReplicaCount).toBeLessThanOrEqual(TOPICS.meterReadings.partitions);
    expect(so.spec.maxReplicaCount).toBeGreaterThan(so.spec.minReplicaCount);
    expect(docs.filter((d) => d.kind === 'HorizontalPodAutoscaler' && d.spec.scaleTargetRef.name === 'read-sink')).toEqual([]);
  });
});

describe('k8s NetworkPolicies', () => {
  type Peer = { namespaceSelector?: { matchLabels?: Record<string, string> }; podSelector?: { matchLabels?: Record<string, string> }; ipBlock?: unknown };
  type Rule = { to?: Peer[]; from?: Peer[]; ports?: { protocol: string; port: number | string }[] };
  const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
  const STORES = { kafka: 9092, clickhouse: 8123, postgresql: 5432, redis: 6379 } as const;
  type Store = keyof typeof STORES;
  /** What each service may reach: its own dependencies and nothing else (issue 11, item 14). */
  const NEEDS: Record<(typeof K8S_SERVICES)[number], Store[]> = {
    'read-api': ['clickhouse', 'kafka', 'redis'],
    'read-sink': ['clickhouse', 'kafka'],
    billing: ['clickhouse', 'postgresql', 'redis'],
    csat: ['clickhouse', 'kafka', 'postgresql'],
    registry: ['kafka', 'postgresql'],
    timeline: ['kafka', 'postgresql'],
    'flow-intake': ['kafka', 'postgresql'],
    flexibility: ['kafka', 'postgresql'],
  };
  const podLabelsOf = (service: string) => find('Deployment', service).spec.template.metadata.labels as Record<string, string>;
  const selects = (policy: Doc, labels: Record<string, string>) =>
    Object.entries((policy.spec.podSelector?.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);
  const applying = (service: string) => policies.filter((p) => selects(p, podLabelsOf(service)));
  const egressOf = (service: string): Rule[] => applying(service).flatMap((p) => (p.spec.egress ?? []) as Rule[]);
  const storesReached = (service: string): Store[] =>
    [
      ...new Set(
        egressOf(service).flatMap((rule) =>
          (rule.to ?? []).flatMap((peer) => {
            const name = peer.podSelector?.matchLabels?.['app.kubernetes.io/name'];
            return name && name in STORES && peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'surge-data' ? [name as Store] : [];
          }),
        ),
      ),
    ].sort();
  /** The stores a service is configured for (ConfigMap and secret env), so config and policy cannot drift apart. */
  const storesConfigured = (service: string): Store[] => {
    const container = find('Deployment', service).spec.template.spec.containers[0];
    const names = new Set([...Object.keys(find('ConfigMap', service).data), ...(container.env ?? []).map((e: { name: string }) => e.name)]);
    const byEnv: [string, Store][] = [['KAFKA_BROKERS', 'kafka'], ['CLICKHOUSE_URL', 'clickhouse'], ['DATABASE_URL', 'postgresql'], ['REDIS_URL', 'redis']];
    return byEnv.filter(([env]) => names.has(env)).map(([, store]) => store).sort();
  };

  it('deny all ingress and egress by default, for every pod of the namespace', () => {
    const deny = find('NetworkPolicy', 'default-deny');
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('let every pod resolve names through cluster DNS, and nothing else', () => {
    const dns = find('NetworkPolicy', 'allow-dns');
    expect(dns.spec.podSelector).toEqual({});
    expect(dns.spec.policyTypes).toEqual(['Egress']);
    expect(dns.spec.ingress).toBeUndefined();
    for (const rule of dns.spec.egress as Rule[]) {
      expect(rule.to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }]);
      expect(rule.ports?.every((p) => p.port === 53)).toBe(true);
    }
  });

  it('never open egress to everywhere: every rule names its peers and ports, no ipBlock, no empty selector', () => {
    for (const policy of policies) {
      for (const rule of [...((policy.spec.egress ?? []) as Rule[]), ...((policy.spec.ingress ?? []) as Rule[])]) {
        const peers = rule.to ?? rule.from;
        expect({ policy: policy.metadata.name, peers: peers?.length ?? 0 }).not.toEqual({ policy: policy.metadata.name, peers: 0 });
        expect({ policy: policy.metadata.name, ports: rule.ports?.length ?? 0 }).not.toEqual({ policy: policy.metadata.name, ports: 0 });
        for (const peer of peers ?? []) {
          expect(peer.ipBlock).toBeUndefined();
          expect(peer.namespaceSelector?.matchLabels ?? peer.podSelector?.matchLabels).toBeDefined();
        }
      }
    }
  });

  describe.each(K8S_SERVICES)('%s', (service) => {
    it('has its own policy, for both directions', () => {
      const own = find('NetworkPolicy', service);
      expect(selects(own, podLabelsOf(service))).toBe(true);
      expect(own.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    });

    it('reaches exactly its own stores, on their ports, and exactly the stores it is configured for', () => {
      expect(storesReached(service)).toEqual(NEEDS[service]);
      expect(storesConfigured(service)).toEqual(NEEDS[service]);
      for (const rule of egressOf(service)) {
        const store = rule.to?.[0]?.podSelector?.matchLabels?.['app.kubernetes.io/name'] as Store | undefined;
        if (store && store in STORES) expect(rule.ports).toEqual([{ protocol: 'TCP', port: STORES[store] }]);
      }
      // The ports named in the ConfigMap are the ones the policy opens.
      const data = find('ConfigMap', service).data as Record<string, string>;
      if (data.KAFKA_BROKERS) for (const b of data.KAFKA_BROKERS.split(',')) expect(b.endsWith(`:${STORES.kafka}`)).toBe(true);
      if (data.CLICKHOUSE_URL) expect(new URL(data.CLICKHOUSE_URL).port).toBe(String(STORES.clickhouse));
    });

    it('reaches no other surge pod: services never call each other', () => {
      for (const rule of egressOf(service)) {
        for (const peer of rule.to ?? []) expect(peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']).not.toBe('surge');
      }
    });

    it('is reached only on its http port, by Prometheus and (unless internal) the ingress controller', () => {
      const rules = applying(service).flatMap((p) => (p.spec.ingress ?? []) as Rule[]);
      const from = rules.flatMap((r) => (r.from ?? []).map((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'])).sort();
      expect(from).toEqual(service === 'read-sink' ? ['monitoring'] : ['ingress-nginx', 'monitoring']);
      for (const r of rules) expect(r.ports).toEqual([{ protocol: 'TCP', port: 'http' }]);
    });
  });

  it('keep read-api away from PostgreSQL and billing away from Kafka (the two the issue names)', () => {
    expect(storesReached('read-api')).not.toContain('postgresql');
    expect(storesReached('billing')).not.toContain('kafka');
    expect(Object.keys(find('ConfigMap', 'billing').data)).not.toContain('KAFKA_BROKERS');
  });
});

describe('Dockerfile', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const nodeMajor = /^>=(\d+)/.exec(pkg.engines.node)![1];

  it('builds in stages from node:<engines major>-slim', () => {
    expect(dockerfile).toContain(`ARG NODE_IMAGE=node:${nodeMajor}-slim`);
    expect(pkg.devDependencies.node!.split('.')[0]).toBe(nodeMajor);
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\} AS \w[\w-]*$/gm)).toHaveLength(3);
  });

  it('installs with npm ci, builds with npm run build, and ships production dependencies only', () => {
    expect(dockerfile).toMatch(/^RUN npm ci --no-audit/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
    expect(dockerfile).toContain('COPY --from=prod-deps /app/node_modules ./node_modules');
  });

  it('runs dist/apps/<APP>/src/main.js as a non-root user, APP from a build arg or the environment', () => {
    expect(dockerfile).toMatch(/^ARG APP=read-api$/m);
    expect(dockerfile).toMatch(/APP=\$\{APP\}/);
    expect(dockerfile).toContain('CMD ["sh", "-c", "exec node dist/apps/${APP}/src/main.js"]');
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, any>;
  };
  const services = compose.services;
  const stackScript = fs.readFileSync(path.join(ROOT, 'scripts/stack/stack.sh'), 'utf8');

  it('runs Kafka 4.4.0 (as the native stack does) as a single KRaft node', () => {
    const kafkaVersion = /^KAFKA_VERSION=([0-9.]+)/m.exec(stackScript)?.[1];
    expect(services.kafka.image).toBe(`apache/kafka:${kafkaVersion}`);
    expect(services.kafka.image).toBe('apache/kafka:4.4.0');
    expect(services.kafka.environment).toMatchObject({
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka:9093',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    });
    expect(services.kafka.environment.KAFKA_ADVERTISED_LISTENERS).toContain('127.0.0.1:9092');
  });

  it('runs ClickHouse on an LTS tag, PostgreSQL 15 and Redis 7 with AOF', () => {
    // ClickHouse LTS releases are the .3 and .8 of each year.
    expect(services.clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:\d{2}\.(3|8)(\.[0-9.]+)?$/);
    expect(services.postgres.image).toBe('postgres:15');
    expect(services.redis.image).toBe('redis:7');
    expect(services.redis.command.join(' ')).toContain('--appendonly yes');
    expect(services.redis.command.join(' ')).toContain('--maxmemory-policy noeviction');
  });

  it('binds every published port to 127.0.0.1', () => {
    const ports = Object.values(services).flatMap((s) => (s.ports ?? []) as string[]);
    expect(ports.length).toBeGreaterThan(0);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('gives every service a healthcheck', () => {
    for (const [name, s] of Object.entries(services)) expect([name, Boolean(s.healthcheck?.test)]).toEqual([name, true]);
  });

  it('keeps the servers in no profile (stack.sh starts them by name), apps and observability in theirs', () => {
    for (const name of ['kafka', 'clickhouse', 'postgres', 'redis']) expect(services[name].profiles).toBeUndefined();
    expect(stackScript).toContain('up -d --wait kafka clickhouse postgres redis');
    for (const name of ['prometheus', 'alertmanager', 'grafana']) expect(services[name].profiles).toEqual(['observability']);
  });

  it.each(SERVICES)('builds %s from the Dockerfile with the shared env var names', (name) => {
    const s = services[name];
    expect(s.profiles).toEqual(['apps']);
    expect(s.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
    expect(s.image).toBe(`surge:${pkg.version}`);
    expect(s.environment).toMatchObject({ APP: name, PORT: PORTS[name], HOST: '0.0.0.0' });
    for (const key of ['KAFKA_BROKERS', 'CLICKHOUSE_URL', 'CLICKHOUSE_DATABASE', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL']) {
      expect(s.environment[key]).toBeDefined();
    }
    expect(s.ports).toEqual([`127.0.0.1:${PORTS[name]}:${PORTS[name]}`]);
  });

  it('mounts the generated Prometheus rules and Grafana provisioning', () => {
    expect(services.prometheus.volumes).toContain('./ops/prometheus:/etc/prometheus:ro');
    expect(services.prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(services.grafana.volumes).toEqual(
      expect.arrayContaining(['./grafana/provisioning:/etc/grafana/provisioning:ro', './grafana/dashboards:/var/lib/grafana/dashboards:ro']),
    );
    for (const dir of ['ops/prometheus', 'grafana/provisioning/datasources', 'grafana/provisioning/dashboards', 'grafana/dashboards']) {
      expect(fs.existsSync(path.join(ROOT, dir))).toBe(true);
    }
  });

  it('has Prometheus scrape every service on its port, load the SLO rules and send alerts to Alertmanager', () => {
    const prom = parse(fs.readFileSync(path.join(ROOT, 'ops/prometheus/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { job_name: string; file_sd_configs?: { files: string[] }[] }[];
    };
    // The same shape as the native stack's (prometheus.native.yml): one job, targets from file_sd files.
    expect(prom.scrape_configs.find((j) => j.job_name === 'surge')?.file_sd_configs).toEqual([{ files: ['targets/*.json'] }]);
    const targets = JSON.parse(fs.readFileSync(path.join(ROOT, 'ops/prometheus/targets/compose.json'), 'utf8')) as {
      targets: string[];
      labels: { job: string };
    }[];
    for (const name of SERVICES) {
      expect(targets.find((t) => t.labels.job === name)?.targets).toEqual([`${name}:${PORTS[name]}`]);
    }
    expect(prom.rule_files).toEqual(['slo-recording.rules.yml', 'slo-alerts.rules.yml']);
    expect(prom.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(['alertmanager:9093']);
  });

  it('runs Alertmanager with the example routing, in the observability profile', () => {
    expect(services.alertmanager.profiles).toEqual(['observability']);
    expect(services.alertmanager.volumes).toContain('./ops/alertmanager:/etc/alertmanager:ro');
    expect(services.alertmanager.command).toContain('--config.file=/etc/alertmanager/alertmanager.example.yml');
    expect(fs.existsSync(path.join(ROOT, 'ops/alertmanager/alertmanager.example.yml'))).toBe(true);
  });
});
