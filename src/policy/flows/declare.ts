/**
 * Flows the library cannot see: a workload calling a SaaS API, a component outside the library reaching a
 * workload (or the reverse). `Flow.declare` records the flow in the environment's connection graph, so the
 * NetworkPolicies of the library's end admit it, and the flow proof checks it like any other (origin
 * `Flow.declare <id>` in FLOWS.md).
 *
 *   Flow.declare(chart, 'payments-to-stripe', {
 *     from: paymentService,
 *     to: FlowEndpoint.external('stripe-api', { cidrs: ['3.18.12.0/23'], ports: [{ name: 'https', port: 443 }] }),
 *   });
 */
import { Construct } from 'constructs';
import { ConnectionGraph, ExternalEndpoint, IWorkload, WorkloadPort, WorkloadRef } from '../../core/connections';
import { fail } from '../../core/errors';
import { isDns1123Label, labelKeyProblem, labelValueProblem } from '../../synth/schema-validator';
import { IpSet } from './cidr';

/** Namespace shown for endpoints outside the cluster (`external/<name>` in messages and FLOWS.md). */
export const EXTERNAL_NAMESPACE = 'external';

const IPV6_CIDR = /^[0-9a-fA-F:]+\/\d{1,3}$/;

/** Options of {@link FlowEndpoint.external}. */
export interface ExternalFlowEndpointOptions {
  /** Where it is. @default ['0.0.0.0/0'] - anywhere (the NetworkPolicy opens egress to every address on its ports) */
  readonly cidrs?: readonly string[];
  /** Ports it accepts connections on; at least one when it is the target of a flow. @default [] - it only opens connections */
  readonly ports?: readonly WorkloadPort[];
}

/** Options of {@link FlowEndpoint.pods}. */
export interface PodsFlowEndpointOptions {
  /** Namespace of the pods (a DNS-1123 label). */
  readonly namespace: string;
  /** Labels of the pods (`{}`: every pod of the namespace). */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Ports they accept connections on. @default [] - they only open connections */
  readonly ports?: readonly WorkloadPort[];
}

/** One end of a declared flow that the library does not run. */
export class FlowEndpoint {
  /** Addresses outside the cluster: a SaaS API, a partner network, a managed service. */
  public static external(name: string, options: ExternalFlowEndpointOptions): FlowEndpoint {
    const ports = options.ports ?? [];
    return new FlowEndpoint(name, EXTERNAL_NAMESPACE, {}, ports, { cidrs: options.cidrs ?? ['0.0.0.0/0'], ports });
  }

  /** Pods in the cluster that the library does not run (a vendor agent, an operator, another team's service). */
  public static pods(name: string, options: PodsFlowEndpointOptions): FlowEndpoint {
    return new FlowEndpoint(name, options.namespace, options.podSelector, options.ports ?? []);
  }

  private constructor(
    public readonly name: string,
    public readonly namespace: string,
    public readonly podSelector: Readonly<Record<string, string>>,
    public readonly ports: readonly WorkloadPort[],
    public readonly external?: ExternalEndpoint,
  ) {}
}

/** Props of {@link Flow.declare}. */
export interface FlowProps {
  /** Who opens the connections: a workload of the library or a {@link FlowEndpoint}. */
  readonly from: IWorkload | FlowEndpoint;
  /** Who accepts them: a workload of the library (or a reference to one) or a {@link FlowEndpoint}. */
  readonly to: IWorkload | WorkloadRef | FlowEndpoint;
  /** Ports of `to`, by name or number. @default - every port `to` accepts connections on */
  readonly ports?: readonly (string | number)[];
}

/** A FlowEndpoint as a peer of the connection graph (it emits nothing). */
class EndpointWorkload extends Construct implements IWorkload {
  public readonly workloadName: string;
  public readonly namespace: string;
  public readonly podSelector: Readonly<Record<string, string>>;
  public readonly clientPorts: readonly WorkloadPort[];
  public readonly external?: ExternalEndpoint;

  public constructor(scope: Construct, id: string, e: FlowEndpoint) {
    super(scope, id);
    this.workloadName = e.name;
    this.namespace = e.namespace;
    this.podSelector = { ...e.podSelector };
    this.clientPorts = e.ports;
    if (e.external) this.external = e.external;
  }
}

/** A flow the platform needs that the library cannot derive: admitted by the NetworkPolicies, proved at synth. */
export class Flow extends Construct {
  /** Declares that `from` opens connections to `to` (construct id `id` under `scope`). */
  public static declare(scope: Construct, id: string, props: FlowProps): Flow {
    return new Flow(scope, id, props);
  }

  /** The graph field the flow is recorded under (its origin in FLOWS.md). */
  public readonly origin: string;

  private constructor(scope: Construct, id: string, props: FlowProps) {
    super(scope, id);
    this.origin = `Flow.declare ${id}`;
    const from = props.from instanceof FlowEndpoint ? this.endpoint('From', 'from', props.from) : props.from;
    const to = props.to instanceof FlowEndpoint ? this.endpoint('To', 'to', props.to) : props.to;
    if (props.from instanceof FlowEndpoint && props.to instanceof FlowEndpoint) {
      fail(
        this,
        'to',
        props.to.name,
        'one end must be a workload of this library (a MicroserviceDeployment, a StatefulDatastore, ...): only those write NetworkPolicies',
      );
    }
    const offered = 'node' in to ? ((to as IWorkload).external?.ports ?? (to as IWorkload).clientPorts) : undefined;
    (props.ports ?? []).forEach((p, i) => {
      if (typeof p === 'number' ? !(Number.isInteger(p) && p >= 1 && p <= 65535) : typeof p !== 'string' || p === '') {
        fail(this, `ports[${i}]`, p, 'must be a port number (1-65535) or the name of a port of `to`');
      }
      // A reference is resolved at synth (the graph names the missing port then); a workload is checked now.
      if (offered && !offered.some((x) => (typeof p === 'number' ? x.port === p : x.name === p))) {
        fail(
          this,
          `ports[${i}]`,
          p,
          `"${(to as IWorkload).workloadName}" accepts connections on ${offered.map((x) => `${x.name} (${x.port})`).join(', ') || 'no port'}`,
        );
      }
    });
    ConnectionGraph.of(this).connect(from, to, props.ports, this.origin);
  }

  private endpoint(id: string, field: string, e: FlowEndpoint): IWorkload {
    if (!isDns1123Label(e.name)) fail(this, `${field}.name`, e.name, 'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)');
    if (!isDns1123Label(e.namespace)) fail(this, `${field}.namespace`, e.namespace, 'must be a DNS-1123 label');
    for (const [k, v] of Object.entries(e.podSelector)) {
      const problem = labelKeyProblem(k) ?? labelValueProblem(v);
      if (problem !== undefined) fail(this, `${field}.podSelector.${k}`, v, problem);
    }
    e.ports.forEach((p, i) => {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) fail(this, `${field}.ports[${i}].port`, p.port, 'must be a port number from 1 to 65535');
    });
    if (e.external) {
      if (field === 'to' && e.ports.length === 0)
        fail(this, `${field}.ports`, [], 'an external target needs at least one port (NetworkPolicies open egress per port)');
      for (const [i, c] of e.external.cidrs.entries()) {
        if (IpSet.unparsable([c]).length > 0 && !IPV6_CIDR.test(c)) fail(this, `${field}.cidrs[${i}]`, c, 'must be a CIDR such as "203.0.113.0/24"');
      }
    }
    return new EndpointWorkload(this, id, e);
  }
}
