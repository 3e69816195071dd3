/** How a MicroserviceDeployment is reached: its Services (main, canary, preview) and its Ingress. */
import { Construct } from 'constructs';
import { IntOrString, KubeIngress, KubeService } from '../../imports/k8s';
import { fail } from '../core/errors';
import { IngressPath, ServiceExposure } from './networking';
import { IngressOptions, ServiceOptions } from './props';
import { CIDR, portNames, ResolvedMicroservice } from './resolve';

/** Label that marks the canary and preview Services (they select the same pods as the main one). */
export const SERVICE_ROLE_LABEL = 'platform.io/service-role';

const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The Service `<name>`, plus `<name>-canary` or `<name>-preview` for progressive rollouts. */
export function addServices(scope: Construct, r: ResolvedMicroservice, options: ServiceOptions | undefined): void {
  const exposure = options?.exposure ?? ServiceExposure.clusterIP();
  for (const range of exposure.sourceRanges) {
    if (!CIDR.test(range)) fail(scope, 'service.exposure.sourceRanges', range, 'must be a CIDR such as "10.0.0.0/8"');
  }
  const ports = r.ports.map((p) => ({ name: p.name, port: p.servicePort, targetPort: IntOrString.fromString(p.name), protocol: p.protocol }));
  const service = (id: string, name: string, role: string | undefined, main: boolean, only?: string) => new KubeService(scope, id, {
    metadata: {
      name,
      namespace: r.namespace,
      labels: { ...r.labels, ...(role ? { [SERVICE_ROLE_LABEL]: role } : {}) },
      annotations: main && options?.annotations ? { ...options.annotations } : undefined,
    },
    spec: {
      type: main && exposure.kind === 'LoadBalancer' ? 'LoadBalancer' : 'ClusterIP',
      clusterIp: main && exposure.kind === 'Headless' ? 'None' : undefined,
      loadBalancerSourceRanges: main && exposure.kind === 'LoadBalancer' ? [...exposure.sourceRanges] : undefined,
      selector: { ...r.podSelector },
      ports: only ? ports.filter((p) => p.name === only) : ports,
    },
  });
  service('Service', r.name, undefined, true);
  const o = r.strategy.options;
  if (o.kind === 'canary') service('CanaryService', `${r.name}-canary`, 'canary', false);
  // Services are added only when the container has ports, so a preview without `previewPort` has a first port.
  if (o.kind === 'blueGreen') service('PreviewService', `${r.name}-preview`, 'preview', false, o.previewPort ?? r.ports[0]!.name);
}

/** The port of the Service an Ingress routes to: the named one, else the main port. */
export function ingressPort(r: ResolvedMicroservice, i: IngressOptions) {
  return i.port === undefined ? r.ports[0] : r.ports.find((p) => p.name === i.port);
}

/** The Ingress `<name>` with TLS from the profile's issuer, routed to the Service. */
export function addIngress(scope: Construct, r: ResolvedMicroservice, i: IngressOptions): void {
  if (r.ports.length === 0) fail(scope, 'ingress', 'set', 'an Ingress routes to the Service: declare `ports`');
  if (i.hosts.length === 0) fail(scope, 'ingress.hosts', [], 'must list at least one host');
  const port = ingressPort(r, i);
  if (!port) fail(scope, 'ingress.port', i.port, `must name one of the ports: ${portNames(r.ports)}`);
  if (i.rateLimitRps !== undefined && (!Number.isInteger(i.rateLimitRps) || i.rateLimitRps < 1)) {
    fail(scope, 'ingress.rateLimitRps', i.rateLimitRps, 'must be an integer >= 1');
  }
  const seen = new Set<string>();
  const rules = i.hosts.map((h, idx) => {
    const host = h.hostname(r.profile.domain);
    if (host.length > 253 || !HOSTNAME.test(host)) fail(scope, `ingress.hosts[${idx}]`, host, 'must be a DNS name (lowercase, dot-separated labels)');
    if (seen.has(host)) fail(scope, `ingress.hosts[${idx}]`, host, 'hosts must be unique');
    seen.add(host);
    const paths: readonly IngressPath[] = h.paths ?? [{ path: '/' }];
    return {
      host,
      http: {
        paths: paths.map((p, j) => {
          if (!p.path.startsWith('/')) fail(scope, `ingress.hosts[${idx}].paths[${j}].path`, p.path, 'must start with "/"');
          return { path: p.path, pathType: p.pathType ?? 'Prefix', backend: { service: { name: r.name, port: { number: port.servicePort } } } };
        }),
      },
    };
  });
  const tls = r.profile.tlsIssuer !== undefined;
  const annotations: Record<string, string> = {};
  if (tls) {
    annotations['cert-manager.io/cluster-issuer'] = r.profile.tlsIssuer!;
    annotations['nginx.ingress.kubernetes.io/ssl-redirect'] = String(i.sslRedirect ?? true);
  }
  if (i.rateLimitRps !== undefined) annotations['nginx.ingress.kubernetes.io/limit-rps'] = String(i.rateLimitRps);
  Object.assign(annotations, i.annotations ?? {});
  new KubeIngress(scope, 'Ingress', {
    metadata: { name: r.name, namespace: r.namespace, labels: { ...r.labels }, annotations: Object.keys(annotations).length > 0 ? annotations : undefined },
    spec: {
      ingressClassName: i.className ?? r.profile.ingress.className,
      tls: tls ? [{ hosts: rules.map((x) => x.host), secretName: `${r.name}-tls` }] : undefined,
      rules,
    },
  });
}
