import { createHash } from 'crypto';
import { App } from 'cdk8s';
import { AddOn, EnvironmentChart, EnvironmentOutput, EnvironmentProfile, SynthContext, SynthDocument, synthesizeToJson, TrafficLayer } from '../src';
import { ResultMemo } from '../src/synth/result-memo';
import { buildApp } from '../charts';
import { development } from '../charts/development';
import { production } from '../charts/production';
import { staging } from '../charts/staging';

export { development, production, staging };

/** A profile for tests: development's, with overrides. */
export function testProfile(overrides: Partial<EnvironmentProfile> = {}): EnvironmentProfile {
  return { ...development, ...overrides };
}

export interface SynthesizedEnv {
  readonly chart: EnvironmentChart;
  readonly docs: Record<string, any>[];
  /** Finds one document by kind and name (and namespace); throws when missing so tests fail clearly. */
  find(kind: string, name: string, namespace?: string): Record<string, any>;
  /** All documents of a kind. */
  all(kind: string): Record<string, any>[];
  readonly documents: readonly SynthDocument[];
}

/**
 * GIVEN a profile, WHEN `build` adds constructs to an environment chart, THEN returns the synthesized documents.
 * Every document is checked by the synth-time schema validator; any problem fails the test with its message.
 */
export function synthEnv(build: (chart: EnvironmentChart) => void, profile: EnvironmentProfile = development): SynthesizedEnv {
  const app = new App({ outdir: '.cdk8s.out' });
  const chart = new EnvironmentChart(app, { profile });
  build(chart);
  const { envs, problems } = synthesizeToJson(app);
  if (problems.length > 0) throw new Error(`schema validation failed:\n  ${problems.join('\n  ')}`);
  const documents = envs[0]!.documents;
  const docs = documents.map((d) => d.object);
  return {
    chart,
    docs,
    documents,
    find(kind, name, namespace) {
      const d = docs.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace));
      if (!d) throw new Error(`no ${kind} ${namespace ?? '*'}/${name}; have: ${docs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
      return d;
    },
    all(kind) {
      return docs.filter((x) => x.kind === kind);
    },
  };
}

/**
 * `profile` on a cluster that still runs an Ingress controller: the Ingress traffic layer (class `nginx` in
 * `controllerNamespace`), with ingress-nginx in place of Envoy Gateway among its add-ons.
 */
export function withIngress(profile: EnvironmentProfile, controllerNamespace = 'ingress-nginx'): EnvironmentProfile {
  return {
    ...profile,
    traffic: TrafficLayer.ingress({ className: 'nginx', controllerNamespace }),
    ...(profile.addOns ? { addOns: profile.addOns.map((a) => (a.name === 'envoy-gateway' ? AddOn.ingressNginx({ namespace: controllerNamespace }) : a)) } : {}),
  };
}

let referenceOutput: ReturnType<typeof synthesizeToJson> | undefined;

/**
 * The reference platform (charts/, every environment) synthesized in memory, once per test worker and shared by the
 * tests that only read it (a whole synth costs seconds; several files need it). Its documents are frozen: a test
 * that changes one fails at the change instead of corrupting what the others read. A test that needs to change the
 * output copies what it changes, or builds its own with `synthesizeToJson(buildApp())`.
 */
export function referencePlatform(): readonly EnvironmentOutput[] {
  if (referenceOutput === undefined) {
    referenceOutput = synthesizeToJson(buildApp());
    for (const env of referenceOutput.envs) deepFreeze(env.documents);
    Object.freeze(referenceOutput.envs);
  }
  return referenceOutput.envs;
}

/** The reference platform's output folder `directory` (an environment, or a GitOps folder). */
export function referenceEnvironment(directory: string): EnvironmentOutput {
  const found = referencePlatform().find((e) => e.directory === directory);
  if (found === undefined) throw new Error(`the reference platform has no output folder ${directory}`);
  return found;
}

/** Freezes `value` and everything below it (plain data: parsed YAML, synthesized documents); returns it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
  return value;
}

/**
 * The NetworkPolicy peer for the Envoy proxies of the reference profiles' Gateway (`public` in namespace `gateway`),
 * which run in Envoy Gateway's namespace: what routed workloads and the HTTP-01 solvers must admit. Written out, not
 * taken from src/, so the tests state the expected labels independently.
 */
export const GATEWAY_PROXY_PEER = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } },
  podSelector: {
    matchLabels: {
      'app.kubernetes.io/name': 'envoy',
      'app.kubernetes.io/component': 'proxy',
      'app.kubernetes.io/managed-by': 'envoy-gateway',
      'gateway.envoyproxy.io/owning-gateway-name': 'public',
      'gateway.envoyproxy.io/owning-gateway-namespace': 'gateway',
    },
  },
};

/**
 * A synth context for folder-wide results (src/synth/result-memo.ts) whose digests are those of each object's JSON
 * (`unknown` has none), and an in-memory memo over `recorded` that logs its reads and writes.
 */
export function memoContext(recorded = new Map<string, unknown>(), unknown?: object): SynthContext & { log: string[]; recorded: Map<string, unknown> } {
  const log: string[] = [];
  const memo: ResultMemo = {
    get: (key) => {
      log.push(`get ${recorded.has(key) ? 'hit' : 'miss'}`);
      return recorded.get(key);
    },
    set: (key, value) => {
      log.push('set');
      recorded.set(key, value);
    },
  };
  const digestOf = (o: object) => (o === unknown ? undefined : createHash('sha256').update(JSON.stringify(o)).digest('base64'));
  return { outdir: '/nonexistent', command: 'npm run synth --', memo, digestOf, log, recorded };
}
