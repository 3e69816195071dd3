/**
 * Gateway API routes: every route reaches what it names (its backends exist and expose the port, across
 * namespaces only with a ReferenceGrant; its parents are Gateways with the named listener, which admits the route's
 * namespace), and where the environment requires TLS no route serves over plain HTTP except to redirect to HTTPS.
 */
import { DocValue } from '../core/documents';
import { SynthDocument } from '../synth/synthesizer';
import { NAMESPACE_NAME_LABEL, labelSelectorMatches } from './flows/selector';
import { labelsOf, nameOf } from './policy-index';
import { PolicyCheck, PolicyContext, PolicyFinding } from './types';

const GATEWAY_API = 'gateway.networking.k8s.io';
const GATEWAY_API_DOCS = 'https://gateway-api.sigs.k8s.io/reference/spec/';
/** The route kinds whose parents and backends are checked. */
export const ROUTE_KINDS: readonly string[] = ['HTTPRoute', 'GRPCRoute'];

function arr(v: unknown): DocValue[] {
  return Array.isArray(v) ? v : [];
}

function isGatewayApi(doc: SynthDocument): boolean {
  return String(doc.object.apiVersion ?? '').startsWith(`${GATEWAY_API}/`);
}

function routes(ctx: PolicyContext): SynthDocument[] {
  return ROUTE_KINDS.flatMap((k) => ctx.index.ofKind(k)).filter(isGatewayApi);
}

/** True when a request for some name could match both host patterns (either may be a `*.` wildcard). */
function hostsIntersect(a: string, b: string): boolean {
  if (a === b) return true;
  const covers = (w: string, h: string) => w.startsWith('*.') && h.endsWith(w.slice(1)) && h.length > w.length - 1;
  return covers(a, b) || covers(b, a);
}

interface Parent {
  readonly field: string;
  readonly gateway?: SynthDocument;
  /** The listeners the parentRef binds (by sectionName, else all), when the Gateway exists. */
  readonly listeners: readonly DocValue[];
  readonly namespace: string;
  readonly name: string;
  readonly sectionName?: string;
}

/** The parents of a route (Gateway parentRefs only), with the listeners each binds. */
function parentsOf(ctx: PolicyContext, route: SynthDocument): Parent[] {
  const ns = String(route.object.metadata?.namespace ?? '');
  const out: Parent[] = [];
  arr(route.object.spec?.parentRefs).forEach((p, i) => {
    if ((p?.group ?? GATEWAY_API) !== GATEWAY_API || (p?.kind ?? 'Gateway') !== 'Gateway') return;
    const namespace = String(p.namespace ?? ns);
    const name = String(p.name);
    const gateway = ctx.index.find(namespace, 'Gateway', name);
    const all = arr(gateway?.object.spec?.listeners);
    const listeners = p.sectionName !== undefined ? all.filter((l) => l?.name === p.sectionName) : all;
    out.push({
      field: `spec.parentRefs[${i}]`,
      gateway,
      listeners,
      namespace,
      name,
      ...(p.sectionName !== undefined ? { sectionName: String(p.sectionName) } : {}),
    });
  });
  return out;
}

/** Whether `listener` (of a Gateway in `gatewayNs`) admits routes of kind `kind` from `routeNs`. */
function admits(ctx: PolicyContext, listener: DocValue, gatewayNs: string, routeNs: string, kind: string): boolean {
  const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
  const kinds = arr(listener.allowedRoutes?.kinds);
  if (kinds.length > 0 && !kinds.some((k) => (k?.group ?? GATEWAY_API) === GATEWAY_API && k?.kind === kind)) return false;
  if (from === 'All') return true;
  if (from === 'Same') return gatewayNs === routeNs;
  if (from !== 'Selector') return false;
  const nsDoc = ctx.index.find('', 'Namespace', routeNs) ?? ctx.index.ofKind('Namespace').find((n) => nameOf(n) === routeNs);
  const labels = { ...(nsDoc ? labelsOf(nsDoc) : {}), [NAMESPACE_NAME_LABEL]: routeNs };
  return labelSelectorMatches(listener.allowedRoutes.namespaces.selector ?? {}, labels);
}

/** Whether a ReferenceGrant in `toNs` lets routes of `kind` in `fromNs` refer to Service `name`. */
function granted(ctx: PolicyContext, kind: string, fromNs: string, toNs: string, name: string): boolean {
  return ctx.index
    .ofKind('ReferenceGrant')
    .filter(isGatewayApi)
    .some(
      (g) =>
        String(g.object.metadata?.namespace ?? '') === toNs &&
        arr(g.object.spec?.from).some((f) => f?.group === GATEWAY_API && f?.kind === kind && f?.namespace === fromNs) &&
        arr(g.object.spec?.to).some((t) => (t?.group ?? '') === '' && t?.kind === 'Service' && (t?.name === undefined || t.name === name)),
    );
}

/** A rule that only redirects to HTTPS (no backends): what a plain-HTTP listener may carry in a TLS environment. */
function onlyRedirectsToHttps(rule: DocValue): boolean {
  const filters = arr(rule?.filters);
  return (
    arr(rule?.backendRefs).length === 0 && filters.length > 0 && filters.every((f) => f?.type === 'RequestRedirect' && f?.requestRedirect?.scheme === 'https')
  );
}

export const ROUTE_CHECKS: readonly PolicyCheck[] = [
  {
    id: 'route-targets-service',
    severity: 'high',
    rationale:
      'A route whose backend names a missing Service or port, or whose parent names a missing Gateway or listener (or one that does not admit it), serves nothing.',
    docs: GATEWAY_API_DOCS,
    coverage: {},
    // Like any dangling reference: it never works, whatever the environment.
    alwaysEnforced: true,
    run: (ctx) => {
      const out: PolicyFinding[] = [];
      for (const route of routes(ctx)) {
        const kind = String(route.object.kind);
        const ns = String(route.object.metadata?.namespace ?? '');
        arr(route.object.spec?.rules).forEach((rule, i) => {
          arr(rule?.backendRefs).forEach((ref, j) => {
            if ((ref?.group ?? '') !== '' || (ref?.kind ?? 'Service') !== 'Service') return;
            const field = `spec.rules[${i}].backendRefs[${j}]`;
            const toNs = String(ref.namespace ?? ns);
            const svc = ctx.index.find(toNs, 'Service', String(ref.name));
            if (!svc) {
              out.push({
                doc: route,
                field: `${field}.name`,
                message: `Service ${JSON.stringify(ref.name)} does not exist in namespace ${JSON.stringify(toNs)}`,
              });
              return;
            }
            const ports = arr(svc.object.spec?.ports);
            if (!ports.some((p) => p?.port === ref.port)) {
              out.push({
                doc: route,
                field: `${field}.port`,
                message: `Service ${toNs}/${ref.name} has no port ${JSON.stringify(ref.port)} (ports: ${ports.map((p) => p?.port).join(', ')})`,
              });
            }
            if (toNs !== ns && !granted(ctx, kind, ns, toNs, String(ref.name))) {
              out.push({
                doc: route,
                field: `${field}.namespace`,
                message: `refers to Service ${toNs}/${ref.name} in another namespace, and no ReferenceGrant in ${JSON.stringify(toNs)} allows ${kind}s from ${JSON.stringify(ns)}; add one, or route to a Service of the route's namespace`,
              });
            }
          });
        });
        const hostnames = arr(route.object.spec?.hostnames).map(String);
        for (const p of parentsOf(ctx, route)) {
          if (!p.gateway) {
            out.push({ doc: route, field: `${p.field}.name`, message: `Gateway ${p.namespace}/${p.name} does not exist` });
            continue;
          }
          if (p.sectionName !== undefined && p.listeners.length === 0) {
            const names = arr(p.gateway.object.spec?.listeners).map((l) => l?.name);
            out.push({
              doc: route,
              field: `${p.field}.sectionName`,
              message: `Gateway ${p.namespace}/${p.name} has no listener ${JSON.stringify(p.sectionName)} (listeners: ${names.join(', ')})`,
            });
            continue;
          }
          const admitting = p.listeners.filter((l) => admits(ctx, l, p.namespace, ns, kind));
          if (admitting.length === 0) {
            out.push({
              doc: route,
              field: p.field,
              message: `no listener of Gateway ${p.namespace}/${p.name}${p.sectionName !== undefined ? ` named ${JSON.stringify(p.sectionName)}` : ''} admits ${kind}s from namespace ${JSON.stringify(ns)} (allowedRoutes)`,
            });
            continue;
          }
          if (hostnames.length > 0 && !admitting.some((l) => l.hostname === undefined || hostnames.some((h) => hostsIntersect(h, String(l.hostname))))) {
            out.push({
              doc: route,
              field: 'spec.hostnames',
              message: `none of ${hostnames.join(', ')} matches the hostname of listener(s) ${admitting.map((l) => `${l.name} (${l.hostname})`).join(', ')} of Gateway ${p.namespace}/${p.name}`,
            });
          }
        }
      }
      return out;
    },
  },
  {
    id: 'route-requires-tls',
    severity: 'high',
    rationale:
      'Where the environment requires TLS (profile.tlsIssuer), a route on a plain-HTTP listener serves requests unencrypted; plain HTTP may only redirect to HTTPS.',
    docs: GATEWAY_API_DOCS,
    coverage: {},
    skipReason: (ctx) => (ctx.profile.tlsIssuer === undefined ? 'the environment does not require TLS (no profile.tlsIssuer)' : undefined),
    run: (ctx) => {
      const out: PolicyFinding[] = [];
      for (const route of routes(ctx)) {
        const rules = arr(route.object.spec?.rules);
        if (rules.length > 0 && rules.every(onlyRedirectsToHttps)) continue;
        for (const p of parentsOf(ctx, route)) {
          const plain = p.listeners.filter((l) => l?.protocol === 'HTTP');
          if (plain.length === 0) continue;
          out.push({
            doc: route,
            field: p.field,
            message: `binds plain-HTTP listener ${plain.map((l) => JSON.stringify(l.name)).join(', ')} of Gateway ${p.namespace}/${p.name}, and environment ${ctx.environment} requires TLS (profile.tlsIssuer); bind an HTTPS listener (sectionName), or make every rule of the route a RequestRedirect to https`,
          });
        }
      }
      return out;
    },
  },
  {
    id: 'wildcard-certificate-dns01',
    severity: 'high',
    rationale:
      "ACME CAs (Let's Encrypt) issue a wildcard name only through a DNS-01 challenge: a Gateway listener or Certificate for `*.domain` issued by an ACME issuer that solves HTTP-01 only never gets its certificate, and the listener stays without TLS.",
    docs: 'https://cert-manager.io/docs/configuration/acme/#solving-challenges',
    coverage: {},
    // The certificate is never issued, whatever the environment.
    alwaysEnforced: true,
    run: (ctx) => {
      const out: PolicyFinding[] = [];
      const http01Only = (issuerName: unknown): string | undefined => {
        if (typeof issuerName !== 'string') return undefined;
        const issuer = ctx.index.find('', 'ClusterIssuer', issuerName);
        const solvers = arr(issuer?.object.spec?.acme?.solvers);
        if (!issuer?.object.spec?.acme || solvers.some((v) => v?.dns01 !== undefined)) return undefined;
        return issuerName;
      };
      const fix = 'add a DNS-01 solver to the issuer (AcmeSolver.dns01Route53(), AcmeSolver.dns01CloudDns()), or list the names without the wildcard';
      for (const gw of ctx.index.ofKind('Gateway').filter(isGatewayApi)) {
        const issuer = http01Only(gw.object.metadata?.annotations?.['cert-manager.io/cluster-issuer']);
        if (issuer === undefined) continue;
        arr(gw.object.spec?.listeners).forEach((l, i) => {
          const host = l?.hostname;
          if (l?.protocol !== 'HTTPS' || typeof host !== 'string' || !host.startsWith('*.')) return;
          out.push({
            doc: gw,
            field: `spec.listeners[${i}].hostname`,
            message: `listener ${JSON.stringify(l.name)} needs a certificate for ${JSON.stringify(host)}, and ClusterIssuer ${issuer} solves ACME challenges with HTTP-01 only (ACME issues wildcard names through DNS-01 alone); ${fix}`,
          });
        });
      }
      for (const cert of ctx.index.ofKind('Certificate')) {
        const ref = cert.object.spec?.issuerRef;
        const issuer = ref?.kind === 'ClusterIssuer' ? http01Only(ref.name) : undefined;
        if (issuer === undefined) continue;
        arr(cert.object.spec?.dnsNames).forEach((host, i) => {
          if (typeof host !== 'string' || !host.startsWith('*.')) return;
          out.push({
            doc: cert,
            field: `spec.dnsNames[${i}]`,
            message: `${JSON.stringify(host)} is a wildcard name, and ClusterIssuer ${issuer} solves ACME challenges with HTTP-01 only (ACME issues wildcard names through DNS-01 alone); ${fix}`,
          });
        });
      }
      return out;
    },
  },
];
