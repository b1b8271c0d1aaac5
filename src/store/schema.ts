// The SQL schema as Kysely sees it: one interface per table, columns in snake_case. The row shapes here are
// internal to the store; the port (types.ts) speaks camelCase records and parsed JSON.

import type { Generated } from 'kysely';

export interface StagesTable {
  app: string;
  name: string;
  profile: string;
  kind: string;
  created_at: number;
  updated_at: number;
  /** 'required' | 'none' (migration 0003; 'none' for stages from before). */
  approval: Generated<string>;
}

export interface ServiceInstancesTable {
  app: string;
  stage: string;
  service: string;
  url: string;
  deployment_id: string;
  deployed_at: number;
}

export interface ArtifactsTable {
  hash: string;
  content: Buffer;
  size: number;
  created_at: number;
}

export interface VersionsTable {
  id: string;
  app: string;
  service: string;
  function: string;
  number: number;
  code_hash: string;
  /** FunctionConfig as JSON text. */
  config: string;
  created_at: number;
}

export interface AliasesTable {
  app: string;
  stage: string;
  service: string;
  function: string;
  name: string;
  updated_at: number;
  /** AliasRules as JSON text (migration 0002; '{}' for aliases from before). */
  rules: string;
}

export interface AliasTargetsTable {
  app: string;
  stage: string;
  service: string;
  function: string;
  alias: string;
  /** Order of the target inside its alias, so targets come back as they were set. */
  position: number;
  version_id: string;
  weight: number;
}

export interface RoutingStateTable {
  id: number;
  generation: number;
}

export interface OutputsTable {
  app: string;
  stage: string;
  service: string;
  key: string;
  value: string;
}

export interface ParamsTable {
  profile: string;
  name: string;
  value: string;
  updated_at: number;
}

export interface SecretsTable {
  profile: string;
  name: string;
  ciphertext: string;
  updated_at: number;
}

export interface DeploymentsTable {
  id: string;
  app: string;
  stage: string;
  service: string;
  status: string;
  strategy: string;
  actor: string;
  commit_sha: string | null;
  message: string | null;
  /** DeploymentRecord['changes'] as JSON text. */
  changes: string;
  created_at: number;
  finished_at: number | null;
}

export interface KvTablesTable {
  name: string;
  app: string;
  stage: string;
  service: string;
  logical: string;
  key_field: string;
}

export interface KvItemsTable {
  table_name: string;
  key: string;
  /** The item as JSON text. */
  value: string;
  updated_at: number;
}

export interface LogsTable {
  id: Generated<number>;
  ts: number;
  app: string;
  stage: string;
  service: string;
  function: string;
  version_id: string;
  request_id: string;
  level: string;
  message: string;
}

/** One integer column per duration bucket, so an upsert can add histograms in SQL. */
export const HISTOGRAM_COLUMNS = [
  'h0', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9', 'h10', 'h11', 'h12', 'h13', 'h14', 'h15', 'h16', 'h17',
] as const;

export type HistogramColumn = (typeof HISTOGRAM_COLUMNS)[number];

export type MetricsTable = {
  app: string;
  stage: string;
  service: string;
  function: string;
  version_id: string;
  bucket: number;
  invocations: number;
  errors: number;
  throttles: number;
  duration_sum_ms: number;
} & Record<HistogramColumn, number>;

export interface EventsTable {
  id: Generated<number>;
  ts: number;
  type: string;
  actor: string;
  app: string | null;
  stage: string | null;
  service: string | null;
  /** Record<string, unknown> as JSON text. */
  payload: string;
  /** The commit the entry concerns, where one applies (migration 0003). */
  commit_sha: string | null;
}

export interface RolloutsTable {
  id: string;
  app: string;
  stage: string;
  service: string;
  deployment_id: string;
  status: string;
  /** The rollout machine's state as JSON text, opaque to the store. */
  state: string;
  wake_at: number | null;
  revision: number;
  created_at: number;
  updated_at: number;
  /** Lease (migration 0004): the process that may step the rollout, until lease_expires_at. */
  lease_holder: string | null;
  /** Fencing token: grows on every claim, kept when the lease is released. */
  lease_token: Generated<number>;
  lease_expires_at: number | null;
}

/** Events for leased work held by another process (migration 0004); `work` names the leased table. */
export interface LeaseInboxTable {
  id: Generated<number>;
  work: string;
  work_id: string;
  /** The event as JSON text. */
  payload: string;
  created_at: number;
}

/** Scheduled runs claimed by a gateway (migration 0004): the primary key lets one gateway run each. */
export interface ScheduleTicksTable {
  app: string;
  stage: string;
  service: string;
  function: string;
  schedule: string;
  scheduled_at: number;
  holder: string;
  claimed_at: number;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  /** sha256 of the token, hex; the token itself is never stored. */
  token_hash: string;
  role: string;
  /** JSON array of profile names, or null for every profile. */
  profiles: string | null;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
}

/** Connected repositories (migration 0005). */
export interface RepositoriesTable {
  id: string;
  app: string;
  kind: string;
  url: string;
  app_dir: string;
  github_repo: string | null;
  /** Sealed with the master key. */
  webhook_secret: string | null;
  poll_interval_ms: number;
  created_at: number;
  updated_at: number;
}

export interface BranchHeadsTable {
  repo_id: string;
  branch: string;
  sha: string;
  updated_at: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  event: string;
  received_at: number;
}

/** Pipeline runs (migration 0005), with the lease columns of rollouts. */
export interface PipelineRunsTable {
  id: string;
  number: number;
  app: string;
  repo_id: string | null;
  kind: string;
  branch: string | null;
  sha: string | null;
  pr: number | null;
  stage: string | null;
  /** 0 or 1. */
  fork: Generated<number>;
  /** The lease mechanism's column: 'active' while unfinished, then 'done'. */
  status: string;
  /** RunStatus. */
  run_status: string;
  /** JSON text. */
  trigger: string;
  /** JSON text, owned by the pipeline. */
  state: string;
  reason: string | null;
  wake_at: number | null;
  revision: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  lease_holder: string | null;
  lease_token: Generated<number>;
  lease_expires_at: number | null;
}

export interface RunLogsTable {
  id: Generated<number>;
  run_id: string;
  seq: number;
  step: string;
  stream: string;
  line: string;
  ts: number;
}

export interface PreviewsTable {
  app: string;
  stage: string;
  repo_id: string | null;
  branch: string;
  pr: number | null;
  head_sha: string;
  last_activity_at: number;
  comment_id: number | null;
  /** 0 or 1. */
  protected: Generated<number>;
  created_at: number;
}

export interface ReleasesTable {
  id: string;
  app: string;
  stage: string;
  commit_sha: string | null;
  tree_sha: string | null;
  /** JSON text: ManifestSources. */
  sources: string;
  /** JSON text: `service.function` → code hash. */
  function_code: string;
  /** JSON text: the `--param` values of the deploy. */
  params: string;
  run_id: string | null;
  created_at: number;
}

export interface Database {
  stages: StagesTable;
  service_instances: ServiceInstancesTable;
  artifacts: ArtifactsTable;
  versions: VersionsTable;
  aliases: AliasesTable;
  alias_targets: AliasTargetsTable;
  routing_state: RoutingStateTable;
  outputs: OutputsTable;
  params: ParamsTable;
  secrets: SecretsTable;
  deployments: DeploymentsTable;
  kv_tables: KvTablesTable;
  kv_items: KvItemsTable;
  logs: LogsTable;
  metrics: MetricsTable;
  events: EventsTable;
  rollouts: RolloutsTable;
  lease_inbox: LeaseInboxTable;
  schedule_ticks: ScheduleTicksTable;
  api_tokens: ApiTokensTable;
  repositories: RepositoriesTable;
  branch_heads: BranchHeadsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  pipeline_runs: PipelineRunsTable;
  run_logs: RunLogsTable;
  previews: PreviewsTable;
  releases: ReleasesTable;
}
