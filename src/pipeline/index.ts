// The pipeline's only public door: git-driven delivery (repositories, webhooks, runs, previews, approvals).
export { Pipeline } from './pipeline-service.js';
export type { ConnectRequest, ConnectResult, PipelineOptions, WebhookResult } from './pipeline-service.js';
export { RunDriver } from './run-driver.js';
export type { RunCommand } from './run-driver.js';
export { RunSignals } from './run-log-writer.js';
export { stepDuration } from './run-state.js';
export { runUrl } from './run-reporting.js';
export { createGithubHost, githubActionsWorkflows, readLimitedBody, signGithubPayload, FakeGitHost } from './github/index.js';
export type { GitHost } from './github/index.js';
export { postReceiveHookScript } from './git/index.js';
export { previewStageName } from './preview-name.js';
export type { GitEvent, PipelineConfig, RunState, RunStep, StepName } from './types.js';
