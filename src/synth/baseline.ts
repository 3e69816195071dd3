/**
 * What the data-loss guards compare a fresh synth with. The output directory as it is on disk, and, when it sits
 * in a git work tree and is missing or modified, also the last committed version (HEAD): `rm -rf dist && npm run
 * synth` must not let a StatefulSet disappear or a volume shrink unnoticed. Outside git only the folder counts.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** A version of the output directory, read-only. Paths are relative to the output directory, `/`-separated. */
export interface DistBaseline {
  /** How messages name it, e.g. `dist/` or `the last commit (HEAD:dist/)`. */
  readonly label: string;
  /** Files `<directory>/<folder>/<file>.yaml` (one level of namespace folders), sorted. */
  files(directory: string): string[];
  /** Text of one file. */
  read(file: string): string;
}

/** The output directory on disk. */
export function workingTreeBaseline(outdir: string): DistBaseline {
  return {
    label: `${path.basename(outdir)}/`,
    files(directory) {
      const root = path.join(outdir, directory);
      if (!fs.existsSync(root)) return [];
      const out: string[] = [];
      for (const ns of fs.readdirSync(root, { withFileTypes: true })) {
        if (!ns.isDirectory()) continue;
        for (const f of fs.readdirSync(path.join(root, ns.name))) if (f.endsWith('.yaml')) out.push(`${directory}/${ns.name}/${f}`);
      }
      return out.sort();
    },
    read: (file) => fs.readFileSync(path.join(outdir, file), 'utf8'),
  };
}

function git(cwd: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 * 1024 * 1024 });
  } catch {
    return undefined;
  }
}

/** The nearest existing folder at or above `dir`. */
function existingAncestor(dir: string): string {
  let d = dir;
  while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

/** `p` with symbolic links of its existing part resolved (git prints resolved paths). */
function realPathOf(p: string): string {
  const a = existingAncestor(p);
  return path.join(fs.realpathSync(a), path.relative(a, p));
}

/** The git work tree `dir` is in, or undefined (not in git, or git missing). */
function workTreeOf(dir: string): string | undefined {
  return git(existingAncestor(dir), ['rev-parse', '--show-toplevel'])?.trim() || undefined;
}

/**
 * The output directory as committed in HEAD, when `outdir` is inside a git work tree and HEAD has files under
 * it; undefined otherwise (not in git, git missing, no commit yet, nothing committed there).
 */
export function committedBaseline(outdir: string, top: string | undefined = workTreeOf(outdir)): DistBaseline | undefined {
  if (!top) return undefined;
  const rel = path.relative(fs.realpathSync(top), realPathOf(outdir)).split(path.sep).join('/');
  if (rel === '' || rel.startsWith('..')) return undefined;
  const listing = git(top, ['ls-tree', '-r', '-z', '--name-only', 'HEAD', '--', `${rel}/`]);
  if (!listing) return undefined;
  const all = listing
    .split('\0')
    .filter((f) => f.startsWith(`${rel}/`))
    .map((f) => f.slice(rel.length + 1));
  if (all.length === 0) return undefined;
  let contents: Map<string, string> | undefined;
  return {
    label: `the last commit (HEAD:${rel}/)`,
    files(directory) {
      return all.filter((f) => f.startsWith(`${directory}/`) && f.endsWith('.yaml') && f.slice(directory.length + 1).split('/').length === 2).sort();
    },
    read(file) {
      // One `git cat-file --batch` for every file on first use, rather than a process per file.
      contents ??= readCommitted(top, rel, all);
      return contents.get(file) ?? '';
    },
  };
}

/** The HEAD version of `files` (relative to `rel`) in one `git cat-file --batch`. */
function readCommitted(top: string, rel: string, files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  let data: Buffer;
  try {
    data = execFileSync('git', ['cat-file', '--batch'], {
      cwd: top,
      input: files.map((f) => `HEAD:${rel}/${f}\n`).join(''),
      stdio: ['pipe', 'pipe', 'ignore'],
      maxBuffer: 1024 * 1024 * 1024,
    });
  } catch {
    return out;
  }
  let at = 0;
  for (const f of files) {
    const eol = data.indexOf(10, at);
    if (eol < 0) break;
    const header = data.subarray(at, eol).toString('utf8').split(' ');
    at = eol + 1;
    if (header[1] === 'missing' || header.length < 3) continue;
    const size = Number(header[2]);
    out.set(f, data.subarray(at, at + size).toString('utf8'));
    at += size + 1;
  }
  return out;
}

/**
 * The baselines of `outdir`: the folder on disk (when it exists), then HEAD's version when the folder is in a
 * git work tree and missing or modified (`git status` shows changes under it). Outside git: the folder only.
 */
export function distBaselines(outdir: string): DistBaseline[] {
  const out: DistBaseline[] = [];
  const exists = fs.existsSync(outdir);
  if (exists) out.push(workingTreeBaseline(outdir));
  const top = workTreeOf(outdir);
  if (!top) return out;
  if (exists) {
    const status = git(top, ['status', '--porcelain', '--untracked-files=all', '--', realPathOf(outdir)]);
    if (status !== undefined && status.trim() === '') return out;
  }
  const committed = committedBaseline(outdir, top);
  if (committed) out.push(committed);
  return out;
}

/** The baselines a synth context offers (computed once by `synthesize`), else those of its output directory. */
export function baselinesOf(ctx: { readonly outdir: string; readonly baselines?: () => readonly DistBaseline[] }): readonly DistBaseline[] {
  return ctx.baselines?.() ?? distBaselines(ctx.outdir);
}
