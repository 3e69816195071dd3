// The public API of the review tooling behind `npm run diff`: read two manifest trees and report what changed.
export { readTreeFromDir, readTreeFromGit } from './manifest-tree';
export type { ManifestTree } from './manifest-tree';
export { reviewDiff } from './review-diff';
export type { ReviewDiffProps, ReviewDiffResult } from './review-diff';
export { diffTrees } from './manifest-diff';
export type { EnvironmentDiff, FieldChange, ResourceChange } from './manifest-diff';
export { renderAddOnVersions, renderDiffReport } from './diff-report';
export { addOnVersionChanges } from './add-on-versions';
export type { AddOnVersionChange } from './add-on-versions';
export type { DiffReportOptions } from './diff-report';
