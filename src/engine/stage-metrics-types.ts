// A stage's metric series as the API returns them (stage-metrics.ts computes them): types only, importable by
// the web dashboard without the store's implementation.

export interface StageMetrics {
  /** Start of the first step. */
  from: number;
  /** The time of the query: the last step is still filling. */
  to: number;
  stepMs: number;
  series: MetricSeries[];
}

export interface MetricSeries {
  service: string;
  function: string;
  versionId: string;
  /** The version's number (v3); 0 when the version was deleted since. */
  number: number;
  points: MetricPoint[];
}

export interface MetricPoint {
  /** Start of the step [t, t + stepMs). */
  t: number;
  invocations: number;
  errors: number;
  throttles: number;
  /** From the duration histogram; null without invocations in the step. */
  p50Ms: number | null;
  p99Ms: number | null;
}
