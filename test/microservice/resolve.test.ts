import { describe, expect, test } from 'vitest';
import { ImageReference, MicroserviceDeploymentProps, RolloutStrategy, VpaMode } from '../../src';
import { resolveDisruptionBudget, resolveMicroservice, resolveResources } from '../../src/microservice/resolve';
import { development, production, testProfile } from '../helpers';

/** Resolution of a MicroserviceDeployment's props against a profile: plain functions, no construct, no synth. */
const PATH = 'test/api';
// Tag and digest: accepted by every profile's image policy (production takes digests only).
const image = ImageReference.fromDigest('registry.example.com/shop/api', `sha256:${'a'.repeat(64)}`, '1.4.2');
const props = (overrides: Partial<MicroserviceDeploymentProps> = {}): MicroserviceDeploymentProps => ({
  name: 'api',
  namespace: 'shop',
  image,
  ports: [{ name: 'http', port: 8080 }],
  ...overrides,
});

describe('resolveMicroservice', () => {
  test('GIVEN only the required props WHEN resolved in development THEN the profile supplies the defaults', () => {
    const r = resolveMicroservice(PATH, props(), development);

    expect(r.replicas).toBe(development.replicas);
    expect(r.maxReplicas).toBe(development.replicas);
    expect(r.autoscaling).toBeUndefined();
    expect(r.isRollout).toBe(false);
    expect(r.strategy.options.kind).toBe('rollingUpdate');
    expect(r.disruptionBudget).toEqual({ maxUnavailable: 1 });
    // development is not HA and runs one replica: nothing to spread.
    expect(r.topologySpread).toBe(false);
    expect(r.secretName).toBe('api-secrets');
    expect(r.podSelector).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' });
    expect(r.labels).toEqual({
      'app.kubernetes.io/name': 'api',
      'app.kubernetes.io/instance': 'api',
      'app.kubernetes.io/component': 'service',
      'app.kubernetes.io/version': '1.4.2',
    });
    expect(r.ports).toEqual([{ name: 'http', port: 8080, servicePort: 8080, protocol: 'TCP', appProtocol: 'http' }]);
    expect(r.metrics).toEqual({ port: r.ports[0], path: '/metrics', httpMetrics: true });
  });

  test('GIVEN autoscaling in production WHEN resolved THEN the HPA owns the replicas and its bounds come from the profile', () => {
    const r = resolveMicroservice(PATH, props({ autoscaling: { maxReplicas: 20 } }), production);

    expect(r.replicas).toBeUndefined();
    expect(r.autoscaling).toEqual({ minReplicas: 3, maxReplicas: 20, cpu: 70, memory: 80, pods: [], scaleUp: undefined, scaleDown: undefined });
    expect(r.maxReplicas).toBe(20);
    expect(r.topologySpread).toBe(true);
  });

  test('GIVEN a separate metrics port WHEN resolved THEN clients reach only the main port', () => {
    const r = resolveMicroservice(
      PATH,
      props({
        ports: [
          { name: 'http', port: 8080, servicePort: 80 },
          { name: 'metrics', port: 9090 },
        ],
      }),
      development,
    );

    expect(r.metrics?.port.name).toBe('metrics');
    expect(r.clientPorts).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
  });

  test('GIVEN a canary WHEN resolved THEN it is a rollout', () => {
    const r = resolveMicroservice(PATH, props({ strategy: RolloutStrategy.canary() }), production);
    expect(r.isRollout).toBe(true);
  });

  test('GIVEN a VPA that changes the requests the HPA scales on WHEN resolved THEN the error names the path and both settings', () => {
    expect(() => resolveMicroservice(PATH, props({ autoscaling: {}, verticalAutoscaling: { mode: VpaMode.auto() } }), development)).toThrow(
      'test/api: verticalAutoscaling.mode: got "Auto"; the HPA scales on cpu and memory utilization, so a VPA that changes those requests fights it: use VpaMode.recommend(), or leave cpu and memory out of controlledResources',
    );
  });

  test('GIVEN replicas and autoscaling WHEN resolved THEN the error says which one to remove', () => {
    expect(() => resolveMicroservice(PATH, props({ replicas: 2, autoscaling: {} }), development)).toThrow(
      'test/api: replicas: got 2; an HPA owns the replica count when `autoscaling` is set: remove `replicas` or `autoscaling`',
    );
  });
});

describe('resolveResources', () => {
  test('GIVEN partial overrides WHEN resolved THEN unset values come from the profile', () => {
    const r = resolveResources(PATH, 'resources', { requests: { cpu: '500m' } }, testProfile().resources);

    const values = (m: Record<string, { value: string | number }> | undefined) => Object.fromEntries(Object.entries(m ?? {}).map(([k, q]) => [k, q.value]));
    expect(values(r.requests)).toEqual({ cpu: '500m', memory: '64Mi' });
    expect(values(r.limits)).toEqual({ memory: '256Mi' });
  });

  test('GIVEN a request above its limit WHEN resolved THEN the error names the field and the limit', () => {
    expect(() => resolveResources(PATH, 'sidecars[0].resources', { requests: { memory: '1Gi' } }, development.resources)).toThrow(
      'test/api: sidecars[0].resources.requests.memory: got "1Gi"; must not exceed the memory limit "256Mi" (sidecars[0].resources.limits.memory)',
    );
  });
});

describe('resolveDisruptionBudget', () => {
  test('GIVEN no options THEN one pod may be unavailable', () => {
    expect(resolveDisruptionBudget(PATH, undefined, 3)).toEqual({ maxUnavailable: 1 });
  });

  test('GIVEN a percentage that rounds up to every pod WHEN resolved THEN it is refused (node drains would hang)', () => {
    expect(() => resolveDisruptionBudget(PATH, { minAvailable: '70%' }, 2)).toThrow(
      'test/api: disruptionBudget.minAvailable: got "70%"; blocks every voluntary eviction (node drains hang) with 2 replica(s): must keep fewer than 2 pod(s) available',
    );
    expect(resolveDisruptionBudget(PATH, { minAvailable: '50%' }, 3)).toEqual({ minAvailable: '50%' });
  });
});
