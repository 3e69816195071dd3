/**
 * Flows every platform has: DNS for every pod, the API server for pods that mount a ServiceAccount token, the
 * ingress controller (or gateway) to every exposed port, the Argo Rollouts controller to the Prometheus of every
 * AnalysisTemplate, and the addresses containers are given in their environment, arguments and scripts.
 */
import { PEER_PORTS_ANNOTATION } from '../../../core/connections';
import { nameOf, namespaceOf } from '../../policy-index';
import { PodEndpoint, Protocol } from '../model';
import { FlowWorld, resolvePodPort } from '../world';
import { Needs, parseAddress, podLabel } from './common';
import { DocObject, DocValue } from '../../../core/documents';

function obj(v: unknown): DocObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as DocObject) : {};
}

function arr(v: unknown): DocValue[] {
  return Array.isArray(v) ? v : [];
}

/** Every pod of dist/ resolves names through the cluster DNS. */
export function dnsNeeds(needs: Needs): void {
  const dns = needs.world.clusterService.dns;
  for (const pod of needs.world.pods) {
    if (!pod.inDist || pod.pod?.spec.hostNetwork === true) continue;
    for (const p of dns.ports ?? []) needs.add(pod, dns, p.port, p.protocol, 'DNS');
  }
}

/**
 * True when the pods get a ServiceAccount token: the pod's `automountServiceAccountToken`, else its
 * ServiceAccount's, else Kubernetes' default (mounted); or a projected `serviceAccountToken` volume.
 */
export function mountsToken(world: FlowWorld, pod: PodEndpoint): { mounted: boolean; account: string } {
  const spec = pod.pod?.spec ?? {};
  const account = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : 'default';
  const projected = arr(spec.volumes).some((v) => arr(v?.projected?.sources).some((s) => s?.serviceAccountToken !== undefined));
  if (projected) return { mounted: true, account };
  if (typeof spec.automountServiceAccountToken === 'boolean') return { mounted: spec.automountServiceAccountToken, account };
  const sa = world.index.find(pod.namespace, 'ServiceAccount', account);
  const own = sa?.object.automountServiceAccountToken;
  return { mounted: typeof own === 'boolean' ? own : true, account };
}

/** Pods that mount a ServiceAccount token call the API server (that is what the token is for). */
export function apiServerNeeds(needs: Needs): void {
  const world = needs.world;
  for (const pod of world.pods) {
    if (!pod.pod || pod.pod.spec.hostNetwork === true) continue;
    const t = mountsToken(world, pod);
    if (!t.mounted) continue;
    for (const port of world.apiServerPorts) needs.add(pod, world.apiServer, port, 'TCP', `ServiceAccount token ${pod.namespace}/${t.account}`);
  }
}

/** Service backends of an Ingress (or a Gateway API route): the ingress controller forwards to each. */
export function ingressNeeds(needs: Needs): void {
  const world = needs.world;
  const controller = world.clusterService.ingressController;
  const toService = (namespace: string, name: string, port: { number?: number; name?: string }, origin: string) => {
    const svc = world.service(namespace, name);
    if (!svc) {
      world.unresolved.push({
        from: `${controller.namespace}/${controller.name}`,
        address: `${namespace}/${name}`,
        origin,
        reason: `no Service ${namespace}/${name} in dist/`,
      });
      return;
    }
    for (const sp of svc.ports.filter((p) => (port.number !== undefined ? p.port === port.number : p.name === port.name))) {
      for (const t of world.serviceTargets(svc, sp)) needs.add(controller, t.to, t.port, t.protocol, origin);
    }
  };
  for (const ing of world.index.ofKind('Ingress')) {
    const ns = namespaceOf(ing);
    const spec = obj(ing.object.spec);
    const origin = `Ingress ${ns}/${nameOf(ing)}`;
    const backends = [obj(spec.defaultBackend).service, ...arr(spec.rules).flatMap((r) => arr(obj(r).http?.paths).map((p) => obj(obj(p).backend).service))];
    for (const b of backends) if (b?.name) toService(ns, String(b.name), obj(b.port), origin);
  }
  for (const kind of ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute']) {
    for (const route of world.index.ofKind(kind)) {
      if (!String(route.object.apiVersion ?? '').startsWith('gateway.networking.k8s.io/')) continue;
      const ns = namespaceOf(route);
      for (const rule of arr(obj(route.object.spec).rules)) {
        for (const ref of arr(obj(rule).backendRefs)) {
          if ((ref?.kind ?? 'Service') !== 'Service' || (ref?.group ?? '') !== '' || typeof ref?.port !== 'number') continue;
          toService(String(ref.namespace ?? ns), String(ref.name), { number: ref.port }, `${kind} ${ns}/${nameOf(route)}`);
        }
      }
    }
  }
}

/** The Argo Rollouts controller queries the Prometheus (and web providers) of every AnalysisTemplate. */
export function analysisNeeds(needs: Needs): void {
  const controller = needs.world.clusterService.argoRollouts;
  for (const kind of ['AnalysisTemplate', 'ClusterAnalysisTemplate']) {
    for (const t of needs.world.index.ofKind(kind)) {
      if (!String(t.object.apiVersion ?? '').startsWith('argoproj.io/')) continue;
      const origin = `${kind} ${kind === 'AnalysisTemplate' ? `${namespaceOf(t)}/` : ''}${nameOf(t)}`;
      const seen = new Set<string>();
      for (const m of arr(obj(t.object.spec).metrics)) {
        const provider = obj(obj(m).provider);
        for (const url of [obj(provider.prometheus).address, obj(provider.web).url]) {
          if (typeof url !== 'string' || seen.has(url)) continue;
          seen.add(url);
          needs.toUrl(controller, url, origin);
        }
      }
    }
  }
}

/** The KEDA operator queries the Prometheus of every ScaledObject's prometheus trigger. */
export function scalerNeeds(needs: Needs): void {
  const operator = needs.world.clusterService.kedaOperator;
  for (const so of needs.world.index.ofKind('ScaledObject')) {
    if (!String(so.object.apiVersion ?? '').startsWith('keda.sh/')) continue;
    const origin = `ScaledObject ${namespaceOf(so)}/${nameOf(so)}`;
    const seen = new Set<string>();
    for (const t of arr(obj(so.object.spec).triggers)) {
      const url = obj(obj(t).metadata).serverAddress;
      if (obj(t).type !== 'prometheus' || typeof url !== 'string' || seen.has(url)) continue;
      seen.add(url);
      needs.toUrl(operator, url, origin);
    }
  }
}

/** In-cluster host names in text: `svc.ns.svc[.cluster.local][:port]`, `pod.svc.ns.svc...`. */
const SVC_HOST = /(?<![A-Za-z0-9.$(){}_-])((?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?\.){1,3}svc(?:\.cluster\.local)?)(?::(\d{1,5}))?(?![A-Za-z0-9_-])/g;
const SCHEME_BEFORE = /([a-z][a-z0-9+.-]*):\/\/(?:[^@\s/"']*@)?$/i;
/** `mc alias set <alias> <url>`: the MinIO client's object store (backups, restores). */
const MC_ALIAS = /\bmc\s+alias\s+set\s+["']?([^\s"']+)["']?\s+["']?([a-z][a-z0-9+.-]*:\/\/[^\s"']+)["']?/g;
/** Alertmanager's gossip peers (TCP and UDP). */
const CLUSTER_PEER = /^--cluster\.peer=(.+)$/;

/** A shell variable reference (`$NAME`, `${NAME}`). */
const SHELL_VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * A script with the container's literal environment variables filled in (what the shell sees): scripts take their
 * endpoints from the environment (`mc alias set backup "$BACKUP_ENDPOINT_URL"`).
 */
function withEnv(text: string, env: ReadonlyMap<string, string>): string {
  return env.size === 0 ? text : text.replace(SHELL_VAR, (m, a?: string, b?: string) => env.get((a ?? b)!) ?? m);
}

function scanText(needs: Needs, pod: PodEndpoint, text: string, origin: string, env: ReadonlyMap<string, string> = new Map()): void {
  for (const m of text.matchAll(SVC_HOST)) {
    const [, host = '', port] = m;
    const scheme = SCHEME_BEFORE.exec(text.slice(0, m.index))?.[1];
    needs.toAddress(pod, host, port !== undefined ? Number(port) : undefined, origin, scheme);
  }
  for (const [, alias, address = ''] of withEnv(text, env).matchAll(MC_ALIAS)) {
    const a = parseAddress(address);
    if (a) needs.toAddress(pod, a.host, a.port, `${origin}: mc alias ${alias}`, a.scheme);
  }
}

/**
 * Addresses the containers are given: in-cluster host names in environment values, arguments and commands
 * (`DUMP_HOST=postgres-read.db-postgres.svc...`, `--host clickhouse.db-clickhouse.svc...`,
 * `OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector.monitoring.svc:4317`), object stores of `mc alias set`, and
 * Alertmanager's `--cluster.peer` gossip peers.
 */
export function containerNeeds(needs: Needs): void {
  for (const pod of needs.world.pods) {
    if (!pod.pod) continue;
    const label = podLabel(pod);
    for (const c of pod.pod.containers) {
      const name = String(c.container.name ?? '');
      // Literal values as the container sees them (Kubernetes keeps `$$` as `$`).
      const env = new Map<string, string>(
        arr(c.container.env)
          .filter((e) => typeof e?.value === 'string' && !/\$\([A-Za-z_]/.test(e.value))
          .map((e) => [String(e.name), String(e.value).replace(/\$\$/g, '$')]),
      );
      for (const e of arr(c.container.env)) {
        if (typeof e?.value === 'string') scanText(needs, pod, e.value, `${label} env ${e.name}`);
      }
      for (const field of ['command', 'args'] as const) {
        for (const s of arr(c.container[field])) {
          if (typeof s !== 'string') continue;
          const peer = CLUSTER_PEER.exec(s)?.[1];
          if (peer !== undefined) {
            const a = parseAddress(peer);
            if (a) needs.toAddress(pod, a.host, a.port, `${label} ${name} --cluster.peer`, undefined, ['TCP', 'UDP'] as Protocol[]);
            continue;
          }
          scanText(needs, pod, s, `${label} ${name} ${field}`, env);
        }
      }
    }
  }
}

/**
 * Members of a Service annotated `platform.io/peer-ports` (a datastore's headless Service) connect to each other
 * on those ports: replication, Sentinel, ClickHouse Keeper, Elasticsearch transport, MinIO erasure sets.
 */
export function peerNeeds(needs: Needs): void {
  const world = needs.world;
  for (const svc of world.allServices()) {
    const value = svc.doc.object.metadata?.annotations?.[PEER_PORTS_ANNOTATION];
    if (typeof value !== 'string') continue;
    const origin = `Service ${svc.namespace}/${svc.name} ${PEER_PORTS_ANNOTATION}`;
    const members = world.backends(svc);
    for (const portName of value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')) {
      const sp = svc.ports.find((p) => p.name === portName);
      if (!sp) {
        world.unresolved.push({ from: `${svc.namespace}/${svc.name}`, address: portName, origin, reason: `the Service has no port named "${portName}"` });
        continue;
      }
      for (const to of members) {
        const port = resolvePodPort(to, sp.targetPort, sp.protocol);
        if (port === undefined) continue;
        for (const from of members) needs.add(from, to, port, sp.protocol, origin);
      }
    }
  }
}
