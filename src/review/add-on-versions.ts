/**
 * Add-on upgrades in a review: the chart version of every add-on per environment before and after, read from the
 * Argo CD Applications (Helm source `targetRevision`) and the Flux HelmReleases / OCIRepositories the add-ons
 * emit (label `platform.io/add-on`). Only files whose text changed are parsed.
 */
import * as yaml from 'js-yaml';
import { ManifestTree } from './manifest-tree';
import { DocObject } from '../core/documents';

/** One add-on of one environment whose chart version differs between the two trees. */
export interface AddOnVersionChange {
  readonly environment: string;
  readonly addOn: string;
  /** undefined when the add-on is new. */
  readonly before?: string;
  /** undefined when the add-on was removed. */
  readonly after?: string;
}

const LABEL_ADD_ON = 'platform.io/add-on';
const LABEL_ENVIRONMENT = 'platform.io/environment';

/** `<env>/<add-on>` → chart version, from the add-on objects among `files` of `tree`. */
function versions(tree: ManifestTree, files: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of files) {
    const text = tree.get(file);
    if (text === undefined || !text.includes(LABEL_ADD_ON)) continue;
    for (const doc of yaml.loadAll(text)) {
      const o = doc as DocObject | null;
      const labels = o?.metadata?.labels ?? o?.spec?.template?.metadata?.labels ?? {};
      const addOn = labels[LABEL_ADD_ON];
      const env = labels[LABEL_ENVIRONMENT] ?? o?.metadata?.labels?.[LABEL_ENVIRONMENT];
      if (typeof addOn !== 'string' || typeof env !== 'string') continue;
      const api = String(o?.apiVersion ?? '');
      let version: unknown;
      if ((o?.kind === 'Application' || o?.kind === 'ApplicationSet') && api.startsWith('argoproj.io/')) {
        version = (o.kind === 'Application' ? o.spec?.source : o.spec?.template?.spec?.source)?.targetRevision;
      } else if (o?.kind === 'HelmRelease' && api.startsWith('helm.toolkit.fluxcd.io/')) {
        version = o.spec?.chart?.spec?.version;
      } else if (o?.kind === 'OCIRepository' && api.startsWith('source.toolkit.fluxcd.io/')) {
        version = o.spec?.ref?.tag;
      }
      if (typeof version === 'string' && !out.has(`${env}/${addOn}`)) out.set(`${env}/${addOn}`, version);
    }
  }
  return out;
}

/** The add-ons whose chart version changed, was added or removed, sorted by environment and add-on. */
export function addOnVersionChanges(before: ManifestTree, after: ManifestTree): AddOnVersionChange[] {
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((f) => f.endsWith('.yaml') && before.get(f) !== after.get(f));
  const a = versions(before, changed);
  const b = versions(after, changed);
  // A file can change for another reason (values): only a different version is an upgrade.
  const unchanged = (key: string) => a.has(key) && b.has(key) && a.get(key) === b.get(key);
  const keys = [...new Set([...a.keys(), ...b.keys()])].filter((k) => !unchanged(k)).sort();
  const out: AddOnVersionChange[] = [];
  for (const key of keys) {
    const [environment, addOn] = key.split('/') as [string, string];
    out.push({ environment, addOn, ...(a.has(key) ? { before: a.get(key) } : {}), ...(b.has(key) ? { after: b.get(key) } : {}) });
  }
  return out;
}
