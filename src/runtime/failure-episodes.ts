// Reports a failing dependency once per episode instead of once per attempt: while the store is down
// (a PostgreSQL restart) the gateway retries every poll and flush tick, and a line per tick would bury
// everything else in its log. The first failure of an episode is reported with its error; the first
// success after it ends the episode and says how many attempts failed.

export class FailureEpisodes {
  /** Failed attempts per ongoing episode. */
  private readonly failing = new Map<string, number>();

  constructor(
    private readonly onError: (error: unknown, during: string) => void,
    private readonly onRecovered: (during: string, failedAttempts: number) => void,
  ) {}

  /** Whether `during` is failing now. */
  isFailing(during: string): boolean {
    return this.failing.has(during);
  }

  failed(during: string, error: unknown): void {
    const attempts = this.failing.get(during) ?? 0;
    this.failing.set(during, attempts + 1);
    if (attempts === 0) this.onError(error, during);
  }

  succeeded(during: string): void {
    const attempts = this.failing.get(during);
    if (attempts === undefined) return;
    this.failing.delete(during);
    this.onRecovered(during, attempts);
  }
}
