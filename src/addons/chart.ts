/**
 * Where an add-on's Helm chart comes from and which version is installed: the published chart pinned by the
 * chart data of `npm run import` (../shared/charts), or, for the charts without vendored data (ingress-nginx,
 * kube-prometheus-stack), a version pinned here.
 */
import { ChartCatalog, ChartData } from '../synth/chart-data';

/** A Helm chart at one version, as Argo CD and Flux install it. */
export interface HelmChartRef {
  /** The chart's name in its repository (`cert-manager`, `gateway-helm`). */
  readonly chart: string;
  /** The version installed. */
  readonly version: string;
  /**
   * The Helm repository URL (`https://charts.jetstack.io`) or, for an OCI chart, the chart reference without
   * the version (`oci://quay.io/strimzi-helm/strimzi-kafka-operator`).
   */
  readonly repository: string;
  readonly oci: boolean;
  /**
   * The vendored chart data (default value keys, values.schema.json) the values are checked against; undefined
   * for a chart pinned here without data (then only the TypeScript types check the values).
   */
  readonly data?: ChartData;
}

/** The chart of the vendored chart data folder `folder` (see ../shared/charts/SOURCES.md). */
export function catalogChart(folder: string): HelmChartRef {
  const data = ChartCatalog.default().get(folder);
  return { chart: data.chart, version: data.version, repository: data.repository, oci: data.oci, data };
}

/**
 * Argo CD's view of a chart source: `repoURL` is the Helm repository, or for OCI the registry path without
 * `oci://` and without the chart name (Argo CD appends `chart`).
 */
export function argoCdHelmSource(c: HelmChartRef): { readonly repoUrl: string; readonly chart: string } {
  if (!c.oci) return { repoUrl: c.repository, chart: c.chart };
  const ref = c.repository.replace(/^oci:\/\//, '');
  const base = ref.endsWith(`/${c.chart}`) ? ref.slice(0, -(c.chart.length + 1)) : ref;
  return { repoUrl: base, chart: c.chart };
}
