/** How a MicroserviceDeployment is reached: its Services (main, canary, preview), and its routes or Ingress. */
import { Construct } from 'constructs';
import { IntOrString, KubeIngress, KubeService } from '../../imports/k8s';
import { CLUSTER_ISSUER_ANNOTATION } from '../addons/catalog/cert-manager';
import { fail } from '../core/errors';
import { ServiceExposure } from './networking';
import { ServiceOptions } from './props';
import { CIDR, ResolvedMicroservice } from './resolve';
import { ResolvedExposure, ResolvedHost } from './exposure-resolve';
import { addGatewayRoutes } from './routes';

/** Label that marks the canary and preview Services (they select the same pods as the main one). */
export const SERVICE_ROLE_LABEL = 'platform.io/service-role';
/** `appProtocol` of a gRPC Service port: HTTP/2 without TLS (Gateway API's backend protocol selection, GEP-1911). */
export const H2C_APP_PROTOCOL = 'kubernetes.io/h2c';

/** The Service `<name>`, plus `<name>-canary` or `<name>-preview` for progressive rollouts. */
export function addServices(scope: Construct, r: ResolvedMicroservice, options: ServiceOptions | undefined): void {
  const exposure = options?.exposure ?? ServiceExposure.clusterIP();
  for (const range of exposure.sourceRanges) {
    if (!CIDR.test(range)) fail(scope, 'service.exposure.sourceRanges', range, 'must be a CIDR such as "10.0.0.0/8"');
  }
  const ports = r.ports.map((p) => ({
    name: p.name,
    port: p.servicePort,
    targetPort: IntOrString.fromString(p.name),
    protocol: p.protocol,
    ...(p.appProtocol === 'grpc' ? { appProtocol: H2C_APP_PROTOCOL } : {}),
  }));
  const service = (id: string, name: string, role: string | undefined, main: boolean, only?: string) =>
    new KubeService(scope, id, {
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

/** The service's exposure on the environment's traffic layer: Gateway API routes, or an Ingress. */
export function addExposure(scope: Construct, r: ResolvedMicroservice, e: ResolvedExposure): void {
  if (e.traffic.kind === 'gatewayApi') addGatewayRoutes(scope, r, e);
  else addIngress(scope, r, e);
}

/** The Ingress `<name>` (and `<name>-preview` for a blue-green preview host) with TLS from the profile's issuer. */
function addIngress(scope: Construct, r: ResolvedMicroservice, e: ResolvedExposure): void {
  const traffic = e.traffic;
  if (traffic.kind !== 'ingress') return;
  const nginx = traffic.controller.kind === 'nginx';
  const tls = r.profile.tlsIssuer !== undefined;
  const annotations: Record<string, string> = {};
  if (tls) annotations[CLUSTER_ISSUER_ANNOTATION] = r.profile.tlsIssuer!;
  if (tls && nginx) annotations['nginx.ingress.kubernetes.io/ssl-redirect'] = String(e.sslRedirect);
  if (e.rateLimitRps !== undefined) annotations['nginx.ingress.kubernetes.io/limit-rps'] = String(e.rateLimitRps);
  if (e.grpc) annotations['nginx.ingress.kubernetes.io/backend-protocol'] = 'GRPC';
  Object.assign(annotations, e.annotations);
  const ingress = (id: string, name: string, hosts: readonly ResolvedHost[], service: string) =>
    new KubeIngress(scope, id, {
      metadata: { name, namespace: r.namespace, labels: { ...r.labels }, annotations: Object.keys(annotations).length > 0 ? { ...annotations } : undefined },
      spec: {
        ingressClassName: e.className,
        tls: tls ? [{ hosts: hosts.map((h) => h.host), secretName: `${name}-tls` }] : undefined,
        rules: hosts.map((h) => ({
          host: h.host,
          http: {
            paths: h.paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service: { name: service, port: { number: e.port.servicePort } } } })),
          },
        })),
      },
    });
  ingress('Ingress', r.name, e.hosts, r.name);
  if (e.preview?.kind === 'host') ingress('PreviewIngress', `${r.name}-preview`, [e.preview.host], `${r.name}-preview`);
}
