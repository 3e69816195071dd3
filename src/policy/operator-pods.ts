/**
 * The pods operators create from the custom resources in dist/ (CloudNativePG clusters and poolers), with the labels
 * and ports the operator gives them. They are not in dist/, but Services select them and NetworkPolicies admit them,
 * so selector checks and the flow proof must see them. Only their labels and ports are known: they take part in
 * selector lookups, never in the per-container checks.
 */
import type { SynthDocument } from '../synth/synthesizer';
import type { ContainerView, PodView } from './policy-index';
import { DocObject } from '../core/documents';

type Obj = DocObject;

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function strings(v: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(obj(v)).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
}

function pod(doc: SynthDocument, name: string, labels: Record<string, string>, ports: ReadonlyArray<[string, number]>, spec: Obj = {}): PodView {
  const container: ContainerView = {
    container: { name: 'operator-managed', ports: ports.map(([n, p]) => ({ name: n, containerPort: p, protocol: 'TCP' })) },
    path: 'spec',
    kind: 'container',
  };
  return {
    doc,
    kind: String(doc.object.kind),
    name,
    namespace: String(obj(doc.object.metadata).namespace ?? ''),
    spec,
    specPath: 'spec',
    labels,
    annotations: {},
    containers: [container],
  };
}

/** The pods an operator runs for `doc`; empty for other kinds (Strimzi's pods are the flow world's, see flows/strimzi.ts). */
export function operatorPodsOf(doc: SynthDocument): PodView[] {
  const o = doc.object;
  const name = String(obj(o.metadata).name ?? '');
  const group = String(o.apiVersion ?? '').split('/')[0];
  const spec = obj(o.spec);
  if (group === 'postgresql.cnpg.io' && o.kind === 'Cluster') {
    const base = { ...strings(obj(obj(spec.inheritedMetadata).labels)), 'cnpg.io/cluster': name, 'cnpg.io/podRole': 'instance' };
    const ports: Array<[string, number]> = [
      ['postgresql', 5432],
      ['metrics', 9187],
      ['status', 8000],
    ];
    const roles = Number(spec.instances ?? 1) > 1 ? ['primary', 'replica'] : ['primary'];
    return roles.map((role) => pod(doc, `${name} (${role})`, { ...base, 'cnpg.io/instanceRole': role, role }, ports));
  }
  if (group === 'postgresql.cnpg.io' && o.kind === 'Pooler') {
    const labels = { ...strings(obj(obj(spec.template).metadata).labels), 'cnpg.io/poolerName': name, 'cnpg.io/podRole': 'pooler' };
    return [
      pod(doc, name, labels, [
        ['pgbouncer', 5432],
        ['metrics', 9127],
      ]),
    ];
  }
  return [];
}
