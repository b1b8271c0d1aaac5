// The GitHub side of the pipeline: webhook verification and parsing, reporting back (statuses, the preview
// comment), and the GitHub Actions workflows for running the pipeline from CI. This file is its only door.

export { verifyGithubSignature, assertGithubSignature, signGithubPayload } from './webhook-signature.js';
export { parseGithubDelivery, readLimitedBody, WEBHOOK_BODY_LIMIT_BYTES } from './webhook-events.js';
export type { GithubDelivery } from './webhook-events.js';
export { createGithubHost, truncateDescription, PREVIEW_COMMENT_MARKER, previewCommentMarker, STATUS_DESCRIPTION_MAX } from './github-reporter.js';
export type { GitHost, GithubHostOptions, CommitState, CommitStatus, PullRequestComment } from './github-reporter.js';
export { FakeGitHost } from './fake-git-host.js';
export type { FakeComment, GitHostCall } from './fake-git-host.js';
export { previewCommentBody } from './preview-comment.js';
export type { PreviewCommentInput, PreviewCommentStatus } from './preview-comment.js';
export { githubActionsWorkflows } from './ci-workflows.js';
export type { GithubActionsOptions, WorkflowFile } from './ci-workflows.js';
