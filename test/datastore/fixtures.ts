import { parser } from '@prometheus-io/lezer-promql';
import { Construct } from 'constructs';
import { ConnectionGraph, IWorkload, WorkloadPort, selectorLabels } from '../../src';

/** A minimal client workload registered in the connection graph (stands in for a MicroserviceDeployment). */
export class FakeWorkload extends Construct implements IWorkload {
  public readonly podSelector: Record<string, string>;
  public readonly clientPorts: WorkloadPort[] = [{ name: 'http', port: 8080 }];
  public constructor(
    scope: Construct,
    public readonly workloadName: string,
    public readonly namespace: string,
  ) {
    super(scope, `fake-${namespace}-${workloadName}`);
    this.podSelector = selectorLabels(workloadName);
    ConnectionGraph.of(this).register(this);
  }
}

/** True when `expr` parses as PromQL without error nodes. */
export function isValidPromQL(expr: string): boolean {
  let ok = true;
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) ok = false;
    },
  });
  return ok;
}

/**
 * The script of a container (`sh -c <script>`) with its literal environment variables (`$NAME`, `${NAME}`) replaced by
 * their values: what the shell runs for this datastore. Variables from Secrets and field refs stay as they are.
 */
export function effectiveScript(container: { command?: string[]; env?: Array<{ name: string; value?: string }> }): string {
  const vars = new Map((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!.replace(/\$\$/g, '$')]));
  return String(container.command?.[2] ?? '').replace(
    /\$\{([A-Z_][A-Z0-9_]*)\}|\$([A-Z_][A-Z0-9_]*)/g,
    (m, a?: string, b?: string) => vars.get((a ?? b)!) ?? m,
  );
}
