// The package's public API: one explicit index per construct family (see each folder's index.ts).
export * from './core';
export * from './synth';
export * from './microservice';
export * from './datastore';
export * from './tenancy';
export * from './observability';
export * from './gitops';
export * from './policy';
export * from './plus';
export * from './addons';
export * from './review';
export * from './traffic';
