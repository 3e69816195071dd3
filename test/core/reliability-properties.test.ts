import { App } from 'cdk8s';
import fc from 'fast-check';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  Engine,
  EnvironmentChart,
  EnvironmentProfile,
  EnvValue,
  ImageReference,
  MicroserviceDeployment,
  MicroserviceDeploymentProps,
  Plan,
  PlatformConfigError,
  StatefulDatastore,
  StatefulDatastoreProps,
  TenantNamespace,
  TenantNamespaceProps,
  synthesizeToJson,
} from '../../src';
import { toYaml } from '../../src/synth/yaml';
import { evaluatePolicies } from '../../src/policy';
import { ObservabilityStack, ObservabilityStackProps } from '../../src/observability/observability-stack';
import { development, production, staging } from '../helpers';
import { RUNBOOKS, alerting, elasticsearch, jaeger, registerService } from '../observability/helpers';

/**
 * Property: whatever the input, a construct either synthesizes documents that are schema-valid, survive a YAML
 * write + re-read unchanged and pass the policy gate, or throws our clear PlatformConfigError. Never a TypeError
 * from inside a library, never invalid YAML. A fixed seed keeps CI reproducible; raise NUM_RUNS locally to explore.
 */
const SEED = 20261121;
const NUM_RUNS = 60;

/**
 * Policy violations the constructs produce today on valid input, per construct, as `<check-id> <Kind>`. These are
 * gaps in the constructs (reported to their owners), not in the input; remove entries as they are fixed. Anything
 * not listed fails the property.
 */
const KNOWN_GAPS: Record<string, readonly string[]> = {
  MicroserviceDeployment: [],
  // Default engine and exporter images are tags, not digests (pinned per profile by the lead).
  StatefulDatastore: ['image-digest StatefulSet', 'image-digest CronJob'],
  TenantNamespace: [],
  // Default images are tags, not digests (pinned per profile by the lead).
  ObservabilityStack: ['image-digest StatefulSet', 'image-digest Deployment', 'image-digest DaemonSet'],
};

/** Our errors: PlatformConfigError, or one wrapped by cdk8s while a Lazy value resolved at synth. */
function isClearError(e: unknown): boolean {
  return e instanceof PlatformConfigError || (e instanceof Error && / PlatformConfigError: [^:]+: [^:]+: got /.test(e.message));
}

/** How many generated inputs synthesized (vs. were rejected), per construct: a property that always throws proves nothing. */
const outcomes: Record<string, { synthesized: number; rejected: number }> = {};

function count(construct: string, key: 'synthesized' | 'rejected'): void {
  const o = (outcomes[construct] ??= { synthesized: 0, rejected: 0 });
  o[key]++;
}

/** Builds, synthesizes and checks the property; rethrows anything that is not our clear error. */
function holds(construct: string, profile: EnvironmentProfile, build: (chart: EnvironmentChart) => void): void {
  let result: ReturnType<typeof synthesizeToJson>;
  try {
    const app = new App({ outdir: '.cdk8s.out' });
    const chart = new EnvironmentChart(app, { profile });
    build(chart);
    result = synthesizeToJson(app);
  } catch (e) {
    if (isClearError(e)) return count(construct, 'rejected');
    throw e;
  }
  const env = result.envs[0]!;
  // Problems about a document are schema problems (never acceptable); others come from construct validations.
  const ids = env.documents.map((d) => `${d.id}: `);
  expect(result.problems.filter((p) => ids.some((id) => p.startsWith(id)))).toEqual([]);
  if (result.problems.length > 0) return count(construct, 'rejected');
  count(construct, 'synthesized');
  for (const d of env.documents) expect(load(toYaml(d.object))).toEqual(JSON.parse(JSON.stringify(d.object)));
  const allowed = new Set(KNOWN_GAPS[construct]);
  const violations = evaluatePolicies(env).violations.filter((v) => !allowed.has(`${v.checkId} ${v.resource.split('/')[2]}`));
  expect(violations.map((v) => v.text)).toEqual([]);
}

/** Called after each property: both valid and invalid inputs must have been generated. */
function expectBothOutcomes(): void {
  const name = expect.getState().currentTestName ?? '';
  const construct = Object.keys(KNOWN_GAPS).find((c) => name.includes(c)) ?? '';
  const o = outcomes[construct] ?? { synthesized: 0, rejected: 0 };
  expect(o.synthesized, `${construct}: ${JSON.stringify(o)}`).toBeGreaterThanOrEqual(NUM_RUNS / 10);
  expect(o.rejected, `${construct}: ${JSON.stringify(o)}`).toBeGreaterThanOrEqual(NUM_RUNS / 10);
}

const profileArb = fc.constantFrom(development, staging, production);
/** Nine times in ten a plausible value, otherwise something else: most runs reach synth, every field gets bad values. */
function mostly<T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: invalid });
}
const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,18}[a-z0-9]$/);
const nameArb = mostly(dnsLabel, fc.string({ maxLength: 70 }));
const quantityArb = (valid: string[]) => mostly(fc.constantFrom(...valid), fc.string({ maxLength: 8 }));
const labelValueArb = mostly(fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,20}[A-Za-z0-9])?$/), fc.string({ maxLength: 70 }));
const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const DIGEST = `sha256:${'b'.repeat(64)}`;
const imageArb = mostly(
  fc.constantFrom(
    ImageReference.fromDigest('ghcr.io/acme/api', DIGEST),
    ImageReference.fromDigest('ghcr.io/acme/api', DIGEST, '1.2.3'),
    ImageReference.fromTag('ghcr.io/acme/api', '1.2.3'),
  ),
  fc.string({ maxLength: 40 }).map((s) => ({ parse: s })),
);

function image(i: ImageReference | { parse: string }): ImageReference {
  return 'parse' in i ? ImageReference.parse(i.parse) : i;
}

describe('property: MicroserviceDeployment', () => {
  it('GIVEN any props WHEN synthesized THEN valid, policy-clean documents or a PlatformConfigError', () => {
    const props = fc.record(
      {
        name: nameArb,
        namespace: nameArb,
        image: imageArb,
        ports: mostly(
          fc
            .uniqueArray(fc.record({ name: fc.constantFrom('http', 'grpc', 'metrics', 'admin'), port: fc.integer({ min: 1024, max: 65_535 }) }), {
              maxLength: 3,
              selector: (p) => p.name,
            })
            .filter((ps) => new Set(ps.map((p) => p.port)).size === ps.length),
          fc.array(fc.record({ name: fc.string({ maxLength: 20 }), port: fc.integer({ min: -1, max: 70_000 }) }), { maxLength: 3 }),
        ),
        replicas: optional(mostly(fc.integer({ min: 1, max: 12 }), fc.integer({ min: -2, max: 0 }))),
        disruptionBudget: optional(
          mostly(
            fc.record({ maxUnavailable: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom('25%', '50%')) }),
            fc.record({ minAvailable: fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom('50%', '100%', 'x')) }),
          ),
        ),
        resources: optional(
          fc.record(
            {
              requests: fc.record({ cpu: quantityArb(['50m', '250m', '0.5']), memory: quantityArb(['64Mi', '128Mi']) }, { requiredKeys: [] }),
              limits: fc.record({ memory: quantityArb(['256Mi', '512Mi', '2Gi']) }, { requiredKeys: [] }),
            },
            { requiredKeys: [] },
          ),
        ),
        topologySpread: optional(fc.boolean()),
        env: optional(
          fc.dictionary(
            fc.constantFrom('LOG_LEVEL', 'FEATURE_FLAG', 'REGION', 'API_TOKEN'),
            fc.string({ maxLength: 30 }).map((v) => EnvValue.value(v)),
            { maxKeys: 3 },
          ),
        ),
        team: optional(labelValueArb),
        version: optional(labelValueArb),
      },
      { requiredKeys: ['name', 'namespace', 'image', 'ports'] },
    );
    const autoscalingArb = optional(
      mostly(
        fc.record({ minReplicas: optional(fc.integer({ min: 1, max: 4 })), maxReplicas: optional(fc.integer({ min: 4, max: 12 })) }, { requiredKeys: [] }),
        fc.record({ minReplicas: fc.integer({ min: -1, max: 8 }), maxReplicas: fc.integer({ min: 0, max: 6 }) }),
      ),
    );
    fc.assert(
      fc.property(props, autoscalingArb, profileArb, (p, autoscaling, profile) => {
        holds('MicroserviceDeployment', profile, (chart) => {
          // An HPA owns the replica count, so the two are generated together only in the rare invalid case.
          const scaling =
            autoscaling !== undefined && p.replicas !== undefined && p.replicas % 5 !== 0
              ? { autoscaling }
              : autoscaling !== undefined
                ? { autoscaling, replicas: undefined }
                : {};
          new MicroserviceDeployment(chart, 'svc', { ...p, ...scaling, image: image(p.image) } as MicroserviceDeploymentProps);
        });
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );
    expectBothOutcomes();
  });
});

describe('property: StatefulDatastore', () => {
  // Found by this property (unchecked input produced schema-invalid documents); now a clear error, which the property counts as rejected.
  const db = (props: Partial<StatefulDatastoreProps>) => (chart: EnvironmentChart) => {
    new StatefulDatastore(chart, 'db', { name: 'db', namespace: 'data', engine: Engine.postgres(), ...props });
  };

  it('GIVEN a team that is not a label value THEN a PlatformConfigError naming the field', () => {
    expect(() => db({ team: ' ' })(new EnvironmentChart(new App(), { profile: development }))).toThrow(
      'development/db: team: got " "; must be a label value: 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric',
    );
    holds('StatefulDatastore-input', development, db({ team: ' ' }));
    expect(outcomes['StatefulDatastore-input']).toEqual({ synthesized: 0, rejected: 1 });
  });

  it('GIVEN an empty namespace THEN a PlatformConfigError naming the field', () => {
    expect(() => db({ namespace: '' })(new EnvironmentChart(new App(), { profile: development }))).toThrow(
      'development/db: namespace: got ""; must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric',
    );
    holds('StatefulDatastore-input', development, db({ namespace: '' }));
    expect(outcomes['StatefulDatastore-input']).toEqual({ synthesized: 0, rejected: 2 });
  });

  it('GIVEN any props WHEN synthesized THEN valid, policy-clean documents or a PlatformConfigError', () => {
    const engines = [
      () => Engine.postgres(),
      () => Engine.redis(),
      () => Engine.clickhouse(),
      () => Engine.elasticsearch(),
      () => Engine.minio(),
      () => Engine.kafka(),
    ];
    const props = fc.record(
      {
        name: nameArb,
        namespace: nameArb,
        engine: fc.integer({ min: 0, max: engines.length - 1 }),
        replicas: optional(mostly(fc.integer({ min: 1, max: 5 }), fc.integer({ min: -1, max: 0 }))),
        storage: optional(
          fc.record(
            { size: quantityArb(['10Gi', '50Gi', '100Gi']), storageClass: mostly(fc.constantFrom('fast', 'gp3-encrypted'), fc.string({ maxLength: 12 })) },
            { requiredKeys: [] },
          ),
        ),
        backup: optional(
          fc.record(
            {
              enabled: fc.boolean(),
              schedule: mostly(fc.constantFrom('0 3 * * *', '@daily', '*/15 * * * *'), fc.string({ maxLength: 12 })),
              retentionDays: mostly(fc.integer({ min: 1, max: 60 }), fc.integer({ min: -1, max: 0 })),
              destination: mostly(fc.constantFrom('s3://backups/db', 's3://b'), fc.string({ maxLength: 16 })),
            },
            { requiredKeys: [] },
          ),
        ),
        managed: fc.option(
          fc.record(
            {
              host: mostly(
                fc.constantFrom('orders.abc.eu-west-1.rds.amazonaws.com', 'cache.example.com'),
                fc.oneof(fc.constant('10.0.0.5'), fc.string({ maxLength: 20 })),
              ),
              port: optional(mostly(fc.integer({ min: 1, max: 65_535 }), fc.integer({ min: -1, max: 70_000 }))),
            },
            { requiredKeys: ['host'] },
          ),
          { nil: undefined, freq: 5 },
        ),
        team: optional(labelValueArb),
      },
      { requiredKeys: ['name', 'namespace', 'engine'] },
    );
    fc.assert(
      fc.property(props, profileArb, (p, base) => {
        // The cluster provides the storage class the props name (a class it lacks is a dangling reference, tested apart).
        const cls = p.storage?.storageClass;
        const profile =
          cls === undefined
            ? base
            : { ...base, clusterProvides: { ...base.clusterProvides, storageClasses: [...(base.clusterProvides?.storageClasses ?? []), cls] } };
        holds('StatefulDatastore', profile, (chart) => {
          new StatefulDatastore(chart, 'db', { ...p, engine: engines[p.engine]!() } as StatefulDatastoreProps);
        });
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );
    expectBothOutcomes();
  });
});

describe('property: TenantNamespace', () => {
  it('GIVEN any props WHEN synthesized THEN valid, policy-clean documents or a PlatformConfigError', () => {
    const repo = mostly(
      fc.constantFrom('https://github.com/acme/apps.git', 'git@github.com:acme/apps.git', 'https://gitlab.example.com/acme/infra.git'),
      fc.oneof(fc.constant('*'), fc.string({ maxLength: 30 })),
    );
    const props = fc.record(
      {
        tenant: nameArb,
        displayName: optional(fc.string({ maxLength: 40 })),
        plan: fc.constantFrom(Plan.free(), Plan.standard(), Plan.enterprise()),
        owners: fc.record(
          {
            admin: mostly(fc.array(dnsLabel, { minLength: 1, maxLength: 2 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 })),
            view: optional(fc.array(dnsLabel, { maxLength: 2 })),
          },
          { requiredKeys: ['admin'] },
        ),
        sourceRepos: mostly(fc.array(repo, { minLength: 1, maxLength: 2 }), fc.constant([])),
        sharedServices: optional(
          fc.uniqueArray(
            fc.record({
              name: dnsLabel,
              namespace: mostly(
                dnsLabel.filter((n) => !n.startsWith('tenant-')),
                fc.constant('tenant-other'),
              ),
              ports: mostly(
                fc.array(fc.record({ port: fc.integer({ min: 1, max: 65_535 }) }), { minLength: 1, maxLength: 2 }),
                fc.array(fc.record({ port: fc.integer({ min: -1, max: 70_000 }) }), { maxLength: 2 }),
              ),
            }),
            { maxLength: 2, selector: (x) => x.name },
          ),
        ),
        ciDeployer: optional(fc.boolean()),
      },
      { requiredKeys: ['tenant', 'plan', 'owners', 'sourceRepos'] },
    );
    fc.assert(
      fc.property(props, profileArb, (p, profile) => {
        holds('TenantNamespace', profile, (chart) => {
          new TenantNamespace(chart, 'tenant', p as TenantNamespaceProps);
        });
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );
    expectBothOutcomes();
  });
});

describe('property: ObservabilityStack', () => {
  it('GIVEN any props WHEN synthesized THEN valid, policy-clean documents or a PlatformConfigError', () => {
    const props = fc.record({
      runbookBaseUrl: mostly(fc.constantFrom(RUNBOOKS, 'http://wiki.internal/runbooks'), fc.string({ maxLength: 30 })),
      retention: optional(mostly(fc.constantFrom('15d', '12h', '2w'), fc.string({ maxLength: 6 }))),
      retentionSize: optional(mostly(fc.constantFrom('45GB', '512MB', '1TB'), fc.string({ maxLength: 6 }))),
      storageSize: optional(quantityArb(['50Gi', '10Gi'])),
      thresholds: optional(
        fc.record(
          {
            sloAvailabilityPercent: mostly(fc.double({ min: 95, max: 99.99, noNaN: true }), fc.double({ min: 0, max: 100 })),
            errorRatePercent: mostly(fc.double({ min: 0.1, max: 50, noNaN: true }), fc.double()),
          },
          { requiredKeys: [] },
        ),
      ),
      logs: fc.boolean(),
      traces: fc.boolean(),
      services: fc.integer({ min: 0, max: 2 }),
    });
    fc.assert(
      fc.property(props, profileArb, (p, profile) => {
        holds('ObservabilityStack', profile, (chart) => {
          for (let i = 0; i < p.services; i++) registerService(chart, `svc-${i}`);
          const { logs, traces, services, ...rest } = p;
          new ObservabilityStack(chart, 'obs', {
            alerting: alerting(),
            ...rest,
            logs: logs ? elasticsearch() : undefined,
            traces: traces ? jaeger() : undefined,
          } as ObservabilityStackProps);
          void services;
        });
      }),
      { seed: SEED, numRuns: NUM_RUNS },
    );
    expectBothOutcomes();
  });
});
