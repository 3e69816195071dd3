/**
 * Checks a committed (or freshly synthesized) dist/ folder the way Argo CD and Flux will read it: every
 * Application / Kustomization path exists and selects manifests, every namespace an Application deploys into
 * is created by an earlier sync wave (Flux: by a Kustomization it depends on), every folder of an environment
 * is applied by some group, and every kind a group applies is built into Kubernetes, served by the GitOps tool,
 * or served by an add-on installed in an earlier wave (Flux: by a HelmRelease of a Kustomization it depends on).
 * Run it in tests on the real dist/ (`checkGitOpsDelivery(repoRoot)`).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { kindServer } from '../addons/kinds';
import { ANNOTATION_SYNC_WAVE } from './argo-cd-delivery';
import { isArgoCdKind, isFluxKind } from './argo-cd-projects';
import { DEFAULT_DIST_PATH } from './git-source';
import { DocObject } from '../core/documents';

/** Label naming the add-on an Application or HelmRelease installs (see src/addons). */
const LABEL_ADD_ON = 'platform.io/add-on';

/** Namespaces created by the cluster or by the GitOps tools' own installation (Argo CD, Flux), not by dist/. */
export const PREEXISTING_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'argocd', 'flux-system'];

export interface DeliveryCheckOptions {
  /** @default DEFAULT_DIST_PATH ('dist') */
  readonly distPath?: string;
  /** @default PREEXISTING_NAMESPACES */
  readonly preexistingNamespaces?: readonly string[];
}

interface Manifest {
  /** Path relative to the repository root. */
  readonly file: string;
  readonly object: DocObject;
}

/** Every manifest under `dir` (recursively), with repository-relative paths. */
function readManifests(repoRoot: string, dir: string): Manifest[] {
  const out: Manifest[] = [];
  const walk = (abs: string): void => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(abs, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name)) {
        const rel = path.relative(repoRoot, full).split(path.sep).join('/');
        for (const object of yaml.loadAll(fs.readFileSync(full, 'utf8'))) {
          if (object && typeof object === 'object') out.push({ file: rel, object: object as DocObject });
        }
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** Converts an Argo CD directory include glob (`{a/*.yaml,b/*}`, `*`, `**`) to a regular expression. */
export function globToRegExp(glob: string): RegExp {
  const alternatives = glob.startsWith('{') && glob.endsWith('}') ? glob.slice(1, -1).split(',') : [glob];
  const one = (g: string) =>
    g
      .split('**')
      .map((part) =>
        part
          .split('*')
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*'),
      )
      .join('.*');
  return new RegExp(`^(?:${alternatives.map(one).join('|')})$`);
}

/** Files an Application source selects, relative to the repository root. */
function selectedFiles(all: readonly Manifest[], source: DocObject): Set<string> {
  const base = String(source.path ?? '')
    .replace(/^\.\//, '')
    .replace(/\/+$/, '');
  const recurse = source.directory?.recurse === true;
  const include = source.directory?.include ? globToRegExp(source.directory.include) : undefined;
  const exclude = source.directory?.exclude ? globToRegExp(source.directory.exclude) : undefined;
  const out = new Set<string>();
  for (const m of all) {
    if (!m.file.startsWith(`${base}/`)) continue;
    const rel = m.file.slice(base.length + 1);
    if (!recurse && rel.includes('/')) continue;
    if (include && !include.test(rel)) continue;
    if (exclude && exclude.test(rel)) continue;
    out.add(m.file);
  }
  return out;
}

interface Deliverer {
  /** `<file>` of the Application / ApplicationSet / Kustomization, for messages. */
  readonly where: string;
  readonly set: string;
  readonly wave: number | undefined;
  readonly files: Set<string>;
  readonly destinationNamespace?: string;
  readonly path: string;
  readonly folderSelector?: string;
  /** The add-on a Helm-source Application installs. */
  readonly addOn?: string;
}

/** `group/Kind` of an object, and who serves it (undefined when Kubernetes or a GitOps tool does). */
function addOnOf(o: DocObject): string | undefined | null {
  const server = kindServer(String(o.apiVersion ?? ''), String(o.kind ?? ''));
  if (server.by === 'add-on') return server.addOn;
  return server.by === 'nobody' ? null : undefined;
}

function describeObject(o: DocObject): string {
  return `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
}

/**
 * Problems found in `<repoRoot>/<distPath>` (an empty list when Argo CD and Flux would apply it cleanly).
 * Each problem starts with the file of the Application or Kustomization concerned.
 */
export function checkGitOpsDelivery(repoRoot: string, options: DeliveryCheckOptions = {}): string[] {
  const distPath = options.distPath ?? DEFAULT_DIST_PATH;
  const preexisting = new Set(options.preexistingNamespaces ?? PREEXISTING_NAMESPACES);
  const all = readManifests(repoRoot, path.join(repoRoot, distPath));
  const problems: string[] = [];
  const byFile = new Map<string, DocObject[]>();
  for (const m of all) byFile.set(m.file, [...(byFile.get(m.file) ?? []), m.object]);

  const argo: Deliverer[] = [];
  for (const m of all) {
    const o = m.object;
    if (!String(o.apiVersion ?? '').startsWith('argoproj.io/')) continue;
    const isSet = o.kind === 'ApplicationSet';
    if (o.kind !== 'Application' && !isSet) continue;
    const spec = isSet ? o.spec?.template?.spec : o.spec;
    const source = spec?.source ?? {};
    const where = `${m.file}`;
    const waveOf = (text: unknown) => (text === undefined ? undefined : Number(text));
    if (source.chart !== undefined) {
      // A Helm source (an add-on): nothing to find in the repository; its namespace must exist before it.
      argo.push({
        where,
        set: path.posix.dirname(m.file),
        wave: waveOf(o.metadata?.annotations?.[ANNOTATION_SYNC_WAVE]),
        files: new Set(),
        destinationNamespace: spec?.destination?.namespace,
        path: '',
        addOn: String((isSet ? o.spec?.template?.metadata?.labels : o.metadata?.labels)?.[LABEL_ADD_ON] ?? source.chart),
      });
      continue;
    }
    const p = String(source.path ?? '');
    if (!p || !fs.existsSync(path.join(repoRoot, p)) || !fs.statSync(path.join(repoRoot, p)).isDirectory()) {
      problems.push(`${where}: spec.source.path: "${p}" does not exist in the repository`);
      continue;
    }
    const files = selectedFiles(all, source);
    if (files.size === 0) problems.push(`${where}: spec.source: "${p}" selects no manifest`);
    const flux = foreignObjects(files, byFile, (o) => isFluxKind(String(o.apiVersion ?? '')));
    if (flux.length > 0)
      problems.push(`${where}: applies Flux objects (${flux.join(', ')}), which a cluster without Flux cannot apply; Argo CD must not depend on them`);
    const waveText = o.metadata?.annotations?.[ANNOTATION_SYNC_WAVE];
    argo.push({
      where,
      set: path.posix.dirname(m.file),
      wave: waveText === undefined ? undefined : Number(waveText),
      files,
      destinationNamespace: spec?.destination?.namespace,
      path: p,
      folderSelector: source.directory?.include,
    });
  }

  // Argo CD: within one folder of Applications (one environment), namespaces come from earlier waves.
  const sets = new Map<string, Deliverer[]>();
  for (const d of argo) sets.set(d.set, [...(sets.get(d.set) ?? []), d]);
  for (const [set, members] of sets) {
    const createdIn = new Map<string, number>();
    for (const d of members) {
      for (const f of d.files) {
        for (const o of byFile.get(f) ?? []) {
          if (o.kind === 'Namespace' && o.apiVersion === 'v1') {
            const w = d.wave ?? 0;
            createdIn.set(o.metadata.name, Math.min(w, createdIn.get(o.metadata.name) ?? w));
          }
        }
      }
    }
    for (const d of members) {
      const used = new Set<string>();
      if (d.destinationNamespace) used.add(d.destinationNamespace);
      for (const f of d.files) for (const o of byFile.get(f) ?? []) if (o.metadata?.namespace) used.add(o.metadata.namespace);
      for (const ns of [...used].sort()) {
        if (preexisting.has(ns)) continue;
        const w = createdIn.get(ns);
        if (w === undefined) problems.push(`${d.where}: namespace "${ns}" is created by no Application of ${d.set}`);
        else if (d.wave !== undefined && w >= d.wave)
          problems.push(`${d.where}: namespace "${ns}" is created in wave ${w}, not before this Application's wave ${d.wave}`);
      }
    }
    // Every kind a group applies is served before it: by Kubernetes, the tool, or an add-on of an earlier wave.
    const installedIn = new Map<string, number>();
    for (const d of members) if (d.addOn !== undefined) installedIn.set(d.addOn, Math.min(d.wave ?? 0, installedIn.get(d.addOn) ?? Infinity));
    for (const d of members) {
      const reported = new Set<string>();
      for (const f of [...d.files].sort()) {
        for (const o of byFile.get(f) ?? []) {
          const addOn = addOnOf(o);
          if (addOn === undefined) continue;
          const key = `${o.apiVersion}/${o.kind}`;
          if (reported.has(key)) continue;
          if (addOn === null) {
            reported.add(key);
            problems.push(`${d.where}: ${describeObject(o)} (${f}): no add-on serves ${o.apiVersion}/${o.kind}`);
            continue;
          }
          const w = installedIn.get(addOn);
          if (w === undefined) {
            reported.add(key);
            problems.push(`${d.where}: ${describeObject(o)} (${f}) needs the ${addOn} add-on, which no Application of ${d.set} installs`);
          } else if (d.wave !== undefined && w >= d.wave) {
            reported.add(key);
            problems.push(
              `${d.where}: ${describeObject(o)} (${f}) needs the ${addOn} add-on, installed in wave ${w}, not before this Application's wave ${d.wave}`,
            );
          }
        }
      }
    }
    // Every folder of the environment must be applied by some group Application.
    const grouped = members.filter((d) => d.wave !== undefined && d.addOn === undefined);
    const envFolders = new Set(grouped.map((d) => (d.folderSelector ? d.path : path.posix.dirname(d.path))));
    const covered = new Set(grouped.flatMap((d) => [...d.files]));
    for (const folder of envFolders) {
      for (const m of all) {
        // Flux's own objects are Flux's business: Argo CD leaves their groups out on purpose.
        if (isFluxKind(String(m.object.apiVersion ?? ''))) continue;
        if (m.file.startsWith(`${folder}/`) && m.file.slice(folder.length + 1).split('/').length === 2 && !covered.has(m.file)) {
          problems.push(`${m.file}: applied by no Application of ${set}`);
        }
      }
    }
  }

  problems.push(...checkFlux(repoRoot, all, byFile, preexisting));
  return [...new Set(problems)];
}

function checkFlux(repoRoot: string, all: readonly Manifest[], byFile: Map<string, DocObject[]>, preexisting: Set<string>): string[] {
  const problems: string[] = [];
  const kustomizations = all.filter((m) => m.object.kind === 'Kustomization' && String(m.object.apiVersion ?? '').startsWith('kustomize.toolkit.fluxcd.io/'));
  const repos = new Set(all.filter((m) => m.object.kind === 'GitRepository').map((m) => `${m.object.metadata?.namespace}/${m.object.metadata?.name}`));
  const byName = new Map(kustomizations.map((k) => [`${k.object.metadata?.namespace}/${k.object.metadata?.name}`, k]));
  const files = new Map<string, Set<string>>();
  for (const k of kustomizations) {
    const key = `${k.object.metadata?.namespace}/${k.object.metadata?.name}`;
    const p = String(k.object.spec?.path ?? '').replace(/^\.\//, '');
    const ref = k.object.spec?.sourceRef ?? {};
    if (!repos.has(`${ref.namespace ?? k.object.metadata?.namespace}/${ref.name}`)) {
      problems.push(`${k.file}: spec.sourceRef: GitRepository "${ref.name}" is defined nowhere in the dist folder`);
    }
    if (!p || !fs.existsSync(path.join(repoRoot, p))) {
      problems.push(`${k.file}: spec.path: "${k.object.spec?.path}" does not exist in the repository`);
      continue;
    }
    // Flux applies every manifest below its path when the folder has no kustomization.yaml.
    const selected = new Set(all.filter((m) => m.file.startsWith(`${p}/`)).map((m) => m.file));
    if (selected.size === 0) problems.push(`${k.file}: spec.path: "${p}" holds no manifest`);
    const argo = foreignObjects(selected, byFile, (o) => isArgoCdKind(String(o.apiVersion ?? ''), String(o.kind ?? '')));
    if (argo.length > 0)
      problems.push(`${k.file}: applies Argo CD objects (${argo.join(', ')}), which a cluster without Argo CD cannot apply; Flux must not depend on them`);
    files.set(key, selected);
    for (const dep of k.object.spec?.dependsOn ?? []) {
      if (!byName.has(`${dep.namespace ?? k.object.metadata?.namespace}/${dep.name}`))
        problems.push(`${k.file}: spec.dependsOn: Kustomization "${dep.name}" does not exist`);
    }
  }
  const creators = new Map<string, string[]>();
  for (const [key, selected] of files) {
    for (const f of selected) {
      for (const o of byFile.get(f) ?? [])
        if (o.kind === 'Namespace' && o.apiVersion === 'v1') creators.set(o.metadata.name, [...(creators.get(o.metadata.name) ?? []), key]);
    }
  }
  const ancestors = (key: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [key];
    while (stack.length > 0) {
      const k = byName.get(stack.pop()!);
      for (const dep of k?.object.spec?.dependsOn ?? []) {
        const d = `${dep.namespace ?? k!.object.metadata?.namespace}/${dep.name}`;
        if (!seen.has(d)) {
          seen.add(d);
          stack.push(d);
        }
      }
    }
    return seen;
  };
  // The Kustomization that applies each add-on's HelmRelease.
  const releasedBy = new Map<string, string[]>();
  for (const [key, selected] of files) {
    for (const f of selected) {
      for (const o of byFile.get(f) ?? []) {
        if (o.kind !== 'HelmRelease' || !String(o.apiVersion ?? '').startsWith('helm.toolkit.fluxcd.io/')) continue;
        const addOn = o.metadata?.labels?.[LABEL_ADD_ON];
        if (typeof addOn === 'string') releasedBy.set(addOn, [...(releasedBy.get(addOn) ?? []), key]);
      }
    }
  }
  for (const [key, selected] of files) {
    const k = byName.get(key)!;
    const before = ancestors(key);
    const reported = new Set<string>();
    for (const f of [...selected].sort()) {
      for (const o of byFile.get(f) ?? []) {
        const addOn = addOnOf(o);
        const id = `${o.apiVersion}/${o.kind}`;
        if (addOn === undefined || reported.has(id)) continue;
        if (addOn === null) {
          reported.add(id);
          problems.push(`${k.file}: ${describeObject(o)} (${f}): no add-on serves ${id}`);
          continue;
        }
        const by = releasedBy.get(addOn) ?? [];
        if (!by.some((x) => before.has(x))) {
          reported.add(id);
          problems.push(
            `${k.file}: ${describeObject(o)} (${f}) needs the ${addOn} add-on, ${by.length === 0 ? 'which no HelmRelease installs' : `released by ${by.join(', ')}, which this Kustomization does not depend on`}`,
          );
        }
      }
    }
    const used = new Set<string>();
    for (const f of selected) for (const o of byFile.get(f) ?? []) if (o.metadata?.namespace) used.add(o.metadata.namespace);
    for (const ns of [...used].sort()) {
      if (preexisting.has(ns)) continue;
      const c = creators.get(ns) ?? [];
      if (c.length === 0) problems.push(`${k.file}: namespace "${ns}" is created by no Kustomization`);
      else if (!c.some((x) => before.has(x)))
        problems.push(`${k.file}: namespace "${ns}" is created by ${c.join(', ')}, which this Kustomization does not depend on`);
    }
  }
  return problems;
}

/** `Kind/name` of the objects in `files` that `foreign` picks, at most three then "...". */
function foreignObjects(files: Set<string>, byFile: Map<string, DocObject[]>, foreign: (o: DocObject) => boolean): string[] {
  const out: string[] = [];
  for (const f of [...files].sort()) for (const o of byFile.get(f) ?? []) if (foreign(o)) out.push(`${o.kind}/${o.metadata?.name}`);
  return out.length > 3 ? [...out.slice(0, 3), `${out.length - 3} more`] : out;
}
