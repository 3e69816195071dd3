import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { addGitOpsDelivery, DeliveryTool, EnvironmentChart, EnvironmentOutput, EnvironmentProfile, GitOpsDelivery } from '../../src';
import { synthToDir } from '../gitops/helpers';

export const SOURCE = { url: 'https://github.com/acme/platform.git', targetRevision: 'main' };

/** What {@link deliverEnvironment} produced. */
export interface Delivered {
  readonly repo: string;
  readonly envs: readonly EnvironmentOutput[];
  readonly delivery: GitOpsDelivery;
  /** One object by output folder, kind and name; throws naming what exists when missing. */
  find(dir: string, kind: string, name: string): Record<string, any>;
  /** Every object of a kind in an output folder. */
  all(dir: string, kind: string): Record<string, any>[];
}

/**
 * GIVEN `profile` and the constructs `build` adds, WHEN the environment is delivered with both tools (add-ons
 * included), THEN its files in a fresh repository folder (removed by `cleanup`).
 */
export function deliverEnvironment(
  profile: EnvironmentProfile,
  build: (chart: EnvironmentChart) => void = () => undefined,
  tools = [DeliveryTool.argoCd(), DeliveryTool.flux()],
): Delivered {
  const app = new App();
  const chart = new EnvironmentChart(app, { profile });
  build(chart);
  const delivery = addGitOpsDelivery(app, { environment: chart, source: SOURCE, tools });
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'addons-test-'));
  created.push(repo);
  const envs = synthToDir(app, path.join(repo, 'dist'));
  const docs = (dir: string) => envs.find((e) => e.directory === dir)?.documents.map((d) => d.object) ?? [];
  return {
    repo,
    envs,
    delivery,
    find(dir, kind, name) {
      const o = docs(dir).find((x) => x.kind === kind && x.metadata.name === name);
      if (!o)
        throw new Error(
          `no ${kind} ${name} in ${dir}; have: ${docs(dir)
            .map((x) => `${x.kind}/${x.metadata.name}`)
            .join(', ')}`,
        );
      return o;
    },
    all(dir, kind) {
      return docs(dir).filter((x) => x.kind === kind);
    },
  };
}

const created: string[] = [];

/** Removes the repository folders of this test file. */
export function cleanup(): void {
  for (const d of created.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}
