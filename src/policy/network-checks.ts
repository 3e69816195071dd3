/** Network isolation and routing: NetworkPolicy coverage, namespace defaults, Service and Ingress backends. */
import { SynthDocument } from '../synth/synthesizer';
import { IpSet } from './flows/cidr';
import { PodEndpoint, Protocol } from './flows/model';
import { PolicySet, PolicyWorld, effectivePolicyTypes } from './flows/network-policy';
import { NAMESPACE_NAME_LABEL, isEmptySelector, labelSelectorMatches } from './flows/selector';
import { declaredPorts, resolvePodPort } from './flows/world';
import { PodView, labelsOf, nameOf } from './policy-index';
import { PolicyCheck, PolicyContext, PolicyFinding } from './types';
import { DocValue } from '../core/documents';

const KUBE_SCORE = 'https://github.com/zegl/kube-score/blob/master/README_CHECKS.md';

/** Pod Security Admission label of a namespace. */
export const PSA_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
/** Annotation that documents why a namespace is exempt from PSS restricted. */
export const PSS_EXEMPTION_REASON_ANNOTATION = 'platform.io/pss-exemption-reason';

/** Directions a NetworkPolicy isolates (Kubernetes defaults when policyTypes is omitted). */
function directions(np: SynthDocument): { ingress: boolean; egress: boolean } {
  return effectivePolicyTypes(np.object.spec ?? {});
}

/** The environment's NetworkPolicies on the gate's evaluator (src/policy/flows), and pod templates as its endpoints. */
function evaluator(ctx: PolicyContext): { policies: PolicySet; endpoint: (p: PodView) => PodEndpoint; world: PolicyWorld } {
  const nsLabels = new Map(ctx.index.ofKind('Namespace').map((n) => [nameOf(n), { ...labelsOf(n), [NAMESPACE_NAME_LABEL]: nameOf(n) }]));
  const podCidrs = ctx.profile.cluster.podCidrs;
  const world: PolicyWorld = {
    labelsOfNamespace: (ns) => nsLabels.get(ns) ?? { [NAMESPACE_NAME_LABEL]: ns },
    podAddresses: podCidrs !== undefined && podCidrs.length > 0 ? IpSet.of(podCidrs) : IpSet.ALL,
  };
  const endpoints = new Map<PodView, PodEndpoint>();
  const endpoint = (p: PodView): PodEndpoint => {
    let e = endpoints.get(p);
    if (!e)
      endpoints.set(
        p,
        (e = {
          kind: 'pods',
          key: `${p.namespace}/${p.kind}/${p.name}`,
          namespace: p.namespace,
          name: p.name,
          labels: p.labels,
          ports: declaredPorts(p),
          source: p.kind,
          pod: p,
          inDist: true,
        }),
      );
    return e;
  };
  return { policies: PolicySet.forIndex(ctx.index, world), endpoint, world };
}

/** Egress rules that only reach DNS still count as a default deny (pods need name resolution). */
function onlyDns(rules: unknown): boolean {
  return (
    !Array.isArray(rules) ||
    rules.every(
      (r: DocValue) =>
        Array.isArray(r?.ports) && r.ports.length > 0 && r.ports.every((p: DocValue) => p?.port === 53 || p?.port === 'dns' || p?.port === 'dns-tcp'),
    )
  );
}

function describe(p: PodView): string {
  return `${p.kind} ${JSON.stringify(p.name)}`;
}

export const NETWORK_CHECKS: readonly PolicyCheck[] = [
  {
    id: 'network-policy-peers-agree',
    severity: 'high',
    rationale: 'An egress rule to pods that their own NetworkPolicies do not admit is a connection that silently fails at run time.',
    docs: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors',
    coverage: {},
    run: (ctx) => {
      const findings: PolicyFinding[] = [];
      const { policies, endpoint, world } = evaluator(ctx);
      const namespacesWithPods = [...new Set(ctx.index.pods.map((p) => p.namespace))].sort();
      for (const np of policies.policies) {
        if (!np.egress || !np.doc) continue;
        const sources = ctx.index.selectPods(np.namespace, np.podSelector).map(endpoint);
        if (sources.length === 0) continue;
        for (const rule of np.egress) {
          for (const peer of rule.peers ?? []) {
            // Only peers naming pods: namespace-wide rules (Prometheus scraping everything) are not a connection.
            if (peer.ipBlock || peer.podSelector === undefined) continue;
            const byName = peer.namespaceSelector?.matchLabels?.[NAMESPACE_NAME_LABEL];
            const namespaces = peer.namespaceSelector === undefined ? [np.namespace] : byName !== undefined ? [byName] : namespacesWithPods;
            const targets = namespaces
              .filter((ns) => peer.namespaceSelector === undefined || labelSelectorMatches(peer.namespaceSelector, world.labelsOfNamespace(ns)))
              .flatMap((ns) => ctx.index.selectPods(ns, peer.podSelector).map(endpoint));
            const admitted = (target: PodEndpoint, number: number, protocol: Protocol) =>
              sources.every((src) => policies.evaluate('ingress', target, src, number, protocol).admitted);
            const missing = targets.flatMap((target) => {
              if (policies.isolating(target, 'ingress').length === 0) return [];
              // Without ports the rule opens every port: at least one port the target declares must admit the sources.
              if (rule.ports === undefined) return (target.ports ?? []).some((d) => admitted(target, d.port, d.protocol)) ? [] : [{ target, port: undefined }];
              return rule.ports.flatMap((port) => {
                // A port range is probed at its first port.
                const number = port.port === undefined ? undefined : resolvePodPort(target, port.port, port.protocol);
                return number === undefined || admitted(target, number, port.protocol) ? [] : [{ target, port: port.port }];
              });
            });
            const [first] = missing;
            if (!first) continue;
            const { target, port } = first;
            findings.push({
              doc: np.doc,
              field: `spec.egress[${rule.index}].to[${peer.index}]`,
              message: `egress to ${target.namespace}/${target.pod!.kind} "${target.name}"${port !== undefined ? ` on port ${port}` : ''} is not admitted by any NetworkPolicy selecting those pods; declare the connection in the graph (connectsTo / clients) so both ends agree`,
            });
          }
        }
      }
      return findings;
    },
  },
  {
    id: 'networkpolicy-covers-pod',
    severity: 'high',
    rationale: 'A pod no NetworkPolicy selects accepts and opens any connection.',
    docs: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/',
    coverage: { kubeScore: ['pod-networkpolicy', 'networkpolicy-targets-pod'], polaris: ['missingNetworkPolicy'] },
    run: (ctx) => {
      const ingress = new Set<PodView>();
      const egress = new Set<PodView>();
      for (const np of ctx.index.ofKind('NetworkPolicy')) {
        const dirs = directions(np);
        for (const p of ctx.index.selectPods(np.object.metadata?.namespace ?? '', np.object.spec?.podSelector)) {
          if (dirs.ingress) ingress.add(p);
          if (dirs.egress) egress.add(p);
        }
      }
      const out: PolicyFinding[] = [];
      for (const p of ctx.index.pods) {
        const missing = [ingress.has(p) ? '' : 'ingress', egress.has(p) ? '' : 'egress'].filter((x) => x);
        if (missing.length > 0)
          out.push({
            doc: p.doc,
            field: `${p.specPath.replace(/spec$/, 'metadata')}.labels`,
            message: `no NetworkPolicy in namespace ${JSON.stringify(p.namespace)} selects the pods of ${describe(p)} for ${missing.join(' and ')}`,
          });
      }
      return out;
    },
  },
  {
    id: 'namespace-default-deny',
    severity: 'high',
    rationale: 'A namespace without a default-deny policy lets every new pod talk to anything until someone notices.',
    docs: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies',
    coverage: {},
    run: (ctx) =>
      ctx.index.ofKind('Namespace').flatMap((ns) => {
        let ingress = false;
        let egress = false;
        for (const np of ctx.index.inNamespace(nameOf(ns), 'NetworkPolicy')) {
          const spec = np.object.spec ?? {};
          if (!isEmptySelector(spec.podSelector)) continue;
          const dirs = directions(np);
          if (dirs.ingress && (!Array.isArray(spec.ingress) || spec.ingress.length === 0)) ingress = true;
          if (dirs.egress && onlyDns(spec.egress)) egress = true;
        }
        const missing = [ingress ? '' : 'ingress', egress ? '' : 'egress'].filter((x) => x);
        return missing.length > 0
          ? [
              {
                doc: ns,
                field: 'metadata.name',
                message: `namespace has no default-deny NetworkPolicy for ${missing.join(' and ')} (podSelector: {}, no rules except DNS egress)`,
              },
            ]
          : [];
      }),
  },
  {
    id: 'namespace-pod-security',
    severity: 'high',
    rationale: 'Pod Security Admission must enforce restricted, or the exemption must say why.',
    docs: 'https://kubernetes.io/docs/concepts/security/pod-security-admission/',
    coverage: { pss: 'Pod Security Admission enforce label' },
    run: (ctx) =>
      ctx.index.ofKind('Namespace').flatMap((ns) => {
        const level = labelsOf(ns)[PSA_ENFORCE_LABEL];
        if (level === 'restricted') return [];
        const reason = ns.object.metadata?.annotations?.[PSS_EXEMPTION_REASON_ANNOTATION];
        if (level === 'privileged' && typeof reason === 'string' && reason.trim() !== '') return [];
        return [
          {
            doc: ns,
            field: `metadata.labels.${PSA_ENFORCE_LABEL}`,
            message:
              level === undefined
                ? 'is not set; set it to "restricted"'
                : `is ${JSON.stringify(level)}; use "restricted", or "privileged" with annotation ${PSS_EXEMPTION_REASON_ANNOTATION} saying why`,
          },
        ];
      }),
  },
  {
    id: 'service-targets-pods',
    severity: 'high',
    rationale: 'A Service whose selector or target port matches no pod has no endpoints: every request fails.',
    docs: KUBE_SCORE,
    coverage: { kubeScore: ['service-targets-pod'] },
    run: (ctx) => {
      const out: PolicyFinding[] = [];
      for (const svc of ctx.index.ofKind('Service')) {
        const spec = svc.object.spec ?? {};
        const selector = spec.selector;
        if (spec.type === 'ExternalName' || selector === null || typeof selector !== 'object' || Object.keys(selector).length === 0) continue;
        const pods = ctx.index.selectPods(svc.object.metadata?.namespace ?? '', { matchLabels: selector });
        if (pods.length === 0) {
          out.push({
            doc: svc,
            field: 'spec.selector',
            message: `selects no pod template in namespace ${JSON.stringify(svc.object.metadata?.namespace ?? '')} (selector ${JSON.stringify(selector)})`,
          });
          continue;
        }
        const names = new Set<string>();
        const numbers = new Set<number>();
        for (const p of pods) {
          for (const c of p.containers) {
            if (c.kind !== 'container') continue;
            for (const port of Array.isArray(c.container.ports) ? c.container.ports : []) {
              if (typeof port?.name === 'string') names.add(port.name);
              if (typeof port?.containerPort === 'number') numbers.add(port.containerPort);
            }
          }
        }
        (Array.isArray(spec.ports) ? spec.ports : []).forEach((port: DocValue, i: number) => {
          const target = port?.targetPort ?? port?.port;
          if (typeof target === 'string' && !names.has(target)) {
            out.push({
              doc: svc,
              field: `spec.ports[${i}].targetPort`,
              message: `targets port ${JSON.stringify(target)}, which no selected container declares (declared: ${[...names].sort().join(', ') || 'none'})`,
            });
          } else if (typeof target === 'number' && numbers.size > 0 && !numbers.has(target)) {
            out.push({
              doc: svc,
              field: `spec.ports[${i}].targetPort`,
              message: `targets port ${target}, which no selected container declares (declared: ${[...numbers].sort((a, b) => a - b).join(', ')})`,
            });
          }
        });
      }
      return out;
    },
  },
  {
    id: 'ingress-targets-service',
    severity: 'high',
    rationale: 'An Ingress backend that names a missing Service or port answers every request with 503.',
    docs: KUBE_SCORE,
    coverage: { kubeScore: ['ingress-targets-service'] },
    run: (ctx) => {
      const out: PolicyFinding[] = [];
      for (const ing of ctx.index.ofKind('Ingress')) {
        const ns = ing.object.metadata?.namespace ?? '';
        const spec = ing.object.spec ?? {};
        const backends: { field: string; service: DocValue }[] = [];
        if (spec.defaultBackend?.service) backends.push({ field: 'spec.defaultBackend.service', service: spec.defaultBackend.service });
        (Array.isArray(spec.rules) ? spec.rules : []).forEach((r: DocValue, i: number) => {
          (Array.isArray(r?.http?.paths) ? r.http.paths : []).forEach((p: DocValue, j: number) => {
            if (p?.backend?.service) backends.push({ field: `spec.rules[${i}].http.paths[${j}].backend.service`, service: p.backend.service });
          });
        });
        for (const b of backends) {
          const svc = ctx.index.find(ns, 'Service', String(b.service.name));
          if (!svc) {
            out.push({
              doc: ing,
              field: `${b.field}.name`,
              message: `Service ${JSON.stringify(b.service.name)} does not exist in namespace ${JSON.stringify(ns)}`,
            });
            continue;
          }
          const ports: DocValue[] = Array.isArray(svc.object.spec?.ports) ? svc.object.spec.ports : [];
          const want = b.service.port ?? {};
          const found = want.number !== undefined ? ports.some((p) => p?.port === want.number) : ports.some((p) => p?.name === want.name);
          if (!found) {
            out.push({
              doc: ing,
              field: `${b.field}.port`,
              message: `Service ${JSON.stringify(b.service.name)} has no port ${JSON.stringify(want.number ?? want.name)} (ports: ${ports.map((p) => p?.name ?? p?.port).join(', ')})`,
            });
          }
        }
      }
      return out;
    },
  },
  {
    id: 'service-no-nodeport',
    severity: 'medium',
    rationale: 'NodePort Services open a port on every node, outside NetworkPolicies and the ingress controller.',
    docs: KUBE_SCORE,
    coverage: { kubeScore: ['service-type'] },
    run: (ctx) =>
      ctx.index
        .ofKind('Service')
        .filter((svc) => svc.object.spec?.type === 'NodePort')
        .map((svc) => ({ doc: svc, field: 'spec.type', message: 'is NodePort; use ClusterIP behind the ingress controller (or LoadBalancer)' })),
  },
];
