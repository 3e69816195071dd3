import { describe, expect, it } from 'vitest';
import { AddOn, SecretBackend } from '../../src';
import { evaluatePolicies, policyPlugin } from '../../src/policy';
import { development, production } from '../helpers';
import { envOf, goodEnvironment, pick } from './fixtures';

const refs = (objs: Record<string, any>[], profile = production) =>
  evaluatePolicies(envOf(objs, profile))
    .violations.filter((v) => v.checkId === 'references-resolve')
    .map((v) => v.text);

/** The reference environment plus a pod that reads Secret `name` in namespace shop. */
function readingSecret(name: string, extra: Record<string, any>[] = []): Record<string, any>[] {
  const objs = goodEnvironment();
  pick(objs, 'Deployment', 'api').spec.template.spec.containers[0].env = [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name, key: 'token' } } }];
  return [...objs, ...extra];
}

describe('references-resolve: objects that produce the object referred to', () => {
  it('GIVEN a Secret read from env that an ExternalSecret maintains THEN it resolves; without the ExternalSecret it dangles', () => {
    const es = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'api-secrets', namespace: 'shop' },
      spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-production' }, target: { name: 'api-token' } },
    };
    expect(refs(readingSecret('api-token', [es]))).toEqual([]);
    expect(refs(readingSecret('api-token'))).toEqual([
      'production/shop/Deployment/api: spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name: refers to Secret shop/api-token, which no object of environment production creates; emit it, or declare it in profile.clusterProvides.objects as "Secret/shop/api-token" if the cluster provides it [references-resolve]',
    ]);
  });

  it('GIVEN Secrets a Certificate, an annotated Ingress and a Strimzi Kafka produce THEN pods may read them', () => {
    const cert = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'tls', namespace: 'shop' },
      spec: { secretName: 'api-tls', issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-prod' } },
    };
    const kafka = { apiVersion: 'kafka.strimzi.io/v1', kind: 'Kafka', metadata: { name: 'events', namespace: 'shop' }, spec: {} };
    expect(refs(readingSecret('api-tls', [cert]))).toEqual([]);
    expect(refs(readingSecret('events-cluster-ca-cert', [kafka]))).toEqual([]);
  });

  it("GIVEN a Certificate naming an Issuer nothing emits and a ClusterIssuer the profile's cert-manager add-on defines THEN only the first dangles", () => {
    const cert = (name: string, issuerRef: Record<string, string>) => ({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name, namespace: 'shop' },
      spec: { secretName: name, issuerRef },
    });
    expect(refs([...goodEnvironment(), cert('a', { name: 'ca' }), cert('b', { kind: 'ClusterIssuer', name: 'letsencrypt-prod' })])).toEqual([
      'production/shop/Certificate/a: spec.issuerRef.name: refers to Issuer shop/ca, which no object of environment production creates; emit it, or declare it in profile.clusterProvides.objects as "Issuer/shop/ca" if the cluster provides it [references-resolve]',
    ]);
  });

  it('GIVEN a Velero Schedule THEN it needs the default BackupStorageLocation the velero add-on configures', () => {
    const schedule = {
      apiVersion: 'velero.io/v1',
      kind: 'Schedule',
      metadata: { name: 'db', namespace: 'velero' },
      spec: { schedule: '0 2 * * *', template: {} },
    };
    expect(refs([...goodEnvironment(), schedule])).toEqual([]);
    expect(refs([...goodEnvironment(), schedule], { ...production, addOns: [AddOn.certManager(), AddOn.ingressNginx()] })).toEqual([
      'production/velero/Schedule/db: spec.template.storageLocation: refers to BackupStorageLocation velero/default, which no object of environment production creates; emit it, or declare it in AddOn.velero(...) (its BackupStorageLocation is the backup destination) if the cluster provides it [references-resolve]',
    ]);
  });

  it('GIVEN a ServiceAccount named by a RoleBinding subject and a pod THEN each must exist; the chart-made ones of an add-on count', () => {
    const objs = goodEnvironment();
    pick(objs, 'RoleBinding', 'operator').subjects.push(
      { kind: 'ServiceAccount', name: 'external-secrets', namespace: 'external-secrets' },
      { kind: 'ServiceAccount', name: 'ghost', namespace: 'shop' },
    );
    expect(refs(objs)).toEqual([
      'production/shop/RoleBinding/operator: subjects[2].name: refers to ServiceAccount shop/ghost, which no object of environment production creates; emit it, or declare it in profile.clusterProvides.objects as "ServiceAccount/shop/ghost" if the cluster provides it [references-resolve]',
    ]);
  });
});

describe('references-resolve: what the profile states about the cluster', () => {
  const es = {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name: 'api-secrets', namespace: 'shop' },
    spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault-production' } },
  };
  const pvc = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'shop' },
    spec: { storageClassName: 'gp3-encrypted', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  };

  it("GIVEN no add-on defining stores THEN the profile's secret store is the cluster's; GIVEN stores THEN it must be one of them", () => {
    expect(
      refs([...goodEnvironment(), es], { ...production, addOns: [AddOn.externalSecrets(), AddOn.certManager(), AddOn.ingressNginx(), AddOn.velero()] }),
    ).toEqual([]);
    expect(
      refs([...goodEnvironment(), es], {
        ...production,
        addOns: [
          AddOn.externalSecrets({ stores: [SecretBackend.gcpSecretManager('gcp', { projectId: 'p' })] }),
          AddOn.certManager(),
          AddOn.ingressNginx(),
          AddOn.velero(),
        ],
      }),
    ).toEqual([
      'production/shop/ExternalSecret/api-secrets: spec.secretStoreRef.name: refers to ClusterSecretStore vault-production, which no object of environment production creates; emit it, or declare it in AddOn.externalSecrets({ stores: [...] }) or profile.clusterProvides.clusterSecretStores if the cluster provides it [references-resolve]',
    ]);
  });

  it("GIVEN the profile's storage class THEN claims may name it; another class must be declared", () => {
    expect(refs([...goodEnvironment(), pvc])).toEqual([]);
    expect(refs([...goodEnvironment(), pvc], { ...production, storage: { ...production.storage, storageClass: 'gp3' } })).toEqual([
      'production/shop/PersistentVolumeClaim/data: spec.storageClassName: refers to StorageClass gp3-encrypted, which no object of environment production creates; emit it, or declare it in profile.clusterProvides.storageClasses if the cluster provides it [references-resolve]',
    ]);
  });
});

describe('references-resolve fails synth everywhere', () => {
  it('GIVEN development (policies only reported) WHEN a reference dangles THEN it is an error while other violations stay warnings', () => {
    const objs = readingSecret('missing');
    delete pick(objs, 'Deployment', 'api').spec.template.spec.topologySpreadConstraints;
    const result = policyPlugin().check!(envOf(objs, development), { outdir: '/nonexistent' });
    expect(result.errors).toEqual([
      'policy: development/shop/Deployment/api: spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name: refers to Secret shop/missing, which no object of environment development creates; emit it, or declare it in profile.clusterProvides.objects as "Secret/shop/missing" if the cluster provides it [references-resolve]',
    ]);
    expect(result.warnings.length).toBeGreaterThan(0);
    expect(result.warnings.every((w) => !w.includes('[references-resolve]'))).toBe(true);
  });
});
