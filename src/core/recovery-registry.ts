/**
 * The environment's recovery facts: what each datastore's backups achieve and the objective it is held to. Datastores
 * register here; synth records the entries with the environment's output, where the recovery check and the README
 * read them (see src/datastore/recovery.ts).
 */
import { IConstruct } from 'constructs';
import { EnvironmentChart } from './environment-chart';
import { compareText } from './order';

/** One way a datastore's data survives a disaster, and the most recent writes it can lose. */
export interface RecoveryPlan {
  /** What it is, for messages and the README: `continuous WAL archiving to s3://... (archive_timeout 5m)`. */
  readonly method: string;
  /** The most recent writes a disaster can cost with this plan alone, in seconds. */
  readonly rpoSeconds: number;
}

/** The objective a datastore is held to: the profile's, or its own with a reason. */
export interface RecoveryObjective {
  readonly rpo: string;
  readonly rpoSeconds: number;
  readonly rto: string;
  /** Why the datastore has its own objective; undefined when it is the profile's. */
  readonly reason?: string;
}

/** What one datastore achieves and promises. */
export interface RecoveryEntry {
  /** Construct path (errors name it). */
  readonly path: string;
  /** `<namespace>/<name>`. */
  readonly datastore: string;
  readonly engine: string;
  /** Every plan that leaves a restore point; the best one is the achieved RPO. Empty for managed services. */
  readonly plans: readonly RecoveryPlan[];
  /** How the datastore is restored. */
  readonly restorePath: string;
  readonly objective?: RecoveryObjective;
  /** A managed service: its provider's backups, not checked here. */
  readonly managed: boolean;
}

/** The environment's recovery entries, one per datastore. */
export class RecoveryRegistry {
  /** The registry of the environment that contains `scope`. */
  public static of(scope: IConstruct): RecoveryRegistry {
    return EnvironmentChart.of(scope)._service('cdk8s-platform.RecoveryRegistry', () => new RecoveryRegistry());
  }

  private readonly items = new Map<string, RecoveryEntry>();

  public register(e: RecoveryEntry): void {
    this.items.set(e.datastore, e);
  }

  /** Entries sorted by namespace/name. */
  public entries(): RecoveryEntry[] {
    return [...this.items.entries()].sort(([a], [b]) => compareText(a, b)).map(([, e]) => e);
  }
}
