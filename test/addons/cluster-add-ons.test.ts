import { describe, expect, it } from 'vitest';
import {
  AcmeSolver,
  AddOn,
  AwsAuth,
  ClusterAddOns,
  EnvironmentChart,
  EnvironmentProfile,
  ImageReference,
  IngressHost,
  MicroserviceDeployment,
  MonitoringMode,
  resolveAddOns,
  SecretBackend,
  TlsIssuer,
  VaultAuth,
  VeleroCredentials,
} from '../../src';
import { evaluatePolicies } from '../../src/policy';
import { GATEWAY_PROXY_PEER, development, production, synthEnv, withIngress } from '../helpers';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function withAddOns(profile: EnvironmentProfile, build: Parameters<typeof synthEnv>[0] = () => undefined) {
  return synthEnv((chart) => {
    build(chart);
    ClusterAddOns.of(chart);
  }, profile);
}

describe("the add-ons' namespaces", () => {
  it("GIVEN the production add-ons THEN each namespace gets the platform guard rails and PSS restricted, except Velero's with its node agent", () => {
    const env = withAddOns(production);
    const ns = (name: string) => env.find('Namespace', name);
    expect(ns('cert-manager').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'platform.io/concern': 'cert-manager' });
    expect(ns('cert-manager').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(ns('velero').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns('velero').metadata.annotations['platform.io/pss-exemption-reason']).toBe(
      "Velero's node agent (file-system backups) mounts the kubelet's pod volumes from the node (hostPath /var/lib/kubelet/pods) and reads them as root",
    );
    for (const name of ['cert-manager', 'external-secrets', 'envoy-gateway-system', 'argo-rollouts', 'keda', 'strimzi', 'velero']) {
      expect(
        env.all('ResourceQuota').some((q) => q.metadata.namespace === name),
        name,
      ).toBe(true);
      expect(env.find('NetworkPolicy', 'default-deny-all', name).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      expect(env.find('NetworkPolicy', 'add-on-baseline', name).spec.egress).toEqual([
        {
          to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
          ports: [
            { protocol: 'TCP', port: 443 },
            { protocol: 'TCP', port: 6443 },
          ],
        },
      ]);
    }
    // The LoadBalancer Service of the Gateway's Envoy proxies needs node ports the platform plan does not grant.
    expect(env.all('ResourceQuota').find((q) => q.metadata.namespace === 'envoy-gateway-system')!.spec.hard).toMatchObject({
      'services.nodeports': 2,
      'services.loadbalancers': 1,
    });
  });

  it('GIVEN Velero without the node agent THEN its namespace enforces restricted', () => {
    const env = withAddOns({ ...production, addOns: [AddOn.velero()] });
    expect(env.find('Namespace', 'velero').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(
      env
        .all('NetworkPolicy')
        .map((n) => n.metadata.name)
        .filter((n) => n.startsWith('velero')),
    ).toEqual(['velero-server']);
  });

  it('GIVEN controllers with webhooks and outside APIs THEN their NetworkPolicies admit exactly that', () => {
    const env = withAddOns(production);
    const webhook = env.find('NetworkPolicy', 'cert-manager-webhook', 'cert-manager');
    expect(webhook.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'webhook', 'app.kubernetes.io/component': 'webhook' } });
    expect(webhook.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 10250 }] }]);
    const eso = env.find('NetworkPolicy', 'external-secrets-controller', 'external-secrets');
    expect(eso.spec.egress.slice(1)).toEqual([{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 8200 }] }]);
    const strimzi = env.find('NetworkPolicy', 'strimzi-operator', 'strimzi');
    expect(strimzi.spec.podSelector).toEqual({ matchLabels: { 'strimzi.io/kind': 'cluster-operator' } });
  });
});

describe('the cluster configuration the platform refers to', () => {
  it('GIVEN ACME issuers with HTTP-01 and DNS-01 solvers THEN ClusterIssuers are emitted with them, in _cluster-config', () => {
    const profile = {
      ...withIngress(production),
      addOns: [
        AddOn.certManager({
          issuers: [
            TlsIssuer.letsEncrypt('letsencrypt-prod', { email: 'ops@example.com', solver: AcmeSolver.http01Ingress() }),
            TlsIssuer.letsEncryptStaging('letsencrypt-dns', {
              email: 'ops@example.com',
              solver: AcmeSolver.dns01Route53({ region: 'eu-west-1', hostedZoneId: 'Z123', serviceAccountRoleArn: 'arn:aws:iam::1:role/cm' }),
            }),
            TlsIssuer.selfSigned('selfsigned'),
          ],
        }),
        AddOn.externalSecrets(),
        AddOn.ingressNginx(),
      ],
    };
    const env = withAddOns(profile);
    expect(env.find('ClusterIssuer', 'letsencrypt-prod').spec).toEqual({
      acme: {
        server: 'https://acme-v02.api.letsencrypt.org/directory',
        email: 'ops@example.com',
        privateKeySecretRef: { name: 'letsencrypt-prod-account-key' },
        solvers: [{ http01: { ingress: { ingressClassName: 'nginx' } } }],
      },
    });
    expect(env.find('ClusterIssuer', 'letsencrypt-dns').spec.acme.solvers).toEqual([{ dns01: { route53: { region: 'eu-west-1', hostedZoneID: 'Z123' } } }]);
    expect(env.find('ClusterIssuer', 'selfsigned').spec).toEqual({ selfSigned: {} });
    expect(env.documents.filter((d) => d.object.kind === 'ClusterIssuer').map((d) => d.file)).toEqual([
      'production/_cluster-config/clusterissuer-letsencrypt-dns.yaml',
      'production/_cluster-config/clusterissuer-letsencrypt-prod.yaml',
      'production/_cluster-config/clusterissuer-selfsigned.yaml',
    ]);
  });

  /** A web service exposed on the environment's apex host (its certificate needs a solver). */
  const exposedWeb = (chart: EnvironmentChart) =>
    new MicroserviceDeployment(chart, 'web', {
      name: 'web',
      namespace: 'frontend',
      image: ImageReference.fromDigest('ghcr.io/acme/web', DIGEST, '1.0.0'),
      ports: [{ name: 'http', port: 8080 }],
      ingress: { hosts: [IngressHost.apex([{ path: '/' }])] },
    });

  it("GIVEN a Gateway whose certificates are issued through HTTP-01 THEN the Gateway's namespace admits its Envoy proxies to cert-manager's solver pods", () => {
    const env = withAddOns(production, exposedWeb);
    expect(env.find('ClusterIssuer', 'letsencrypt-prod').spec.acme.solvers).toEqual([
      { http01: { gatewayHTTPRoute: { parentRefs: [{ name: 'public', namespace: 'gateway', kind: 'Gateway', sectionName: 'http' }] } } },
    ]);
    expect(env.find('NetworkPolicy', 'acme-http01-solver', 'gateway').spec).toEqual({
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [GATEWAY_PROXY_PEER],
          ports: [{ protocol: 'TCP', port: 8089 }],
        },
      ],
    });
    expect(
      env
        .all('NetworkPolicy')
        .filter((n) => n.metadata.name === 'acme-http01-solver')
        .map((n) => n.metadata.namespace),
    ).toEqual(['gateway']);
  });

  it("GIVEN a TLS Ingress issued through HTTP-01 THEN its namespace admits the ingress controller to cert-manager's solver pods", () => {
    const profile = {
      ...withIngress(production),
      addOns: [
        AddOn.certManager({ issuers: [TlsIssuer.letsEncrypt('letsencrypt-prod', { email: 'ops@example.com', solver: AcmeSolver.http01Ingress() })] }),
        AddOn.externalSecrets(),
        AddOn.ingressNginx(),
      ],
    };
    const env = withAddOns(profile, exposedWeb);
    expect(env.find('NetworkPolicy', 'acme-http01-solver', 'frontend').spec).toEqual({
      podSelector: { matchLabels: { 'acme.cert-manager.io/http01-solver': 'true' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 8089 }],
        },
      ],
    });
  });

  it('GIVEN AcmeSolver.http01Ingress() without a class under Gateway API THEN synth fails naming the Gateway solver', () => {
    const profile = {
      ...production,
      addOns: [AddOn.certManager({ issuers: [TlsIssuer.letsEncrypt('le', { email: 'ops@example.com', solver: AcmeSolver.http01Ingress() })] })],
    };
    expect(() => withAddOns(profile)).toThrow(
      'production/add-ons/cert-manager: issuers[le].solver: got "AcmeSolver.http01Ingress()"; names no IngressClass and the environment\'s traffic layer is Gateway API: use AcmeSolver.http01Gateway() (cert-manager answers challenges through the environment\'s Gateway), or name the class',
    );
  });

  it('GIVEN secret stores of each provider THEN ClusterSecretStores carry provider and auth', () => {
    const env = withAddOns({
      ...production,
      addOns: [
        AddOn.externalSecrets({
          stores: [
            SecretBackend.vault('vault', { server: 'https://vault.example.com:8200', path: 'secret', auth: VaultAuth.kubernetes('eso') }),
            SecretBackend.awsSecretsManager('aws', { region: 'eu-west-1', auth: AwsAuth.ambient({ serviceAccountRoleArn: 'arn:aws:iam::1:role/eso' }) }),
            SecretBackend.gcpSecretManager('gcp', { projectId: 'acme' }),
          ],
        }),
        AddOn.certManager({ issuers: [TlsIssuer.selfSigned('letsencrypt-prod')] }),
        AddOn.ingressNginx(),
      ],
    });
    expect(env.find('ClusterSecretStore', 'vault').spec).toEqual({
      provider: {
        vault: { server: 'https://vault.example.com:8200', path: 'secret', version: 'v2', auth: { kubernetes: { mountPath: 'kubernetes', role: 'eso' } } },
      },
    });
    expect(env.find('ClusterSecretStore', 'aws').spec).toEqual({ provider: { aws: { service: 'SecretsManager', region: 'eu-west-1' } } });
    expect(env.find('ClusterSecretStore', 'gcp').spec).toEqual({ provider: { gcpsm: { projectID: 'acme' } } });
  });

  it('GIVEN Velero with credentials from the secret store THEN the BackupStorageLocation is the backup destination and its Secret comes from an ExternalSecret', () => {
    const env = withAddOns({
      ...production,
      addOns: [AddOn.velero({ credentials: VeleroCredentials.fromSecretStore('production/velero', 'credentials') }), AddOn.externalSecrets()],
    });
    expect(env.find('BackupStorageLocation', 'default', 'velero').spec).toEqual({
      provider: 'aws',
      objectStorage: { bucket: 'platform-backups-production', prefix: 'velero/production' },
      config: { region: 'eu-west-1' },
      credential: { name: 'velero-credentials', key: 'cloud' },
      default: true,
    });
    expect(env.find('VolumeSnapshotLocation', 'default', 'velero').spec).toEqual({
      provider: 'aws',
      config: { region: 'eu-west-1' },
      credential: { name: 'velero-credentials', key: 'cloud' },
    });
    expect(env.find('ExternalSecret', 'velero-credentials', 'velero').spec.data).toEqual([
      { secretKey: 'cloud', remoteRef: { key: 'production/velero', property: 'credentials' } },
    ]);
  });

  it('GIVEN the production add-ons and their configuration THEN every reference resolves in the policy gate', () => {
    const env = withAddOns(production);
    const violations = evaluatePolicies({ name: 'production', directory: 'production', profile: production, documents: env.documents }).violations.filter(
      (v) => v.checkId === 'references-resolve',
    );
    expect(violations).toEqual([]);
  });
});

describe('add-ons that disagree with the profile', () => {
  it("GIVEN the ingress add-on in another namespace than the Ingress traffic layer's controllerNamespace THEN synth fails naming both", () => {
    expect(() => withAddOns({ ...withIngress(production), addOns: [AddOn.ingressNginx({ namespace: 'ingress' })] })).toThrow(
      'production/add-ons: profile.traffic.controllerNamespace: got "ingress-nginx"; must be "ingress", the namespace of the ingress-nginx add-on serving ingress class "nginx" (exposed services admit that namespace)',
    );
  });

  it('GIVEN kube-prometheus-stack in standalone monitoring mode THEN synth fails: it is for operator mode', () => {
    expect(() => withAddOns({ ...development, addOns: [AddOn.kubePrometheusStack()] })).toThrow(
      'development/add-ons: profile.addOns: got "kube-prometheus-stack"; runs prometheus-operator, which only operator monitoring mode uses; set profile.monitoring.mode to MonitoringMode.operator() or remove the add-on',
    );
    const operator = { ...development, monitoring: { ...development.monitoring, mode: MonitoringMode.operator() }, addOns: [AddOn.kubePrometheusStack()] };
    const env = withAddOns(operator);
    expect(env.find('Namespace', 'monitoring-node-exporter').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(env.find('Namespace', 'monitoring').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('GIVEN the Barman Cloud plugin without CloudNativePG THEN synth fails naming what to add', () => {
    expect(() => withAddOns({ ...production, addOns: [AddOn.certManager(), AddOn.barmanCloudPlugin()] })).toThrow(
      'production/add-ons: profile.addOns: got "plugin-barman-cloud"; needs the cloudnative-pg add-on; add AddOn.cloudNativePg() to the profile\'s addOns',
    );
  });

  it('GIVEN a profile without addOns THEN the defaults apply, with Velero only where backups are on; Velero needs the destination', () => {
    expect(resolveAddOns('x', { ...development, addOns: undefined }).addOns.map((a) => a.name)).toEqual(['cert-manager', 'external-secrets', 'envoy-gateway']);
    expect(resolveAddOns('x', { ...withIngress(development), addOns: undefined }).addOns.map((a) => a.name)).toEqual([
      'cert-manager',
      'external-secrets',
      'ingress-nginx',
    ]);
    const backedUp = { ...production, addOns: undefined, backups: { ...production.backups, destination: undefined } };
    expect(resolveAddOns('x', backedUp).addOns.map((a) => a.name)).toEqual(['cert-manager', 'external-secrets', 'envoy-gateway', 'velero']);
    expect(() => withAddOns(backedUp)).toThrow(
      'production/add-ons/velero: profile.backups.destination: got undefined; must be s3://<bucket>[/<prefix>] or gs://<bucket>[/<prefix>] for Velero',
    );
  });

  it('GIVEN an add-on listed twice THEN synth fails', () => {
    expect(() => withAddOns({ ...production, addOns: [AddOn.keda(), AddOn.keda()] })).toThrow(
      'production/add-ons: profile.addOns[1]: got "keda"; each add-on may be listed once',
    );
  });
});
