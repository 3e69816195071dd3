import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { EnvironmentProfile } from './environment-profile';
import { isDns1123Label } from './synth/schema-validator';
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

/**
 * One environment: every resource below it is synthesized into `dist/<profile.name>/`. Constructs find their
 * environment's profile with {@link EnvironmentChart.of}.
 */
export class EnvironmentChart extends Chart {
  /** The environment chart that contains `scope`. */
  public static of(scope: IConstruct): EnvironmentChart {
    let c: IConstruct | undefined = scope;
    while (c) {
      if (c instanceof EnvironmentChart) return c as EnvironmentChart;
      c = c.node.scope;
    }
    throw new PlatformUsageError(`${scope.node.path}: must be created inside an EnvironmentChart (it reads the environment profile)`);
  }

  public readonly profile: EnvironmentProfile;

  public constructor(scope: Construct, props: EnvironmentChartProps) {
    if (!isDns1123Label(props.profile.name)) {
      fail(`${scope.node.path || 'app'}/${props.profile.name}`, 'profile.name', props.profile.name, 'must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)');
    }
    const outputDirectory = props.outputDirectory ?? props.profile.name;
    const id = outputDirectory.replace(/\//g, '-');
    if (scope.node.tryFindChild(id)) {
      fail(`${scope.node.path || 'app'}/${id}`, 'outputDirectory', outputDirectory, 'another EnvironmentChart already writes to this folder: give each environment chart its own profile name or outputDirectory');
    }
    super(scope, id, {
      labels: { 'app.kubernetes.io/managed-by': 'cdk8s-platform', 'platform.io/environment': props.profile.name },
    });
    this.profile = props.profile;
    this.outputDirectory = outputDirectory;
  }

  /** Folder under dist/ (relative) that this chart's files are written to. */
  public readonly outputDirectory: string;

  /**
   * Names are API: an object name generated from the construct path would change when code moves and orphan
   * volumes, so every object must be named explicitly.
   */
  public generateObjectName(apiObject: ApiObject): string {
    throw new PlatformUsageError(`${apiObject.node.path}: every Kubernetes object needs an explicit metadata.name (names derived from construct paths change when code moves)`);
  }
}
