import { IConstruct } from 'constructs';
import { IntOrString, LifecycleHandler } from '../../imports/k8s';
import { fail } from '../core/errors';
import { ProbePort } from './probes';

/**
 * What a container does before it is stopped. A short sleep lets the ingress controller and kube-proxy drop the
 * pod from their endpoints before the process receives SIGTERM, so no request hits a closing server.
 */
export class PreStopHook {
  /** Run `sleep <seconds>` (the image needs a `sleep` binary). */
  public static sleep(seconds: number): PreStopHook {
    return new PreStopHook({ kind: 'sleep', seconds });
  }

  /** Run a command in the container. */
  public static exec(command: readonly string[]): PreStopHook {
    return new PreStopHook({ kind: 'exec', command });
  }

  /** HTTP GET `path` on a container port (by name or number). @default port - the main (first) port */
  public static http(path: string, port?: string | number): PreStopHook {
    return new PreStopHook({ kind: 'http', path, port });
  }

  private constructor(
    private readonly action:
      | { readonly kind: 'sleep'; readonly seconds: number }
      | { readonly kind: 'exec'; readonly command: readonly string[] }
      | { readonly kind: 'http'; readonly path: string; readonly port?: string | number },
  ) {}

  /** Seconds the hook is known to take (for the check against terminationGracePeriodSeconds). */
  public get sleepSeconds(): number {
    return this.action.kind === 'sleep' ? this.action.seconds : 0;
  }

  /** The Kubernetes handler; throws for a port the container does not expose. */
  public render(scope: IConstruct, field: string, ports: readonly ProbePort[]): LifecycleHandler {
    const a = this.action;
    switch (a.kind) {
      case 'sleep':
        if (!Number.isInteger(a.seconds) || a.seconds < 1) fail(scope, `${field}.seconds`, a.seconds, 'must be an integer >= 1');
        return { exec: { command: ['sleep', String(a.seconds)] } };
      case 'exec':
        if (a.command.length === 0) fail(scope, `${field}.command`, a.command, 'must name a command to run');
        return { exec: { command: [...a.command] } };
      case 'http': {
        const exposed = ports.map((p) => `${p.name} (${p.port})`).join(', ') || 'none';
        const port = a.port === undefined ? ports[0] : ports.find((p) => (typeof a.port === 'string' ? p.name === a.port : p.port === a.port));
        if (!port) fail(scope, `${field}.port`, a.port, `the container does not expose this port; exposed ports: ${exposed}`);
        return { httpGet: { path: a.path, port: IntOrString.fromNumber(port.port) } };
      }
    }
  }
}
