import { IConstruct } from 'constructs';
import { IntOrString, Probe as K8sProbe } from '../../imports/k8s';
import { fail } from '../core/errors';

/** Timing of a probe. Unset fields take the defaults of the probe kind (liveness, readiness, startup). */
export interface ProbeTiming {
  /** @default 0 (readiness, startup), 10 (liveness) */
  readonly initialDelaySeconds?: number;
  /** @default 10 (readiness), 20 (liveness), 5 (startup) */
  readonly periodSeconds?: number;
  /** @default 3 */
  readonly timeoutSeconds?: number;
  /** @default 3 (readiness, liveness), 30 (startup: up to periodSeconds x 30 to start) */
  readonly failureThreshold?: number;
  /** Must be 1 for liveness and startup probes (a Kubernetes rule). @default 1 */
  readonly successThreshold?: number;
}

/** Options of HTTP and TCP probes. */
export interface NetworkProbeOptions extends ProbeTiming {
  /** Container port, by name or number. @default the main (first) port */
  readonly port?: string | number;
}

export interface HttpProbeOptions extends NetworkProbeOptions {
  /** @default 'HTTP' */
  readonly scheme?: 'HTTP' | 'HTTPS';
}

/** A port the container exposes, as probes see it. */
export interface ProbePort {
  readonly name: string;
  readonly port: number;
}

/** Which of the three probes: decides the default timing. */
export type ProbeKind = 'liveness' | 'readiness' | 'startup';

const DEFAULT_TIMING: Record<ProbeKind, Required<ProbeTiming>> = {
  liveness: { initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
  readiness: { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
  startup: { initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 30, successThreshold: 1 },
};

type ProbeAction =
  | { readonly kind: 'http'; readonly path: string; readonly scheme?: 'HTTP' | 'HTTPS'; readonly port?: string | number }
  | { readonly kind: 'tcp'; readonly port?: string | number }
  | { readonly kind: 'exec'; readonly command: readonly string[] }
  | { readonly kind: 'none' };

/** A liveness, readiness or startup check: HTTP GET, TCP connect or a command, or none at all. */
export class HealthProbe {
  /** HTTP GET `path` on a container port. */
  public static http(path: string, options: HttpProbeOptions = {}): HealthProbe {
    return new HealthProbe({ kind: 'http', path, scheme: options.scheme, port: options.port }, options);
  }

  /** A TCP connection to a container port. */
  public static tcp(options: NetworkProbeOptions = {}): HealthProbe {
    return new HealthProbe({ kind: 'tcp', port: options.port }, options);
  }

  /** A command run inside the container; exit code 0 means healthy. */
  public static exec(command: readonly string[], options: ProbeTiming = {}): HealthProbe {
    return new HealthProbe({ kind: 'exec', command }, options);
  }

  /** No probe of this kind (turns off the default derived from the main port). */
  public static none(): HealthProbe {
    return new HealthProbe({ kind: 'none' }, {});
  }

  private constructor(
    private readonly action: ProbeAction,
    private readonly timing: ProbeTiming,
  ) {}

  /**
   * The Kubernetes probe, or undefined for `none()`. Throws when the probe names a port the container does not
   * expose, or has invalid timing.
   */
  public render(scope: IConstruct, field: string, kind: ProbeKind, ports: readonly ProbePort[]): K8sProbe | undefined {
    const a = this.action;
    if (a.kind === 'none') return undefined;
    const t = { ...DEFAULT_TIMING[kind], ...definedOnly(this.timing) };
    for (const [k, v] of Object.entries(t)) {
      const min = k === 'initialDelaySeconds' ? 0 : 1;
      if (!Number.isInteger(v) || v < min) fail(scope, `${field}.${k}`, v, `must be an integer >= ${min}`);
    }
    if (kind !== 'readiness' && t.successThreshold !== 1) {
      fail(scope, `${field}.successThreshold`, t.successThreshold, `must be 1 for a ${kind} probe`);
    }
    const timing = {
      initialDelaySeconds: t.initialDelaySeconds > 0 ? t.initialDelaySeconds : undefined,
      periodSeconds: t.periodSeconds,
      timeoutSeconds: t.timeoutSeconds,
      failureThreshold: t.failureThreshold,
      successThreshold: kind === 'readiness' && t.successThreshold !== 1 ? t.successThreshold : undefined,
    };
    if (a.kind === 'exec') {
      if (a.command.length === 0) fail(scope, `${field}.command`, a.command, 'must name a command to run');
      return { exec: { command: [...a.command] }, ...timing };
    }
    const port = resolvePort(scope, `${field}.port`, a.port, ports);
    if (a.kind === 'http') {
      if (!a.path.startsWith('/')) fail(scope, `${field}.path`, a.path, 'must be an absolute URL path starting with "/"');
      return { httpGet: { path: a.path, port: IntOrString.fromNumber(port.port), scheme: a.scheme }, ...timing };
    }
    return { tcpSocket: { port: IntOrString.fromNumber(port.port) }, ...timing };
  }
}

const TIMING_KEYS = ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold'] as const;

/** The timing fields that are set (options objects also carry port and scheme). */
function definedOnly(o: ProbeTiming): Partial<ProbeTiming> {
  return Object.fromEntries(TIMING_KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

function resolvePort(scope: IConstruct, field: string, port: string | number | undefined, ports: readonly ProbePort[]): ProbePort {
  const exposed = ports.map((p) => `${p.name} (${p.port})`).join(', ') || 'none';
  if (port === undefined) {
    const [first] = ports;
    if (!first) fail(scope, field, port, 'the container exposes no port: declare one in `ports` or use an exec probe');
    return first;
  }
  const found = ports.find((p) => (typeof port === 'string' ? p.name === port : p.port === port));
  if (!found) fail(scope, field, port, `the container does not expose this port; exposed ports: ${exposed}`);
  return found;
}
