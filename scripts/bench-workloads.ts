import { createHash } from 'crypto';
import { EnvironmentChart, HealthProbe, ImageReference, MicroserviceDeployment, PlatformNamespace } from '../src';

const namespacesMade = new WeakMap<EnvironmentChart, Set<string>>();

/** A digest-pinned image reference (production's policy accepts only digests). */
function image(name: string, i: number): ImageReference {
  const digest = `sha256:${createHash('sha256').update(`${name}:${i}`).digest('hex')}`;
  return ImageReference.fromDigest(`registry.example.com/${name}`, digest, `1.0.${i}`);
}

/**
 * One typical service for the benchmark: a MicroserviceDeployment with probes, a secret, autoscaling and two
 * connections (to the previous two services), in one of ten team namespaces.
 */
export function benchService(chart: EnvironmentChart, i: number): MicroserviceDeployment {
  const ns = `team-${i % 10}`;
  let made = namespacesMade.get(chart);
  if (!made) {
    made = new Set();
    namespacesMade.set(chart, made);
  }
  if (!made.has(ns)) {
    made.add(ns);
    // Team namespaces get the platform's guard rails (PSA, quota sized for 100 services, default deny).
    new PlatformNamespace(chart, `ns-${ns}`, {
      name: ns,
      concern: 'bench',
      quotaOverrides: { pods: 2000, requestsCpu: '1000', limitsCpu: '2000', requestsMemory: '2000Gi', limitsMemory: '4000Gi', services: 1000 },
    });
  }
  const name = `svc-${i}`;
  const svc = new MicroserviceDeployment(chart, name, {
    name,
    namespace: ns,
    image: image(name, i),
    ports: [{ name: 'http', port: 8080, servicePort: 80 }],
    probes: { liveness: HealthProbe.http('/health'), readiness: HealthProbe.http('/ready') },
    secrets: { 'database-url': { key: `bench/${name}/database`, property: 'url' } },
    autoscaling: { minReplicas: 2, maxReplicas: 6 },
    team: `team-${i % 10}`,
  });
  if (i >= 2) {
    svc.connectsTo({ name: `svc-${i - 1}`, namespace: `team-${(i - 1) % 10}` });
    svc.connectsTo({ name: `svc-${i - 2}`, namespace: `team-${(i - 2) % 10}` });
  }
  return svc;
}

/** n tenants in one environment. */
export { buildTenants as benchTenants } from './bench-tenants';
