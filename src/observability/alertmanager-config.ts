/**
 * Alertmanager configuration as typed data: receivers (email, Slack, PagerDuty) whose credentials are files
 * mounted from an ExternalSecret, routes by severity and team, grouping, and critical-inhibits-warning.
 */
import { IConstruct } from 'constructs';
import { alertmanagerMatcher } from '../core/encoders';
import { fail } from '../core/errors';
import { endpointProblem, prometheusLabelNameProblem } from '../core/grammars';
import { isPrometheusDuration, SecretKeyRef } from './common';

/** The receiver types Alertmanager is configured for. */
export const RECEIVER_TYPES = ['email', 'slack', 'pagerduty'] as const;
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

/** Mount path of the credentials Secret in the Alertmanager pod. */
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager/secrets';
/** Remote key of the receivers' credentials in the secret store, unless a receiver says otherwise. */
export const DEFAULT_CREDENTIALS_REMOTE_KEY = 'monitoring/alertmanager';

export interface EmailReceiverOptions {
  /** Recipient address(es), comma separated. */
  readonly to: string;
  /** Sender address. */
  readonly from: string;
  /** SMTP relay `host:port`. */
  readonly smarthost: string;
  /** SMTP user; the password is read from the credentials Secret. @default - no SMTP authentication */
  readonly authUsername?: string;
  /** Remote key holding the SMTP password. @default DEFAULT_CREDENTIALS_REMOTE_KEY */
  readonly remoteKey?: string;
  /** Send a notification when the alert resolves. @default true */
  readonly sendResolved?: boolean;
}

export interface SlackReceiverOptions {
  /** Channel, e.g. `#team-backend-alerts`. */
  readonly channel: string;
  /** Remote key holding the incoming-webhook URL (a secret: it grants posting). @default DEFAULT_CREDENTIALS_REMOTE_KEY */
  readonly remoteKey?: string;
  /** @default true */
  readonly sendResolved?: boolean;
}

export interface PagerDutyReceiverOptions {
  /** Remote key holding the Events API v2 routing key. @default DEFAULT_CREDENTIALS_REMOTE_KEY */
  readonly remoteKey?: string;
  /** @default true */
  readonly sendResolved?: boolean;
}

/** A receiver described as data (e.g. read from a team's YAML file); its type is checked by the stack. */
export interface ReceiverSpec {
  readonly name: string;
  readonly type: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** Where Alertmanager sends notifications. Build with {@link Receiver.email}, {@link Receiver.slack}, {@link Receiver.pagerDuty}. */
export class Receiver {
  /** Email through an SMTP relay; the SMTP password (if any) comes from the credentials Secret. */
  public static email(name: string, options: EmailReceiverOptions): Receiver {
    return new Receiver(name, 'email', options as unknown as Record<string, unknown>);
  }
  /** A Slack channel through an incoming webhook whose URL comes from the credentials Secret. */
  public static slack(name: string, options: SlackReceiverOptions): Receiver {
    return new Receiver(name, 'slack', options as unknown as Record<string, unknown>);
  }
  /** A PagerDuty service through the Events API v2; the routing key comes from the credentials Secret. */
  public static pagerDuty(name: string, options: PagerDutyReceiverOptions = {}): Receiver {
    return new Receiver(name, 'pagerduty', options as unknown as Record<string, unknown>);
  }
  /** A receiver from data; an unknown `type` is reported by the stack with the receiver's position. */
  public static fromSpec(spec: ReceiverSpec): Receiver {
    return new Receiver(spec.name, spec.type, spec.options);
  }
  private constructor(
    public readonly name: string,
    public readonly type: string,
    public readonly options: Readonly<Record<string, unknown>>,
  ) {}
}

/** A route below the root: alerts matching all `matchers` go to `receiver`. */
export interface AlertRoute {
  readonly receiver: string;
  /** Label equality matchers, e.g. `{ severity: 'critical' }` or `{ team: 'payments' }`. */
  readonly matchers: Readonly<Record<string, string>>;
  /** Keep evaluating the sibling routes after this one matched (e.g. page and also post to Slack). @default false */
  readonly continue?: boolean;
  /** Nested routes (e.g. per severity inside a team). @default - none */
  readonly routes?: readonly AlertRoute[];
}

/** Alertmanager routing. */
export interface AlertingProps {
  readonly receivers: readonly Receiver[];
  /** Receiver of alerts no route matches. */
  readonly defaultReceiver: string;
  /**
   * Routes, evaluated in order. @default - one route per severity is NOT added implicitly; without routes every
   * alert goes to `defaultReceiver`
   */
  readonly routes?: readonly AlertRoute[];
  /** Labels alerts are grouped by in one notification. @default DEFAULT_GROUP_BY */
  readonly groupBy?: readonly string[];
  /** @default DEFAULT_GROUP_WAIT */
  readonly groupWait?: string;
  /** @default DEFAULT_GROUP_INTERVAL */
  readonly groupInterval?: string;
  /** @default DEFAULT_REPEAT_INTERVAL */
  readonly repeatInterval?: string;
}

export const DEFAULT_GROUP_BY = ['alertname', 'namespace', 'service'];
export const DEFAULT_GROUP_WAIT = '30s';
export const DEFAULT_GROUP_INTERVAL = '5m';
export const DEFAULT_REPEAT_INTERVAL = '4h';

function credentialKey(r: Receiver): string | undefined {
  switch (r.type) {
    case 'email':
      return r.options.authUsername ? `email-${r.name}-password` : undefined;
    case 'slack':
      return `slack-${r.name}-api-url`;
    case 'pagerduty':
      return `pagerduty-${r.name}-routing-key`;
    default:
      return undefined;
  }
}

/** An e-mail address as Alertmanager's fields take it: no spaces, no template braces. */
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`|~-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** Checks receivers and routes; throws a PlatformConfigError naming the offending entry. */
export function validateAlerting(scope: IConstruct, a: AlertingProps): void {
  const names = new Set<string>();
  a.receivers.forEach((r, i) => {
    if (!(RECEIVER_TYPES as readonly string[]).includes(r.type)) {
      fail(scope, `alerting.receivers[${i}].type`, r.type, `must be one of ${RECEIVER_TYPES.join(', ')}`);
    }
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(r.name)) {
      fail(scope, `alerting.receivers[${i}].name`, r.name, 'must be lowercase letters, digits and "-" (it names a Secret key)');
    }
    if (names.has(r.name)) fail(scope, `alerting.receivers[${i}].name`, r.name, 'receiver names must be unique');
    names.add(r.name);
    const required = r.type === 'email' ? ['to', 'from', 'smarthost'] : r.type === 'slack' ? ['channel'] : [];
    for (const key of required) {
      if (typeof r.options[key] !== 'string' || r.options[key] === '')
        fail(scope, `alerting.receivers[${i}].${key}`, r.options[key], `a ${r.type} receiver needs ${required.join(', ')}`);
    }
    // Alertmanager expands Go templates in these fields when it notifies: only plain addresses and names are taken.
    const o = r.options;
    const check = (key: string, ok: boolean, allowed: string) => {
      if (o[key] !== undefined && !ok) fail(scope, `alerting.receivers[${i}].${key}`, o[key], allowed);
    };
    if (r.type === 'email') {
      check(
        'to',
        typeof o.to === 'string' && o.to.split(',').every((a) => EMAIL.test(a.trim())),
        'must be one or more e-mail addresses separated by "," (name@example.com)',
      );
      check('from', typeof o.from === 'string' && EMAIL.test(o.from), 'must be an e-mail address (name@example.com)');
      check(
        'smarthost',
        typeof o.smarthost === 'string' && /:[0-9]{1,5}$/.test(o.smarthost) && endpointProblem(o.smarthost) === undefined,
        'must be the SMTP relay as "host:port", e.g. "smtp.example.com:587"',
      );
      check(
        'authUsername',
        typeof o.authUsername === 'string' && /^[\x21-\x7e]{1,256}$/.test(o.authUsername),
        'must be a user name of printable ASCII characters without spaces',
      );
    }
    if (r.type === 'slack')
      check(
        'channel',
        typeof o.channel === 'string' && /^[#@]?[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(o.channel),
        'must be a Slack channel such as "#team-alerts" (letters, digits, ".", "_" and "-", at most 80)',
      );
    if (o.remoteKey !== undefined)
      check(
        'remoteKey',
        typeof o.remoteKey === 'string' && /^[A-Za-z0-9][A-Za-z0-9._\/-]{0,252}$/.test(o.remoteKey),
        'must be a secret store key of letters, digits, ".", "_", "-" and "/"',
      );
  });
  const known = () => [...names].sort().join(', ') || 'none';
  if (!names.has(a.defaultReceiver)) {
    fail(scope, 'alerting.defaultReceiver', a.defaultReceiver, `no receiver named "${a.defaultReceiver}"; receivers: ${known()}`);
  }
  const checkRoutes = (routes: readonly AlertRoute[], path: string): void =>
    routes.forEach((r, i) => {
      if (!names.has(r.receiver)) fail(scope, `${path}[${i}].receiver`, r.receiver, `no receiver named "${r.receiver}"; receivers: ${known()}`);
      if (Object.keys(r.matchers).length === 0)
        fail(scope, `${path}[${i}].matchers`, r.matchers, 'a route needs at least one matcher (an empty one would catch every alert)');
      for (const [k, v] of Object.entries(r.matchers)) {
        const p = prometheusLabelNameProblem(k);
        if (p) fail(scope, `${path}[${i}].matchers`, k, p);
        if (typeof v !== 'string') fail(scope, `${path}[${i}].matchers.${k}`, v, 'must be a label value (a string)');
      }
      checkRoutes(r.routes ?? [], `${path}[${i}].routes`);
    });
  checkRoutes(a.routes ?? [], 'alerting.routes');
  (a.groupBy ?? []).forEach((l, i) => {
    const p = prometheusLabelNameProblem(l);
    if (p && l !== '...') fail(scope, `alerting.groupBy[${i}]`, l, `${p}, or "..."`);
  });
  for (const key of ['groupWait', 'groupInterval', 'repeatInterval'] as const) {
    const v = a[key];
    if (v !== undefined && !isPrometheusDuration(v)) fail(scope, `alerting.${key}`, v, 'must be a duration such as "5m"');
  }
}

/** Secret keys (files under {@link ALERTMANAGER_SECRETS_DIR}) the receivers need. */
export function receiverSecrets(a: AlertingProps): SecretKeyRef[] {
  return a.receivers.flatMap((r) => {
    const key = credentialKey(r);
    if (!key) return [];
    const remoteKey = (r.options.remoteKey as string | undefined) ?? DEFAULT_CREDENTIALS_REMOTE_KEY;
    return [{ secretKey: key, remoteKey, property: key }];
  });
}

function renderReceiver(r: Receiver): Record<string, unknown> {
  const o = r.options;
  const sendResolved = (o.sendResolved as boolean | undefined) ?? true;
  const file = (key: string | undefined) => `${ALERTMANAGER_SECRETS_DIR}/${key}`;
  switch (r.type) {
    case 'email':
      return {
        name: r.name,
        email_configs: [
          {
            to: o.to,
            from: o.from,
            smarthost: o.smarthost,
            send_resolved: sendResolved,
            require_tls: true,
            ...(o.authUsername ? { auth_username: o.authUsername, auth_password_file: file(credentialKey(r)) } : {}),
          },
        ],
      };
    case 'slack':
      return {
        name: r.name,
        slack_configs: [
          {
            api_url_file: file(credentialKey(r)),
            channel: o.channel,
            send_resolved: sendResolved,
            title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }}/{{ .CommonLabels.service }})',
            text: '{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}',
          },
        ],
      };
    default:
      return {
        name: r.name,
        pagerduty_configs: [
          {
            routing_key_file: file(credentialKey(r)),
            send_resolved: sendResolved,
            description: '{{ .CommonAnnotations.summary }}',
            links: [{ href: '{{ .CommonAnnotations.runbook_url }}', text: 'Runbook' }],
          },
        ],
      };
  }
}

function renderRoute(r: AlertRoute): Record<string, unknown> {
  return {
    receiver: r.receiver,
    matchers: Object.entries(r.matchers).map(([k, v]) => alertmanagerMatcher(k, v)),
    ...(r.continue ? { continue: true } : {}),
    ...(r.routes && r.routes.length > 0 ? { routes: r.routes.map(renderRoute) } : {}),
  };
}

/** The alertmanager.yml document. */
export function renderAlertmanagerConfig(a: AlertingProps): Record<string, unknown> {
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: a.defaultReceiver,
      group_by: [...(a.groupBy ?? DEFAULT_GROUP_BY)],
      group_wait: a.groupWait ?? DEFAULT_GROUP_WAIT,
      group_interval: a.groupInterval ?? DEFAULT_GROUP_INTERVAL,
      repeat_interval: a.repeatInterval ?? DEFAULT_REPEAT_INTERVAL,
      routes: (a.routes ?? []).map(renderRoute),
    },
    // While a service has a critical alert, its warnings (slow burn, CPU, latency) are symptoms of the same
    // incident and only add noise to the page.
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ['namespace', 'service'],
      },
    ],
    receivers: a.receivers.map(renderReceiver),
  };
}
