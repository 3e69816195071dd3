/**
 * Checks of tenant inputs shared by the tenants file loader (messages name the file and entry) and the
 * TenantNamespace construct (messages name the construct path). Each returns the problem or undefined.
 */
import { isDns1123Label, labelKeyProblem, labelValueProblem } from '../synth/schema-validator';
import type { SharedService } from './tenant-namespace';
import { InputProblem } from './plan';

/** Tenant namespaces are `tenant-<id>`; the prefix keeps them apart from the platform's own namespaces. */
export const TENANT_NAMESPACE_PREFIX = 'tenant-';
/** Longest tenant id: the namespace `tenant-<id>` must stay a 63-character DNS-1123 label. */
export const MAX_TENANT_ID_LENGTH = 63 - TENANT_NAMESPACE_PREFIX.length;

const REPO_URL = /^(?:https:\/\/|ssh:\/\/|git@)[^\s*]+$/;

export function tenantIdProblem(field: string, id: unknown): InputProblem | undefined {
  if (typeof id !== 'string' || id.length > MAX_TENANT_ID_LENGTH || !isDns1123Label(id)) {
    return {
      field,
      value: id,
      allowed: `must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit) of at most ${MAX_TENANT_ID_LENGTH} characters, because the namespace is "${TENANT_NAMESPACE_PREFIX}<id>"`,
    };
  }
  return undefined;
}

/** Group names bound to admin/edit/view. `system:` groups would hand the namespace to every user or service account. */
export function groupProblem(field: string, group: unknown): InputProblem | undefined {
  if (typeof group !== 'string' || group.trim() === '') return { field, value: group, allowed: 'must be a non-empty group name from the identity provider' };
  if (group.startsWith('system:'))
    return { field, value: group, allowed: 'must not be a "system:" group: it would grant the namespace to every user or service account of the cluster' };
  return undefined;
}

export function repoProblem(field: string, repo: unknown): InputProblem | undefined {
  if (typeof repo !== 'string' || !REPO_URL.test(repo)) {
    return {
      field,
      value: repo,
      allowed: 'must be a Git repository URL (https://, ssh:// or git@) without wildcards: Argo CD would otherwise deploy from any repository',
    };
  }
  return undefined;
}

/** Longest display name: with the longest plan name the AppProject description stays within its 255 characters. */
export const MAX_DISPLAY_NAME_LENGTH = 150;

/** A display name is one line of text people read: no control characters, not blank, not too long. */
export function displayNameProblem(field: string, value: unknown): InputProblem | undefined {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_DISPLAY_NAME_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    return {
      field,
      value,
      allowed: `must be one line of text of 1 to ${MAX_DISPLAY_NAME_LENGTH} characters (it becomes an annotation and the Argo CD project's description, at most 255 characters)`,
    };
  }
  return undefined;
}

export function labelValueFieldProblem(field: string, value: unknown): InputProblem | undefined {
  if (typeof value !== 'string' || value === '' || labelValueProblem(value) !== undefined) {
    return { field, value, allowed: 'must be a label value: at most 63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric' };
  }
  return undefined;
}

/** Problems of one entitled shared service (`field` is where it came from). */
export function sharedServiceProblem(field: string, s: SharedService): InputProblem | undefined {
  if (!isDns1123Label(s.namespace)) return { field: `${field}.namespace`, value: s.namespace, allowed: 'must be a DNS-1123 label (a namespace name)' };
  if (s.namespace.startsWith(TENANT_NAMESPACE_PREFIX)) {
    return {
      field: `${field}.namespace`,
      value: s.namespace,
      allowed: `must be a platform namespace: egress into another tenant's namespace ("${TENANT_NAMESPACE_PREFIX}*") would break tenant isolation`,
    };
  }
  if (s.workload !== undefined && (typeof s.workload !== 'string' || !isDns1123Label(s.workload))) {
    return {
      field: `${field}.workload`,
      value: s.workload,
      allowed: "must be the name of a workload of the connection graph (a DNS-1123 label, e.g. the StatefulDatastore's name)",
    };
  }
  for (const [k, v] of Object.entries(s.podSelector ?? {})) {
    if (labelKeyProblem(k) !== undefined) return { field: `${field}.podSelector`, value: k, allowed: 'keys must be label keys' };
    if (typeof v !== 'string' || labelValueProblem(v) !== undefined) return { field: `${field}.podSelector.${k}`, value: v, allowed: 'must be a label value' };
  }
  if (s.ports === undefined && s.workload === undefined) {
    return { field: `${field}.ports`, value: s.ports, allowed: 'must list at least one port, or name the `workload` whose client ports the tenant may reach' };
  }
  if (s.ports !== undefined && s.ports.length === 0)
    return { field: `${field}.ports`, value: s.ports, allowed: 'must list at least one port: a shared service is entitled on its ports only' };
  for (const [i, p] of (s.ports ?? []).entries()) {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535)
      return { field: `${field}.ports[${i}].port`, value: p.port, allowed: 'must be an integer from 1 to 65535' };
    if (p.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(p.protocol))
      return { field: `${field}.ports[${i}].protocol`, value: p.protocol, allowed: 'must be one of TCP, UDP, SCTP' };
  }
  return undefined;
}
