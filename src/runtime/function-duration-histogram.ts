// The gateway's `sluice_function_duration_seconds` histogram, per function version, rendered in the
// Prometheus text format. Not a prom-client Histogram: its observe() builds, validates and hashes a label
// key on every call, even through a cached child, which was several percent of the gateway thread at full
// load. Here an observation is two additions to plain numbers of the version's series, and the text is
// made at scrape time.

/** One version's series; the caller keeps it (per version target) and passes it to observe(). */
export interface DurationSeries {
  /** `{app="…",…}`, escaped once. */
  readonly labelText: string;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly buckets: Float64Array;
  sumSeconds: number;
  count: number;
}

export class FunctionDurationHistogram {
  private readonly series: DurationSeries[] = [];
  /** Upper bounds in seconds, `le` texts with +Inf last. */
  private readonly leTexts: string[];

  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    this.leTexts = [...bounds.map(String), '+Inf'];
  }

  /** A new series, with its labels in this order. */
  addSeries(labels: ReadonlyArray<readonly [string, string]>): DurationSeries {
    const series: DurationSeries = {
      labelText: labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(','),
      buckets: new Float64Array(this.bounds.length + 1),
      sumSeconds: 0,
      count: 0,
    };
    this.series.push(series);
    return series;
  }

  observe(series: DurationSeries, seconds: number): void {
    // A bucket counts values less than or equal to its bound (Prometheus's `le`).
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]) i++;
    series.buckets[i]++;
    series.sumSeconds += seconds;
    series.count++;
  }

  /** The metric family in the text exposition format, ending with a newline. */
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const series of this.series) {
      if (series.count === 0) continue; // as prom-client: a series appears with its first observation
      let cumulative = 0;
      for (let i = 0; i < series.buckets.length; i++) {
        cumulative += series.buckets[i];
        lines.push(`${this.name}_bucket{${series.labelText},le="${this.leTexts[i]}"} ${cumulative}`);
      }
      lines.push(`${this.name}_sum{${series.labelText}} ${series.sumSeconds}`);
      lines.push(`${this.name}_count{${series.labelText}} ${series.count}`);
    }
    return `${lines.join('\n')}\n`;
  }
}

/** Label values escape backslash, double quote and line feed. */
function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
