import { describe, expect, it } from 'vitest';
import { hardenPodSpec, HardeningOptions, PLUS_ADDRESS_LABEL, replaceAddressLabels } from '../../src/plus/harden';

const OPTIONS: HardeningOptions = {
  path: 'production/legacy',
  field: 'spec.template.spec',
  resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  selector: { 'app.kubernetes.io/name': 'legacy', 'app.kubernetes.io/instance': 'legacy' },
  spread: false,
};

describe('hardening a cdk8s-plus pod spec (pure JSON)', () => {
  it("GIVEN a memory limit below the profile's request WHEN filled in THEN the request never exceeds the team's limit", () => {
    const spec: Record<string, any> = { containers: [{ name: 'c', image: 'x:1', resources: { limits: { memory: '128Mi' } } }] };
    hardenPodSpec(spec, OPTIONS);
    expect(spec.containers[0].resources).toEqual({ limits: { memory: '128Mi' }, requests: { cpu: '200m', memory: '128Mi' } });
  });

  it("GIVEN the team's explicit choices that restricted allows WHEN hardened THEN they are kept", () => {
    const spec: Record<string, any> = {
      securityContext: { runAsUser: 1000, fsGroup: 2000 },
      containers: [
        { name: 'c', image: 'x:1', securityContext: { readOnlyRootFilesystem: false, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['NET_RAW'] } } },
      ],
      volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory' } }],
    };
    hardenPodSpec(spec, OPTIONS);
    expect(spec.securityContext).toEqual({ runAsUser: 1000, fsGroup: 2000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(spec.containers[0].securityContext).toMatchObject({
      readOnlyRootFilesystem: false,
      capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL', 'NET_RAW'] },
    });
    // Their own "tmp" volume is left alone, and a writable root filesystem needs no /tmp.
    expect(spec.volumes).toEqual([{ name: 'tmp', emptyDir: { medium: 'Memory' } }]);
    expect(spec.containers[0].volumeMounts).toBeUndefined();
  });

  it.each([
    [{ hostNetwork: true, containers: [] }, 'production/legacy: spec.template.spec.hostNetwork: got true; a host namespace; PSS restricted forbids it'],
    [
      { volumes: [{ name: 'logs', hostPath: { path: '/var/log' } }], containers: [] },
      'production/legacy: spec.template.spec.volumes[0].hostPath: got {"path":"/var/log"}; a hostPath volume',
    ],
    [
      { containers: [{ name: 'c', securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }] },
      'production/legacy: spec.template.spec.containers[0].securityContext.capabilities.add: got ["SYS_ADMIN"]; capabilities other than NET_BIND_SERVICE (SYS_ADMIN)',
    ],
    [
      { containers: [], initContainers: [{ name: 'i', securityContext: { runAsUser: 0 } }] },
      'production/legacy: spec.template.spec.initContainers[0].securityContext.runAsUser: got 0; running as root (uid 0)',
    ],
  ])('GIVEN %j WHEN hardened THEN it is refused naming the field', (spec, message) => {
    expect(() => hardenPodSpec(spec as Record<string, any>, OPTIONS)).toThrow(message);
  });

  it('GIVEN label maps with a known cdk8s.io/metadata.addr WHEN relabelled THEN only those maps change', () => {
    const doc = { spec: { selector: { [PLUS_ADDRESS_LABEL]: 'c-api-1' }, other: { [PLUS_ADDRESS_LABEL]: 'c-unknown-2' } } };
    replaceAddressLabels(doc, new Map([['c-api-1', { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' }]]));
    expect(doc).toEqual({
      spec: { selector: { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api' }, other: { [PLUS_ADDRESS_LABEL]: 'c-unknown-2' } },
    });
  });
});
