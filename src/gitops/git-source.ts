/** Where Argo CD and Flux read the synthesized manifests: the repository, its revision and the dist/ folder. */
import { IConstruct } from 'constructs';
import { fail } from '../core/errors';

/** The Git repository holding the committed dist/ folder. */
export interface GitSource {
  /** Repository URL (https or ssh) Argo CD / Flux clone. */
  readonly url: string;
  /**
   * Branch, tag or commit SHA to deploy. Flux reads a 40-hex value as a commit, `refs/...` as a full ref name,
   * anything else as a branch.
   * @default DEFAULT_TARGET_REVISION ('main')
   */
  readonly targetRevision?: string;
  /**
   * Folder of the synthesized manifests inside the repository.
   * @default DEFAULT_DIST_PATH ('dist')
   */
  readonly distPath?: string;
}

export const DEFAULT_TARGET_REVISION = 'main';
export const DEFAULT_DIST_PATH = 'dist';

/** A {@link GitSource} with defaults resolved. */
export interface ResolvedGitSource {
  readonly url: string;
  readonly targetRevision: string;
  readonly distPath: string;
}

const URL_PATTERN = /^(https:\/\/|ssh:\/\/|git@)[^\s]+$/;

/** Validates and resolves a {@link GitSource}; errors name `scope` and the `source.*` field. */
export function resolveGitSource(scope: IConstruct | string, source: GitSource): ResolvedGitSource {
  if (!URL_PATTERN.test(source.url)) {
    fail(scope, 'source.url', source.url, 'must be an https://, ssh:// or git@ repository URL');
  }
  const targetRevision = source.targetRevision ?? DEFAULT_TARGET_REVISION;
  if (targetRevision.trim() === '' || /\s/.test(targetRevision)) {
    fail(scope, 'source.targetRevision', targetRevision, 'must be a branch, tag or commit SHA without spaces');
  }
  const distPath = (source.distPath ?? DEFAULT_DIST_PATH).replace(/\/+$/, '');
  if (distPath === '' || distPath.startsWith('/') || distPath.split('/').includes('..')) {
    fail(scope, 'source.distPath', source.distPath, 'must be a relative folder inside the repository, without ".."');
  }
  return { url: source.url, targetRevision, distPath };
}
