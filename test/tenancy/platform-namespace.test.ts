import { describe, expect, it } from 'vitest';
import { EnvironmentProfile, Plan, PlatformNamespace, PlatformNamespaceProps } from '../../src';
import { development, production, synthEnv } from '../helpers';

function platformNs(props: Partial<PlatformNamespaceProps> = {}, profile: EnvironmentProfile = development) {
  return synthEnv((chart) => {
    new PlatformNamespace(chart, 'backend', { name: 'backend', ...props });
  }, profile);
}

describe('PlatformNamespace', () => {
  it('GIVEN a platform namespace WHEN synthesized THEN it enforces PSS restricted and carries the platform labels', () => {
    const ns = platformNs({ concern: 'backend', team: 'core' }).find('Namespace', 'backend');
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.27',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'platform.io/plan': 'platform',
      'platform.io/environment': 'development',
      'platform.io/cost-center': 'platform',
      'platform.io/concern': 'backend',
      'platform.io/team': 'core',
    });
    expect(ns.metadata.labels['platform.io/tenant']).toBeUndefined();
    expect(ns.metadata.annotations).toBeUndefined();
  });

  it('GIVEN the platform plan WHEN synthesized THEN the quota and LimitRange set no cpu limit', () => {
    const env = platformNs();
    const q = env.find('ResourceQuota', 'resource-quota', 'backend');
    expect(q.spec.hard['requests.cpu']).toBe('32');
    expect(q.spec.hard['limits.memory']).toBe('256Gi');
    expect(q.spec.hard['limits.cpu']).toBeUndefined();
    expect(env.find('LimitRange', 'limit-range', 'backend').spec.limits).toEqual([
      { type: 'Container', default: { memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } },
    ]);
  });

  it('GIVEN a plan and overrides WHEN synthesized THEN they are used', () => {
    const q = platformNs({ plan: Plan.enterprise(), quotaOverrides: { pods: 400 } }).find('ResourceQuota', 'resource-quota');
    expect(q.spec.hard.pods).toBe(400);
    expect(q.spec.hard['limits.cpu']).toBe('32');
  });

  it('GIVEN a platform namespace WHEN synthesized THEN it has a default deny both ways and DNS egress, and nothing else', () => {
    const env = platformNs();
    expect(env.find('NetworkPolicy', 'default-deny-all', 'backend').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(env.find('NetworkPolicy', 'allow-dns', 'backend').spec.policyTypes).toEqual(['Egress']);
    expect(env.all('NetworkPolicy')).toHaveLength(2);
  });

  it('GIVEN an exemption WHEN synthesized THEN privileged is enforced, audit/warn stay restricted and the reason is annotated', () => {
    const ns = platformNs({ name: 'logging', exemptFromRestricted: { reason: 'Fluent Bit reads /var/log/containers through hostPath' } }).find(
      'Namespace',
      'logging',
    );
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns.metadata.labels['pod-security.kubernetes.io/audit']).toBe('restricted');
    expect(ns.metadata.labels['pod-security.kubernetes.io/warn']).toBe('restricted');
    expect(ns.metadata.annotations['platform.io/pss-exemption-reason']).toBe('Fluent Bit reads /var/log/containers through hostPath');
  });

  it('GIVEN a profile protecting stateful resources WHEN synthesized THEN Argo CD may neither prune nor delete the namespace', () => {
    expect(platformNs({}, production).find('Namespace', 'backend').metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
  });

  it('GIVEN the seed namespaces WHEN synthesized THEN each gets the same guard rails', () => {
    const names = ['i-invoyisi-frontend', 'i-invoyisi-backend', 'i-invoyisi-monitoring', 'i-invoyisi-system', 'app-core', 'db-postgres', 'storage-minio'];
    const env = synthEnv((chart) => {
      for (const name of names) new PlatformNamespace(chart, name, { name });
    });
    for (const name of names) {
      env.find('ResourceQuota', 'resource-quota', name);
      env.find('LimitRange', 'limit-range', name);
      env.find('NetworkPolicy', 'default-deny-all', name);
    }
  });

  it('GIVEN a minimal and an exempt namespace WHEN synthesized THEN the documents match the snapshot', () => {
    expect(platformNs().docs).toMatchSnapshot();
    expect(platformNs({ name: 'logging', concern: 'logging', exemptFromRestricted: { reason: 'hostPath /var/log' } }, production).docs).toMatchSnapshot();
  });

  describe('errors', () => {
    it('rejects an exemption without a reason', () => {
      expect(() => platformNs({ exemptFromRestricted: { reason: ' ' } })).toThrow(
        'development/backend: exemptFromRestricted.reason: got " "; must explain why the namespace needs privileged pods (it is written to the platform.io/pss-exemption-reason annotation)',
      );
    });

    it('rejects a name that is not a DNS-1123 label', () => {
      expect(() => platformNs({ name: 'Backend' })).toThrow(
        'development/backend: name: got "Backend"; must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)',
      );
    });

    it('rejects the tenant prefix', () => {
      expect(() => platformNs({ name: 'tenant-core' })).toThrow(
        'development/backend: name: got "tenant-core"; must not start with "tenant-": that prefix is reserved for tenant namespaces',
      );
    });

    it('rejects a quota override below the LimitRange defaults', () => {
      expect(() => platformNs({ quotaOverrides: { limitsMemory: '100Mi' } })).toThrow(
        'development/backend: quotaOverrides.limitsMemory: got "100Mi"; must be at least 512Mi, the plan "platform" LimitRange\'s default.memory (one container with default resources must fit in the quota)',
      );
    });

    it('rejects a concern that is not a label value', () => {
      expect(() => platformNs({ concern: 'data stores' })).toThrow(
        'development/backend: concern: got "data stores"; must be a label value: at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric',
      );
    });
  });
});
