import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import {
  CanaryStep,
  Engine,
  EnvironmentChart,
  EnvironmentProfile,
  EnvValue,
  HealthProbe,
  ImageReference,
  MicroserviceDeployment,
  MicroserviceDeploymentProps,
  Plan,
  PlatformConfigError,
  PreStopHook,
  RolloutStrategy,
  StatefulDatastore,
  StatefulDatastoreProps,
  TenantNamespace,
  TenantNamespaceProps,
  synthesizeToJson,
} from '../../src';
import { Receiver } from '../../src/observability/alertmanager-config';
import { ObservabilityStack, ObservabilityStackProps } from '../../src/observability/observability-stack';
import { development, production } from '../helpers';
import { RUNBOOKS, alerting } from '../observability/helpers';

/**
 * A catalogue of bad inputs across every construct, each with the exact message a user sees. Every one must be a
 * PlatformConfigError (construct path, field, value, what is allowed), thrown while building or at synth.
 */

function svc(o: Partial<MicroserviceDeploymentProps> = {}): MicroserviceDeploymentProps {
  return { name: 'api', namespace: 'backend', image: ImageReference.fromTag('ghcr.io/acme/api', '1.0.0'), ports: [{ name: 'http', port: 8080 }], ...o };
}
function store(o: Partial<StatefulDatastoreProps> = {}): StatefulDatastoreProps {
  return { name: 'orders-db', namespace: 'data', engine: Engine.postgres(), ...o };
}
function tenant(o: Partial<TenantNamespaceProps> = {}): TenantNamespaceProps {
  return { tenant: 'acme', plan: Plan.standard(), owners: { admin: ['acme-admins'] }, sourceRepos: ['https://github.com/acme/apps.git'], ...o };
}
function stack(o: Partial<ObservabilityStackProps> = {}): ObservabilityStackProps {
  return { alerting: alerting(), runbookBaseUrl: RUNBOOKS, ...o };
}

interface Bad {
  readonly construct: string;
  readonly what: string;
  readonly build: (chart: EnvironmentChart) => void;
  readonly message: string;
  readonly profile?: EnvironmentProfile;
}

const CATALOGUE: readonly Bad[] = [
  // MicroserviceDeployment
  {
    construct: 'MicroserviceDeployment',
    what: 'uppercase name',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ name: 'Api' })),
    message:
      'development/svc: name: got "Api"; must be a DNS-1035 label of at most 55 characters: lowercase letters, digits and "-", starting with a letter and ending alphanumeric (derived names such as "<name>-preview" must stay within 63)',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'name too long',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ name: 'a'.repeat(56) })),
    message:
      'development/svc: name: got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; must be a DNS-1035 label of at most 55 characters: lowercase letters, digits and "-", starting with a letter and ending alphanumeric (derived names such as "<name>-preview" must stay within 63)',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'namespace with underscore',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ namespace: 'back_end' })),
    message: 'development/svc: namespace: got "back_end"; must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'port 0',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ ports: [{ name: 'http', port: 0 }] })),
    message: 'development/svc: ports[0].port: got 0; must be an integer from 1 to 65535',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'fractional port',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ ports: [{ name: 'http', port: 80.5 }] })),
    message: 'development/svc: ports[0].port: got 80.5; must be an integer from 1 to 65535',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'duplicate port names',
    build: (c) =>
      new MicroserviceDeployment(
        c,
        'svc',
        svc({
          ports: [
            { name: 'http', port: 8080 },
            { name: 'http', port: 9090 },
          ],
        }),
      ),
    message: 'development/svc: ports[1].name: got "http"; port names must be unique',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'port name too long',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ ports: [{ name: 'a-very-long-port-name', port: 8080 }] })),
    message:
      'development/svc: ports[0].name: got "a-very-long-port-name"; must be an IANA service name: at most 15 characters of [a-z0-9-] with at least one letter, starting and ending alphanumeric',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'cpu not a quantity',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ resources: { requests: { cpu: '1 core' } } })),
    message: 'development/svc: resources.requests.cpu: got "1 core"; must be a positive Kubernetes quantity, e.g. "250m" or "0.5"',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'request above limit',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } })),
    message: 'development/svc: resources.requests.memory: got "2Gi"; must not exceed the memory limit "1Gi" (resources.limits.memory)',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'negative replicas',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ replicas: -1 })),
    message: 'development/svc: replicas: got -1; must be an integer >= 1',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'replicas and autoscaling',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ replicas: 2, autoscaling: {} })),
    message: 'development/svc: replicas: got 2; an HPA owns the replica count when `autoscaling` is set: remove `replicas` or `autoscaling`',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'autoscaling min above max',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ autoscaling: { minReplicas: 4, maxReplicas: 2 } })),
    message: 'development/svc: autoscaling.minReplicas: got 4; must not exceed autoscaling.maxReplicas (2)',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'PDB blocks evictions',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ replicas: 2, disruptionBudget: { minAvailable: 2 } })),
    message:
      'development/svc: disruptionBudget.minAvailable: got 2; blocks every voluntary eviction (node drains hang) with 2 replica(s): must keep fewer than 2 pod(s) available',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'runs as root',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ runAs: { runAsUser: 0 } })),
    message: 'development/svc: runAs.runAsUser: got 0; must be a non-zero uid/gid (PSS restricted forbids running as root)',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'wildcard verb',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ apiAccess: { rules: [{ resources: ['pods'], verbs: ['*' as any] }] } })),
    message:
      'development/svc: apiAccess.rules[0].verbs: got "*"; must be one of: get, list, watch, create, update, patch, delete, deletecollection (no "*": least privilege)',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'latest in production',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ image: ImageReference.parse('ghcr.io/acme/api:latest') })),
    profile: production,
    message: 'production/svc: image: got "ghcr.io/acme/api:latest"; the production image policy forbids "latest": pin a version tag or a digest',
  },
  // A tag without a digest in production is reported at synth with every other problem (see the image inventory).
  {
    construct: 'MicroserviceDeployment',
    what: 'untagged image in production',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ image: ImageReference.parse('ghcr.io/acme/api') })),
    profile: production,
    message:
      'production/svc: image: got "ghcr.io/acme/api"; the production image policy forbids untagged images (they mean "latest"): pin a version tag or a digest',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'literal secret value',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ secrets: { token: { value: 'x' } as any } })),
    message:
      'development/svc: secrets.token: got {"value":"<redacted>"}; must be a remote reference { key, property?, version? } into the secret store; literal secret values are never written to Git',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'password in plain env',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ env: { DB_PASSWORD: EnvValue.value('hunter2') } })),
    message:
      'development/svc: env.DB_PASSWORD: got "<redacted>"; looks like a secret: a literal value would be written to Git; declare it in `secrets` and use EnvValue.fromSecret(key)',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'env from undeclared secret',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ env: { TOKEN: EnvValue.fromSecret('token') } })),
    message: 'development/svc: env.TOKEN: got "token"; must be a key of `secrets`; declared keys: none',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'probe on unexposed port',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ probes: { liveness: HealthProbe.http('/healthz', { port: 9999 }) } })),
    message: 'development/svc: probes.liveness.port: got 9999; the container does not expose this port; exposed ports: http (8080)',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'canary weights decrease',
    build: (c) =>
      new MicroserviceDeployment(c, 'svc', svc({ strategy: RolloutStrategy.canary({ steps: [CanaryStep.setWeight(40), CanaryStep.setWeight(20)] }) })),
    message: 'development/svc: strategy.steps[1].setWeight: got 20; weights must increase: the previous step set 40',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'preStop longer than grace',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ preStop: PreStopHook.sleep(60) })),
    message: 'development/svc: preStop: got "sleep 60"; must end before terminationGracePeriodSeconds (30) or the container is killed mid-shutdown',
  },
  {
    construct: 'MicroserviceDeployment',
    what: 'connection to unknown workload',
    build: (c) => new MicroserviceDeployment(c, 'svc', svc({ connectsTo: [{ name: 'ghost' }] as any })),
    message: 'development/svc: connectsTo[0]: got "backend/ghost"; no workload named "ghost" in namespace "backend"; known workloads: backend/api',
  },
  // StatefulDatastore
  {
    construct: 'StatefulDatastore',
    what: 'name too long',
    build: (c) => new StatefulDatastore(c, 'db', store({ name: 'a'.repeat(41) })),
    message:
      'development/db: name: got "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; must be a DNS-1035 label of at most 40 characters (lowercase letters, digits and "-", starting with a letter)',
  },
  {
    construct: 'StatefulDatastore',
    what: 'name starting with a digit',
    build: (c) => new StatefulDatastore(c, 'db', store({ name: '1db' })),
    message: 'development/db: name: got "1db"; must be a DNS-1035 label of at most 40 characters (lowercase letters, digits and "-", starting with a letter)',
  },
  {
    construct: 'StatefulDatastore',
    what: 'zero replicas',
    build: (c) => new StatefulDatastore(c, 'db', store({ replicas: 0 })),
    message: 'development/db: replicas: got 0; must be a positive integer',
  },
  {
    construct: 'StatefulDatastore',
    what: 'one replica in an HA profile',
    build: (c) => new StatefulDatastore(c, 'db', store({ replicas: 1 })),
    profile: production,
    message: 'production/db: replicas: got 1; PostgreSQL needs at least 2 replicas when the profile asks for high availability',
  },
  {
    construct: 'StatefulDatastore',
    what: 'storage size not a quantity',
    build: (c) => new StatefulDatastore(c, 'db', store({ storage: { size: 'ten gigs' } })),
    message: 'development/db: storage.size: got "ten gigs"; must be a Kubernetes quantity such as "10Gi"',
  },
  {
    construct: 'StatefulDatastore',
    what: 'storage class with uppercase',
    build: (c) => new StatefulDatastore(c, 'db', store({ storage: { storageClass: 'Fast_SSD' } })),
    message: 'development/db: storage.storageClass: got "Fast_SSD"; must be a StorageClass name: a DNS-1123 subdomain (lowercase letters, digits, "-" and ".")',
  },
  {
    construct: 'StatefulDatastore',
    what: 'backup schedule not cron',
    build: (c) => new StatefulDatastore(c, 'db', store({ backup: { schedule: 'every night' } })),
    profile: production,
    message: 'production/db: backup.schedule: got "every night"; must be a five-field cron expression such as "0 3 * * *" (or @daily, @hourly, ...)',
  },
  {
    construct: 'StatefulDatastore',
    what: 'zero retention',
    build: (c) => new StatefulDatastore(c, 'db', store({ backup: { retentionDays: 0 } })),
    profile: production,
    message: 'production/db: backup.retentionDays: got 0; must be a whole number of days, at least 1 (a retention of 0 would delete every backup)',
  },
  {
    construct: 'StatefulDatastore',
    what: 'backup destination not s3',
    build: (c) => new StatefulDatastore(c, 'db', store({ backup: { destination: 'ftp://backups' } })),
    profile: production,
    message:
      'production/db: backup.destination: got "ftp://backups"; must be an object-storage URL "s3://<bucket>[/<prefix>]" (a prefix of letters, digits, ".", "_", "-" and "/")',
  },
  {
    construct: 'StatefulDatastore',
    what: 'managed port out of range',
    build: (c) => new StatefulDatastore(c, 'db', store({ managed: { host: 'orders.rds.amazonaws.com', port: 70000 } })),
    message: 'development/db: managed.port: got 70000; must be a port number from 1 to 65535',
  },
  {
    construct: 'StatefulDatastore',
    what: 'managed host is an IP',
    build: (c) => new StatefulDatastore(c, 'db', store({ managed: { host: '10.0.0.5' } })),
    message:
      'development/db: managed.host: got "10.0.0.5"; must be the DNS name of the managed service (e.g. "orders.abc123.eu-west-1.rds.amazonaws.com"); an ExternalName Service cannot point at an IP address',
  },
  {
    construct: 'StatefulDatastore',
    what: 'unknown client',
    build: (c) => new StatefulDatastore(c, 'db', store({ clients: [{ name: 'ghost' }] })),
    message: 'development/db: clients[0]: got "data/ghost"; no workload named "ghost" in namespace "data"; known workloads: none',
  },
  {
    construct: 'StatefulDatastore',
    what: 'empty namespace',
    build: (c) => new StatefulDatastore(c, 'db', store({ namespace: '' })),
    message: 'development/db: namespace: got ""; must be a DNS-1123 label: at most 63 characters of [a-z0-9-], starting and ending alphanumeric',
  },
  {
    construct: 'StatefulDatastore',
    what: 'team that is not a label value',
    build: (c) => new StatefulDatastore(c, 'db', store({ team: ' ' })),
    message: 'development/db: team: got " "; must be a label value: 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric',
  },
  // TenantNamespace
  {
    construct: 'TenantNamespace',
    what: 'tenant id with uppercase',
    build: (c) => new TenantNamespace(c, 'tenant', tenant({ tenant: 'Acme' })),
    message:
      'development/tenant: tenant: got "Acme"; must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit) of at most 56 characters, because the namespace is "tenant-<id>"',
  },
  {
    construct: 'TenantNamespace',
    what: 'no admin group',
    build: (c) => new TenantNamespace(c, 'tenant', tenant({ owners: { admin: [] } })),
    message: 'development/tenant: owners.admin: got []; must name at least one group: a tenant without an owner cannot be operated',
  },
  {
    construct: 'TenantNamespace',
    what: 'no source repository',
    build: (c) => new TenantNamespace(c, 'tenant', tenant({ sourceRepos: [] })),
    message: 'development/tenant: sourceRepos: got []; must list at least one Git repository the tenant deploys from',
  },
  {
    construct: 'TenantNamespace',
    what: 'wildcard source repository',
    build: (c) => new TenantNamespace(c, 'tenant', tenant({ sourceRepos: ['*'] })),
    message:
      'development/tenant: sourceRepos[0]: got "*"; must be a Git repository URL (https://, ssh:// or git@) without wildcards: Argo CD would otherwise deploy from any repository',
  },
  {
    construct: 'TenantNamespace',
    what: 'shared service in another tenant',
    build: (c) => new TenantNamespace(c, 'tenant', tenant({ sharedServices: [{ name: 'db', namespace: 'tenant-other', ports: [{ port: 5432 }] }] })),
    message:
      'development/tenant: sharedServices[0].namespace: got "tenant-other"; must be a platform namespace: egress into another tenant\'s namespace ("tenant-*") would break tenant isolation',
  },
  {
    construct: 'TenantNamespace',
    what: 'shared service without ports',
    build: (c) => new TenantNamespace(c, 'tenant', tenant({ sharedServices: [{ name: 'db', namespace: 'data', ports: [] }] })),
    message: 'development/tenant: sharedServices[0].ports: got []; must list at least one port: a shared service is entitled on its ports only',
  },
  {
    construct: 'TenantNamespace',
    what: 'shared service port out of range',
    build: (c) => new TenantNamespace(c, 'tenant', tenant({ sharedServices: [{ name: 'db', namespace: 'data', ports: [{ port: 0 }] }] })),
    message: 'development/tenant: sharedServices[0].ports[0].port: got 0; must be an integer from 1 to 65535',
  },
  // ObservabilityStack
  {
    construct: 'ObservabilityStack',
    what: 'runbook URL not http',
    build: (c) => new ObservabilityStack(c, 'obs', stack({ runbookBaseUrl: 'runbooks.example.com' })),
    message: 'development/obs: runbookBaseUrl: got "runbooks.example.com"; must be an http(s) URL',
  },
  {
    construct: 'ObservabilityStack',
    what: 'retention not a duration',
    build: (c) => new ObservabilityStack(c, 'obs', stack({ retention: '15 days' })),
    message: 'development/obs: retention: got "15 days"; must be a Prometheus duration such as "15d" or "12h"',
  },
  {
    construct: 'ObservabilityStack',
    what: 'retention size without unit',
    build: (c) => new ObservabilityStack(c, 'obs', stack({ retentionSize: '45' })),
    message: 'development/obs: retentionSize: got "45"; must be a Prometheus size such as "512MB" or "45GB" (units B, KB, MB, GB, TB, PB, EB)',
  },
  {
    construct: 'ObservabilityStack',
    what: 'storage size not a quantity',
    build: (c) => new ObservabilityStack(c, 'obs', stack({ storageSize: '50 GiB' })),
    message: 'development/obs: storageSize: got "50 GiB"; must be a Kubernetes quantity such as "50Gi"',
  },
  {
    construct: 'ObservabilityStack',
    what: 'unknown default receiver',
    build: (c) => new ObservabilityStack(c, 'obs', stack({ alerting: { ...alerting(), defaultReceiver: 'nobody' } })),
    message: 'development/obs: alerting.defaultReceiver: got "nobody"; no receiver named "nobody"; receivers: backend-slack, ops-email, ops-pager',
  },
  {
    construct: 'ObservabilityStack',
    what: 'route without matchers',
    build: (c) => new ObservabilityStack(c, 'obs', stack({ alerting: { ...alerting(), routes: [{ receiver: 'ops-pager', matchers: {} }] } })),
    message: 'development/obs: alerting.routes[0].matchers: got {}; a route needs at least one matcher (an empty one would catch every alert)',
  },
  {
    construct: 'ObservabilityStack',
    what: 'duplicate receiver names',
    build: (c) =>
      new ObservabilityStack(c, 'obs', stack({ alerting: { ...alerting(), receivers: [...alerting().receivers, Receiver.pagerDuty('ops-pager')] } })),
    message: 'development/obs: alerting.receivers[3].name: got "ops-pager"; receiver names must be unique',
  },
  {
    construct: 'ObservabilityStack',
    what: 'SLO below the minimum',
    build: (c) => new ObservabilityStack(c, 'obs', stack({ thresholds: { sloAvailabilityPercent: 50 } as any })),
    message:
      'development/obs: thresholds.sloAvailabilityPercent: got 50; must be at least 95 and less than 100 (the fastest burn-rate alert fires at 14.4 x the error budget)',
  },
  {
    construct: 'ObservabilityStack',
    what: 'dashboard for an unknown service',
    build: (c) => new ObservabilityStack(c, 'obs', stack({ serviceDashboards: [{ service: 'ghost', panels: [] } as any] })),
    message: 'development/obs: serviceDashboards[0].service: got "ghost"; no registered service or datastore has that name; registered: none',
  },
];

/** Builds and synthesizes; returns the error thrown (at construction or at synth), or undefined. */
function attempt(b: Bad): unknown {
  try {
    const app = new App({ outdir: '.cdk8s.out' });
    const chart = new EnvironmentChart(app, { profile: b.profile ?? development });
    b.build(chart);
    synthesizeToJson(app);
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('catalogue of bad inputs', () => {
  it('GIVEN the catalogue THEN it covers at least 40 inputs across the four constructs', () => {
    expect(CATALOGUE.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CATALOGUE.map((b) => b.construct))).toEqual(
      new Set(['MicroserviceDeployment', 'StatefulDatastore', 'TenantNamespace', 'ObservabilityStack']),
    );
  });

  it.each(CATALOGUE.map((b) => [b.construct, b.what, b] as const))('GIVEN %s with %s THEN a PlatformConfigError with the exact message', (_c, _w, b) => {
    const e = attempt(b);
    // Errors found while a Lazy value resolves at synth (references) reach the caller unwrapped too.
    expect((e as Error).message).toBe(b.message);
    expect(e).toBeInstanceOf(PlatformConfigError);
    expect(b.message).toMatch(/^(development|production)\/[^:]+: [^:]+: got .+; .+$/);
  });
});
