import type { Config } from 'jest';

// Tests run from TypeScript sources: each @yieldio/* import (and `yieldio`) maps to the package's
// src/index.ts (@yieldio/core/internal to core's src/internal.ts), so a test never needs a
// build first. The type-check is a separate step (`npm run typecheck`), so ts-jest only
// transpiles here, which keeps the suite fast.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/spec', '<rootDir>/docs', '<rootDir>/examples'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/scripts/jest-dispose-symbols.cjs'],
  moduleNameMapper: {
    '^@yieldio/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@yieldio/core/internal$': '<rootDir>/packages/core/src/internal.ts',
    '^yieldio$': '<rootDir>/packages/yieldio/src/index.ts',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', target: 'ES2022', isolatedModules: true } }],
  },
  testTimeout: 20000,
};

export default config;
