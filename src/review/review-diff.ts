/** `npm run diff -- <git-ref>`: what a pull request changes in the rendered manifests, as Markdown. */
import { addOnVersionChanges, AddOnVersionChange } from './add-on-versions';
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
  /** Add-ons whose chart version changed (also the first section of the Markdown). */
  readonly addOnVersions: readonly AddOnVersionChange[];
  readonly markdown: string;
}

/** Compares `<ref>:<distPath>/` with `after` and renders the report. */
export function reviewDiff(props: ReviewDiffProps): ReviewDiffResult {
  const before = readTreeFromGit(props.repoDir, props.ref, props.distPath ?? 'dist');
  const diffs = diffTrees(before, props.after);
  const addOnVersions = addOnVersionChanges(before, props.after);
  return { diffs, addOnVersions, markdown: renderDiffReport(diffs, { title: `Rendered manifests: \`${props.ref}\` → this change`, addOnVersions }) };
}
