import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { EnvironmentProfile } from './environment-profile';
import { isDns1123Label } from '../synth/schema-validator';
import { fail, PlatformUsageError } from './errors';

export interface EnvironmentChartProps {
  readonly profile: EnvironmentProfile;
  /**
   * Construct id of the chart and folder under dist/ its files go to. Lets one environment have several charts
   * (e.g. `argocd/production` for its Argo CD applications).
   * @default profile.name
   */
  readonly outputDirectory?: string;
}

const ENVIRONMENT_CHART_SYMBOL = Symbol.for('cdk8s-platform.EnvironmentChart');

/**
 * One environment: every resource below it is synthesized into `dist/<profile.name>/`. Constructs find their
 * environment's profile with {@link EnvironmentChart.of}.
 */
export class EnvironmentChart extends Chart {
  /**
   * Whether `x` is an EnvironmentChart, also one created by another copy of this package in the same process
   * (where `instanceof` is false), as cdk8s's `Chart.isChart` does.
   */
  public static isEnvironmentChart(x: unknown): x is EnvironmentChart {
    return x !== null && typeof x === 'object' && ENVIRONMENT_CHART_SYMBOL in x;
  }

  /** The environment chart that contains `scope`. */
  public static of(scope: IConstruct): EnvironmentChart {
    let c: IConstruct | undefined = scope;
    while (c) {
      if (EnvironmentChart.isEnvironmentChart(c)) return c;
      c = c.node.scope;
    }
    throw new PlatformUsageError(`${scope.node.path}: must be created inside an EnvironmentChart (it reads the environment profile)`);
  }

  public readonly profile: EnvironmentProfile;

  public constructor(scope: Construct, props: EnvironmentChartProps) {
    if (!isDns1123Label(props.profile.name)) {
      fail(
        `${scope.node.path || 'app'}/${props.profile.name}`,
        'profile.name',
        props.profile.name,
        'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)',
      );
    }
    const outputDirectory = props.outputDirectory ?? props.profile.name;
    const id = outputDirectory.replace(/\//g, '-');
    if (scope.node.tryFindChild(id)) {
      fail(
        `${scope.node.path || 'app'}/${id}`,
        'outputDirectory',
        outputDirectory,
        'another EnvironmentChart already writes to this folder: give each environment chart its own profile name or outputDirectory',
      );
    }
    super(scope, id, {
      labels: { 'app.kubernetes.io/managed-by': 'cdk8s-platform', 'platform.io/environment': props.profile.name },
    });
    Object.defineProperty(this, ENVIRONMENT_CHART_SYMBOL, { value: true });
    this.profile = props.profile;
    this.outputDirectory = outputDirectory;
  }

  /** Folder under dist/ (relative) that this chart's files are written to. */
  public readonly outputDirectory: string;

  /**
   * Per-environment state of the library (the connection graph, the monitoring registry, the tenants), by key.
   * Held by the chart rather than in module-level maps, so that two copies of this package in one process (an app
   * and a library built on it) share one graph and one registry per environment.
   */
  private readonly services = new Map<string, unknown>();

  /**
   * The environment's service stored under `key` (`cdk8s-platform.<Name>`), created with `create` on first use.
   * @internal
   */
  public _service<T>(key: string, create: () => T): T {
    if (!this.services.has(key)) this.services.set(key, create());
    return this.services.get(key) as T;
  }

  /**
   * Names are API: an object name generated from the construct path would change when code moves and orphan
   * volumes, so every object must be named explicitly.
   */
  public generateObjectName(apiObject: ApiObject): string {
    throw new PlatformUsageError(
      `${apiObject.node.path}: every Kubernetes object needs an explicit metadata.name (names derived from construct paths change when code moves)`,
    );
  }
}
