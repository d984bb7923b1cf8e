// Three tiers. Unit tests are pure and need no servers; integration tests run
// against the real local stack (each test in its own database or topic); end
// to end tests drive the built services through their public HTTP API.
const swc = ['@swc/jest', { swcrc: true }];
// A few dependencies ship ES modules only; Jest's CommonJS runtime needs them
// transpiled. Everything else in node_modules is left alone.
const esmDeps = ['@platformatic', 'jose', 'zod', 'undici', 'mnemonist', 'scule', 'fastq', 'puppeteer-core', '@puppeteer', 'chromium-bidi'];
const common = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmDeps.join('|')})/)`],
  moduleNameMapper: { '^@surge/([^/]+)/(.*)$': '<rootDir>/libs/$1/src/$2', '^@surge-test/(.*)$': '<rootDir>/test/$1' },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testEnvironment: 'node',
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,scripts}/**/*.spec.ts', '<rootDir>/test/{support,fixtures}/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'], setupFilesAfterEnv: ['<rootDir>/test/jest.slow-tier.setup.js'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'], setupFilesAfterEnv: ['<rootDir>/test/jest.slow-tier.setup.js'] },
  ],
};
