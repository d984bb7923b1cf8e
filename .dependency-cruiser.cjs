// The dependency rules of the code base, checked with the tests (npm run lint:deps).
// Pure domain libraries: the validation, tariff and billing maths. They must
// stay free of frameworks and drivers so they run anywhere and test without servers.
const PURE_DOMAIN = '^libs/(meter-domain|billing-domain|flexibility-domain|slo)/';
// Industry flow grammars and parsers: pure too, and narrower still (they build on
// the meter domain only, and do no I/O: the caller streams the file's lines in).
const INDUSTRY_FLOW = '^libs/industry-flow/';
// Adapters and cross-cutting runtime pieces: reusable by any feature, so they know none. They raise
// typed transport errors (e.g. KafkaUnavailableError) and the feature maps them to its own codes.
const ADAPTERS = '^libs/(kafka|clickhouse|postgres|redis|http|config|observability|validation|errors|auth)/';
// Features: their services, repositories and tables. The reading feature is one feature in four libs,
// split by deployable (intake for read-api, sink for read-sink, query, and the store both use).
const FEATURES = '^libs/(reading-(intake|sink|query|review|store)|billing|csat|registry|flow-intake|flexibility)/';
// What crosses between features: events and published tables, versioned, owned by one feature each.
const CONTRACTS = '^libs/[^/]+-contracts/';
module.exports = {
  forbidden: [
    {
      name: 'lib-imports-app',
      comment: 'Libraries are shared; an app is a thin shell around them. A lib never imports an app.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'app-imports-other-app',
      comment: 'Apps are isolated deployables; share code through libs/.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'pure-domain-imports-impure',
      comment: 'Pure domain code imports only other pure domain code and decimal maths: no NestJS, no drivers, no I/O.',
      severity: 'error',
      from: { path: PURE_DOMAIN },
      to: {
        pathNot: [PURE_DOMAIN, '^libs/errors/src/', 'node_modules/decimal\\.js/'],
      },
    },
    {
      name: 'pure-domain-imports-node-io',
      comment: 'Pure domain code does no I/O.',
      severity: 'error',
      from: { path: PURE_DOMAIN },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'industry-flow-imports-impure',
      comment: 'libs/industry-flow imports only libs/meter-domain, libs/errors and itself: no NestJS, no drivers, no decimal maths.',
      severity: 'error',
      from: { path: INDUSTRY_FLOW },
      to: { pathNot: [INDUSTRY_FLOW, '^libs/meter-domain/src/', '^libs/errors/src/'] },
    },
    {
      name: 'industry-flow-imports-node-io',
      comment: 'Industry flow parsing does no I/O: lines come in as an iterable.',
      severity: 'error',
      from: { path: INDUSTRY_FLOW },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'registry-internals-private',
      comment: 'Only apps/registry (and scripts that drive the registry, like its bulk import, and test fixtures) import libs/registry; every other service learns the registry from the registry.v1 topic through libs/registry-contracts (docs/decisions/0008-registry.md).',
      severity: 'error',
      from: { pathNot: ['^libs/registry/', '^apps/registry/', '^scripts/registry-', '^test/'] },
      to: { path: '^libs/registry/' },
    },
    {
      name: 'registry-contracts-pure',
      comment: 'The registry.v1 contract is imported by every consumer: it depends on nothing but itself.',
      severity: 'error',
      from: { path: '^libs/registry-contracts/' },
      to: { pathNot: ['^libs/registry-contracts/'] },
    },
    // Test support and demo data (issue 12): a separate block so other rule changes merge cleanly.
    {
      name: 'test-support-only-in-tests-and-scripts',
      comment: 'test/support (servers, env, seeders) and test/fixtures (stubs, the demo population) are imported only by tests (*.spec.ts, *.int-spec.ts, test/) and by scripts/ and benchmarks/; apps and libs never, so no fixture or demo data reaches a deployable.',
      severity: 'error',
      from: { path: '^(apps|libs)/' },
      to: { path: '^test/' },
    },
    {
      name: 'observability-artifacts-build-time-only',
      comment: 'libs/observability-artifacts generates artefacts (Grafana dashboards, the Prometheus run report of benches); only scripts/, benchmarks/ and tests use it. Services use libs/observability (logger, metrics, probes, process exit).',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: '^libs/observability-artifacts/' },
      to: { path: '^libs/observability-artifacts/' },
    },
    {
      name: 'adapter-imports-feature',
      comment: 'Adapter libs (kafka, clickhouse, postgres, redis, http, config, observability runtime, validation, errors, auth) are reusable by any feature: they import no feature lib and no contract. A domain code or wording in an adapter belongs to the feature that maps the adapter\'s error.',
      severity: 'error',
      from: { path: ADAPTERS },
      to: { path: [FEATURES, CONTRACTS] },
    },
    {
      name: 'feature-imports-other-feature',
      comment: 'A feature lib imports another feature only through its contracts (libs/*-contracts), never its services, repositories or migrations. The five reading-* libs are one feature.',
      severity: 'error',
      from: { path: '^libs/(reading|billing|csat|registry|flow|flexibility)(-(?:intake|sink|query|review|store))?/' },
      to: { path: FEATURES, pathNot: '^libs/$1(-(intake|sink|query|review|store))?/' },
    },
    {
      name: 'reading-deployables-apart',
      comment: 'read-api\'s request path (libs/reading-intake) and read-sink (libs/reading-sink) are separate deployables: neither imports the other; what both need sits in reading-store, reading-contracts or meter-domain.',
      severity: 'error',
      from: { path: '^libs/reading-(intake|sink)/' },
      to: { path: '^libs/reading-(intake|sink)/', pathNot: '^libs/reading-$1/' },
    },
    {
      name: 'contracts-import-only-themselves-and-zod',
      comment: 'A contract (libs/*-contracts: events, published tables) is imported by producers and consumers alike: it depends on nothing but itself and zod.',
      severity: 'error',
      from: { path: '^libs/([^/]+-contracts)/' },
      to: { pathNot: ['^libs/$1/', 'node_modules/zod/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.(spec|int-spec|e2e-spec)\\.ts$' },
  },
};
