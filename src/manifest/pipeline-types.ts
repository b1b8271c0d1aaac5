// The `pipeline:` section of sluice.app.yml once validated and with its defaults filled
// (pipeline-schema.ts): what the pipeline (src/pipeline) runs for each git event.

/** A user command: `run` goes to a shell in the checkout; never built from branch names. */
export interface CommandStep {
  name: string;
  run: string;
  /** Milliseconds. */
  timeoutMs: number;
  env: Record<string, string>;
  /** Secrets of the stage's profile the command gets as variables (`secrets: [NPM_TOKEN]`); none for forks. */
  secrets: string[];
}

export interface PreviewSettings {
  /** Branch globs that get a preview (picomatch, `*` matches `/` too). */
  branches: string[];
  exclude: string[];
  /** Runs against the deployed preview, with its URLs in the environment. */
  integration: CommandStep | null;
  /** Idle previews older than this are swept (ms); null = never. */
  ttlMs: number | null;
  /** Preview URLs require a token. */
  protect: boolean;
  /** Label an approver puts on a fork PR to allow its preview. */
  forkLabel: string;
}

export interface BranchTarget {
  stage: string;
  /** Stages whose verified release this stage promotes (never a rebuild); empty = it builds. */
  promoteFrom: string[];
}

export interface PipelineConfig {
  checks: CommandStep[];
  previews: PreviewSettings | null;
  /** Branch → target stage (`master: staging`, `prod: prod`). */
  branches: Record<string, BranchTarget>;
  /** Runs doing work at once; the rest wait in the queue. */
  concurrency: number;
}
