// Three projects: `unit` (pure logic, *.spec.ts beside the code and the scripts, and the docs' checks), `e2e`
// (test/**/*.e2e-spec.ts against the real RabbitMQ and Postgres) and `faults`
// (test/faults: the apps as OS processes, killed, cut off and restarted).
const swc = ['@swc/jest', require('./test/support/swc-options')];
// `@app/contracts/<file>`: the client SDK imports single contract files, so browser bundles leave class-validator out.
// `@app/gateway`: the gateway's public face for extension modules (apps/gateway/src/index.ts).
const moduleNameMapper = { '^@app/gateway$': '<rootDir>/apps/gateway/src', '^@app/([a-z-]+)$': '<rootDir>/libs/$1/src', '^@app/contracts/([a-z-]+)$': '<rootDir>/libs/contracts/src/$1' };
const common = { rootDir: __dirname, testEnvironment: 'node', transform: { '^.+\\.ts$': swc }, moduleNameMapper };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,docs,bench,scripts}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'faults',
      testMatch: ['<rootDir>/test/faults/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/faults/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/faults/support/global-teardown.ts',
    },
  ],
  // A global option: jest ignores it inside `projects`. The e2e tests wait on real runs.
  testTimeout: 30000,
};
