/** Building blocks shared by the components of the {@link ObservabilityStack}: validation, resources, network peers, policies. */
import { createHash } from 'crypto';
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion,
} from '../../imports/external-secrets.io';
import { EnvironmentChart } from '../core/environment-chart';
import { IntOrString, KubeNetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Quantity, ResourceRequirements } from '../../imports/k8s';
import { ConnectionGraph, dnsEgressRule, IWorkload, peersOf, policyPorts } from '../core/connections';
import { addExternalSecret } from '../core/external-secret';
import { restrictedContainerSecurityContext } from '../core/security';
import { configYaml } from '../core/encoders';

export { configYaml };

/** A Prometheus duration (`15d`, `1h30m`, `500ms`). */
const PROMETHEUS_DURATION = /^(?:[0-9]+y)?(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?$/;
/** A Prometheus byte size as accepted by `--storage.tsdb.retention.size` (`512MB`, `45GB`). */
const PROMETHEUS_SIZE = /^([0-9]+)(B|KB|MB|GB|TB|PB|EB)$/;
const SIZE_UNITS: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40, PB: 2 ** 50, EB: 2 ** 60 };

/** True when `s` is a non-empty Prometheus duration. */
export function isPrometheusDuration(s: unknown): s is string {
  return typeof s === 'string' && s !== '' && PROMETHEUS_DURATION.test(s);
}

/** Bytes of a Prometheus size (Prometheus's units are powers of 1024), or undefined when `s` is not one. */
export function parsePrometheusSize(s: string): number | undefined {
  const m = PROMETHEUS_SIZE.exec(s);
  const [, digits, unitName = ''] = m ?? [];
  const unit = SIZE_UNITS[unitName];
  return unit === undefined ? undefined : Number(digits) * unit;
}

/** Short content hash for checksum annotations: a changed config rolls the pods (Helm's checksum pattern). */
export function checksum(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** CPU/memory of one component. CPU is not limited (throttling hurts latency); memory always is. */
export interface ComponentResources {
  readonly cpu: string;
  readonly memory: string;
  readonly memoryLimit: string;
}

export function k8sResources(r: ComponentResources): ResourceRequirements {
  return {
    requests: { cpu: Quantity.fromString(r.cpu), memory: Quantity.fromString(r.memory) },
    limits: { memory: Quantity.fromString(r.memoryLimit) },
  };
}

/** Where a backend outside the stack lives, so NetworkPolicies open egress to exactly that. */
export class NetworkPeer {
  /** Pods in the cluster, selected by namespace name and pod labels. */
  public static pods(namespace: string, podSelector: Readonly<Record<string, string>>): NetworkPeer {
    return new NetworkPeer([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
        podSelector: { matchLabels: { ...podSelector } },
      },
    ]);
  }
  /** Addresses outside the cluster (a managed Elasticsearch, a SaaS endpoint). */
  public static cidrs(cidrs: readonly string[]): NetworkPeer {
    return new NetworkPeer(cidrs.map((cidr) => ({ ipBlock: { cidr } })));
  }
  private constructor(public readonly peers: readonly NetworkPolicyPeer[]) {}
}

export function tcpPorts(...ports: number[]): NetworkPolicyPort[] {
  return ports.map((port) => ({ protocol: 'TCP', port: IntOrString.fromNumber(port) }));
}

/** Extra (non-graph) rules of a component's NetworkPolicy. */
export interface PolicyRules {
  /** Rules without `ports` allow every port (for the peers). */
  readonly ingress?: ReadonlyArray<{ from: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>;
  /** Rules without `ports` allow every port of the peers. */
  readonly egress?: ReadonlyArray<{ to: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }>;
}

/**
 * The NetworkPolicy of one component: DNS, the connections of the environment's graph (read at synth, so
 * connections declared later are included) and the component's fixed rules. Nothing else is open.
 */
export function componentNetworkPolicy(scope: Construct, w: IWorkload, rules: PolicyRules = {}): KubeNetworkPolicy {
  const graph = ConnectionGraph.of(scope);
  return new KubeNetworkPolicy(scope, 'NetworkPolicy', {
    metadata: { name: w.workloadName, namespace: w.namespace },
    spec: {
      podSelector: { matchLabels: { ...w.podSelector } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: Lazy.any({
        produce: () => [...graph.ingressOf(w).map((c) => ({ from: peersOf(c.from), ports: policyPorts(c.ports) })), ...(rules.ingress ?? [])],
      }),
      egress: Lazy.any({
        produce: () => [dnsEgressRule(), ...graph.egressOf(w).map((c) => ({ to: peersOf(c.to), ports: policyPorts(c.ports) })), ...(rules.egress ?? [])],
      }),
    },
  });
}

/**
 * Ingress from Prometheus on a metrics port. Selected by the `app.kubernetes.io/name: prometheus` label in the
 * monitoring namespace, which both our Prometheus and kube-prometheus-stack's carry.
 */
export function scrapedByPrometheus(monitoringNamespace: string, port: number): { from: NetworkPolicyPeer[]; ports: NetworkPolicyPort[] } {
  return {
    from: [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': monitoringNamespace } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      },
    ],
    ports: tcpPorts(port),
  };
}

/** One key of a Secret synchronised by External Secrets: never a value, only where the value lives. */
export interface SecretKeyRef {
  /** Key in the Kubernetes Secret (file name when mounted). */
  readonly secretKey: string;
  /** Key of the remote secret in the store. */
  readonly remoteKey: string;
  /** Property inside the remote secret. */
  readonly property: string;
}

/**
 * An ExternalSecret creating `name` in `namespace` from the environment's secret store. `data` is read at synth
 * (receivers are known only then).
 */
export function externalSecret(
  scope: Construct,
  id: string,
  name: string,
  namespace: string,
  labels: Record<string, string>,
  data: () => readonly SecretKeyRef[],
): ExternalSecret {
  return addExternalSecret(scope, id, {
    name,
    namespace,
    labels,
    data: () => data().map((d) => ({ secretKey: d.secretKey, remoteKey: d.remoteKey, property: d.property })),
  });
}

/** Container security for the stack's containers: PSS restricted with a read-only root filesystem. */
export function containerSecurity() {
  return restrictedContainerSecurityContext();
}

/** Preferred spreading of replicas over nodes (HA pairs must not share a node). */
export function spreadOverNodes(selector: Readonly<Record<string, string>>) {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...selector } } },
        },
      ],
    },
  };
}

/**
 * The Secret a log client authenticates with: the user name (validated, no template syntax) and the password read
 * from the same stored credential the server provisions its user from, under the env var names `keys`.
 */
export function credentialSecret(
  scope: Construct,
  id: string,
  name: string,
  namespace: string,
  labels: Record<string, string>,
  c: { readonly user: string; readonly remoteKey: string; readonly property: string },
  keys: { readonly user: string; readonly password: string },
): ExternalSecret {
  const store = EnvironmentChart.of(scope).profile.secretStore;
  return new ExternalSecret(scope, id, {
    metadata: { name, namespace, labels: { ...labels } },
    spec: {
      refreshInterval: store.refreshInterval,
      secretStoreRef: { kind: store.kind as ExternalSecretSpecSecretStoreRefKind, name: store.name },
      target: {
        name,
        creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
        deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
        template: { engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2, data: { [keys.user]: c.user, [keys.password]: '{{ .password }}' } },
      },
      data: [{ secretKey: 'password', remoteRef: { key: c.remoteKey, property: c.property } }],
    },
  });
}
