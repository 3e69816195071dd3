/** `npm run diff -- <git-ref>`: what a pull request changes in the rendered manifests, as Markdown. */
import { renderDiffReport } from './diff-report';
import { diffTrees, EnvironmentDiff } from './manifest-diff';
import { ManifestTree, readTreeFromGit } from './manifest-tree';

export interface ReviewDiffProps {
  /** Any folder inside the Git repository. */
  readonly repoDir: string;
  /** The base revision (`origin/main`, a tag, a SHA). */
  readonly ref: string;
  /** dist/ folder relative to the repository root. @default 'dist' */
  readonly distPath?: string;
  /** The freshly synthesized tree (paths relative to dist/). */
  readonly after: ManifestTree;
}

export interface ReviewDiffResult {
  readonly diffs: readonly EnvironmentDiff[];
  readonly markdown: string;
}

/** Compares `<ref>:<distPath>/` with `after` and renders the report. */
export function reviewDiff(props: ReviewDiffProps): ReviewDiffResult {
  const before = readTreeFromGit(props.repoDir, props.ref, props.distPath ?? 'dist');
  const diffs = diffTrees(before, props.after);
  return { diffs, markdown: renderDiffReport(diffs, { title: `Rendered manifests: \`${props.ref}\` → this change` }) };
}
