/** The vocabulary of the flow proof: endpoints (pods or addresses outside the cluster), flows and verdicts. */
import type { PodView } from '../policy-index';
import { IpSet } from './cidr';
import { Labels } from './selector';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** A port a container declares. */
export interface DeclaredPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: Protocol;
}

/** The pods of one workload (a pod template, a Strimzi component, a cluster service, a tenant's pods). */
export interface PodEndpoint {
  readonly kind: 'pods';
  /** Unique within the environment: `<namespace>/<kind>/<name>`. */
  readonly key: string;
  readonly namespace: string;
  /** Workload name (`<namespace>/<name>` in messages). */
  readonly name: string;
  /** Labels of the pods; undefined when unknown (a tenant's own pods): selectors may or may not match them. */
  readonly labels?: Labels;
  /** Ports the containers declare (named NetworkPolicy ports resolve against them); undefined when unknown. */
  readonly ports?: readonly DeclaredPort[];
  /** What describes these pods: `Deployment`, `Kafka db-kafka/kafka`, `profile.clusterServices.dns`, ... */
  readonly source: string;
  /** The pod template in `dist/`, when there is one. */
  readonly pod?: PodView;
  /** Part of the environment's output (its own policies, DNS and API flows are proved), as opposed to a cluster service. */
  readonly inDist: boolean;
}

/** Addresses outside the pod network: the API server, the kubelets, a managed database, a SaaS host. */
export interface AddressEndpoint {
  readonly kind: 'address';
  readonly key: string;
  /** `default/kubernetes`, `nodes/kubelet`, `external/<host>`, `<namespace>/<managed datastore>`. */
  readonly name: string;
  /** Where it may be; an egress ipBlock must cover all of it. */
  readonly addresses: IpSet;
}

export type Endpoint = PodEndpoint | AddressEndpoint;

/** `<namespace>/<workload>` of pods, the name of an address endpoint. */
export function endpointName(e: Endpoint): string {
  return e.kind === 'pods' ? `${e.namespace}/${e.name}` : e.name;
}

/** One connection the platform needs: `from` opens connections to `to` on `port`/`protocol`. */
export interface NeededFlow {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly protocol: Protocol;
  /** Why the flow is needed, e.g. `connectsTo[0]`, `ServiceMonitor monitoring/x`, `AnalysisTemplate backend/y`. */
  readonly origins: readonly string[];
}

/** A flow before merging: one origin. */
export interface FlowNeed {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly protocol: Protocol;
  readonly origin: string;
}

/** How one end of a flow fares. */
export interface EndVerdict {
  readonly admitted: boolean;
  /** No NetworkPolicy isolates the pods in this direction (everything is admitted), or the end is outside the cluster. */
  readonly isolated: boolean;
  /** `<namespace>/<policy>` of every policy that admits the flow at this end. */
  readonly admittedBy: readonly string[];
  /** When blocked: the isolating policies and what did not match. */
  readonly blockedBy?: readonly string[];
  readonly why?: string;
}

/** A flow with its verdict at both ends. */
export interface FlowVerdict extends NeededFlow {
  readonly egress: EndVerdict;
  readonly ingress: EndVerdict;
  readonly admitted: boolean;
}

/** `<from> -> <to>:<port>/<proto>`. */
export function flowText(f: Pick<NeededFlow, 'from' | 'to' | 'port' | 'protocol'>): string {
  return `${endpointName(f.from)} -> ${endpointName(f.to)}:${f.port}/${f.protocol}`;
}
