import { describe, expect, it } from 'vitest';
import { SchemaRegistry, SchemaValidator } from '../../src';
import type { SchemaBundle } from '../../src/synth/schema-registry';
import { labelKeyProblem, labelValueProblem, nameProblem } from '../../src/synth/schema-validator';

const v = new SchemaValidator();

function deployment(overrides: Record<string, any> = {}, container: Record<string, any> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api-gateway', namespace: 'backend', labels: { 'app.kubernetes.io/name': 'api-gateway' } },
    spec: {
      selector: { matchLabels: { app: 'api-gateway' } },
      template: {
        metadata: { labels: { app: 'api-gateway' } },
        spec: { containers: [{ name: 'api', image: 'api:1.0.0', ...container }] },
      },
      ...overrides,
    },
  };
}

function messages(doc: Record<string, any>): string[] {
  return v.validate(doc).map((p) => `${p.path}: ${p.message}`);
}

describe('SchemaValidator (Kubernetes 1.27, strict)', () => {
  it('accepts a valid Deployment', () => {
    expect(messages(deployment())).toEqual([]);
  });

  it('rejects an unknown field with its JSON path and the allowed fields', () => {
    const [m] = messages(deployment({}, { imagee: 'x' }));
    expect(m).toMatch(
      /^spec\.template\.spec\.containers\[0\]\.imagee: unknown field "imagee" \(allowed: args, command, env, envFrom, image, imagePullPolicy, /,
    );
  });

  it('rejects a wrong type', () => {
    expect(messages(deployment({ replicas: '3' }))).toEqual(['spec.replicas: expected an integer, got string "3"']);
  });

  it('rejects a missing required field', () => {
    const doc = deployment();
    delete (doc.spec.template.spec.containers[0] as any).name;
    expect(messages(doc)).toEqual(['spec.template.spec.containers[0].name: required field "name" is missing']);
  });

  it('accepts int-or-string and quantities in both forms', () => {
    const doc = deployment(
      { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } } },
      {
        resources: { requests: { cpu: '100m', memory: 134217728 } },
      },
    );
    expect(messages(doc)).toEqual([]);
  });

  it('rejects a bad object name, namespace and label', () => {
    const doc = deployment();
    doc.metadata.name = 'API_Gateway';
    doc.metadata.namespace = 'Backend';
    (doc.metadata.labels as any)['team'] = 'payments team';
    expect(messages(doc)).toEqual([
      'metadata.name: name "API_Gateway" must be a DNS-1123 subdomain: at most 253 characters of [a-z0-9.-], starting and ending alphanumeric',
      'metadata.namespace: namespace "Backend" must be a DNS-1123 label',
      'metadata.labels.team: label value "payments team" must be at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric',
    ]);
  });

  it('requires a namespace for namespaced kinds and forbids it for cluster-scoped kinds', () => {
    const doc = deployment();
    delete (doc.metadata as any).namespace;
    expect(messages(doc)).toEqual(['metadata.namespace: Deployment is namespaced: metadata.namespace is required']);
    expect(messages({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', namespace: 'b' } })).toEqual([
      'metadata.namespace: Namespace is cluster-scoped: metadata.namespace must not be set',
    ]);
  });

  it('treats an unknown apiVersion/kind as an error, not a skip', () => {
    expect(messages({ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'a', namespace: 'b' } })).toEqual([
      'apiVersion: "apps/v1beta1" Deployment is no longer served as of Kubernetes 1.16; use apps/v1',
    ]);
    expect(messages({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'a' } })).toEqual([
      'apiVersion: unknown apiVersion/kind "example.com/v1/Widget": neither Kubernetes 1.27 nor a vendored CRD serves it',
    ]);
  });

  it('validates CRD documents strictly against the served version (ExternalSecret v1)', () => {
    const es = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'api-secrets', namespace: 'backend' },
      spec: {
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
        target: { name: 'api-secrets' },
        data: [{ secretKey: 'url', remoteRef: { key: 'db', property: 'url', bogus: true } }],
      },
    };
    expect(messages(es)).toEqual([expect.stringMatching(/^spec\.data\[0\]\.remoteRef\.bogus: unknown field "bogus"/)]);
    expect(messages({ ...es, apiVersion: 'external-secrets.io/v1beta1' })[0]).toMatch(
      /unknown apiVersion\/kind "external-secrets.io\/v1beta1\/ExternalSecret"/,
    );
  });

  it('rejects enum values a CRD does not allow', () => {
    const doc = {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'x', namespace: 'y' },
      spec: { secretStoreRef: { kind: 'VaultStore', name: 'vault' } },
    };
    expect(messages(doc)).toEqual(['spec.secretStoreRef.kind: value "VaultStore" is not allowed; allowed: "SecretStore", "ClusterSecretStore"']);
  });
});

describe('name and label rules', () => {
  it('limits Services to DNS-1035 labels', () => {
    expect(nameProblem('Service', '1api')).toMatch(/must be a DNS-1035 label/);
    expect(nameProblem('Service', 'a'.repeat(64))).toMatch(/must be a DNS-1035 label/);
    expect(nameProblem('Service', 'api-gateway')).toBeUndefined();
  });
  it('limits label keys and values', () => {
    expect(labelKeyProblem('app.kubernetes.io/name')).toBeUndefined();
    expect(labelKeyProblem('Bad_Prefix/name')).toBe('key prefix "Bad_Prefix" must be a DNS-1123 subdomain of at most 253 characters');
    expect(labelValueProblem('x'.repeat(64))).toMatch(/at most 63 characters/);
    expect(labelValueProblem('')).toBeUndefined();
  });
});

describe('CRDs that list metadata as required', () => {
  it('accept an AppProject whose metadata is given (checked against ObjectMeta, not the CRD)', () => {
    const doc = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'production', namespace: 'argocd' },
      spec: { sourceRepos: ['https://git.example.com/platform.git'], destinations: [{ server: 'https://kubernetes.default.svc', namespace: '*' }] },
    };
    expect(v.validate(doc)).toEqual([]);
  });
});

describe('SchemaRegistry: the kind index and the bundle', () => {
  it('GIVEN every kind of the bundle WHEN looked up through the kind index THEN scope and schema are the bundle own, and the schemas load only when one is read', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundle = require('../../imports/validation-schemas.json') as SchemaBundle;
    const direct = new SchemaRegistry(bundle);
    let loads = 0;
    const indexed = new SchemaRegistry(
      () => {
        loads++;
        return bundle;
      },
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('../../imports/validation-kinds.json'),
    );
    const kinds = direct.knownKinds();
    expect(indexed.knownKinds()).toEqual(kinds);
    expect(kinds.length).toBeGreaterThan(150);
    const slash = (k: string) => [k.slice(0, k.lastIndexOf('/')), k.slice(k.lastIndexOf('/') + 1)] as const;
    for (const k of kinds) {
      const a = direct.lookup(...slash(k))!;
      const b = indexed.lookup(...slash(k))!;
      expect([k, b.namespaced, b.structural]).toEqual([k, a.namespaced, a.structural]);
    }
    expect(indexed.lookup('v1', 'NoSuchKind')).toBeUndefined();
    expect(loads).toBe(0);
    for (const k of kinds) expect(indexed.lookup(...slash(k))!.schema).toBe(direct.lookup(...slash(k))!.schema);
    expect(loads).toBe(1);
  });
});
