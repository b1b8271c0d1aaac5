// The hidden markers that tell Sluice's preview comment on a pull request from the others, so it is found
// and updated in place: by the control plane (github-reporter.ts) and by the workflows `sluice ci init
// github` writes (ci-workflows.ts). No dependencies, so the workflow generator loads without Octokit.

/** Hidden in every preview comment so it is found again after a restart that lost its id. */
export const PREVIEW_COMMENT_MARKER = '<!-- sluice:preview -->';

/**
 * The marker of one app's preview comment: apps connected to the same repository keep a comment each.
 * App names are lowercase letters, digits and hyphens, so nothing can end the HTML comment early.
 */
export function previewCommentMarker(app: string): string {
  return `<!-- sluice:preview:${app} -->`;
}

/** Whether a comment's body carries the marker (on a line of its own: one marker is not part of another). */
export function hasMarker(body: string | null | undefined, marker: string): boolean {
  return (body ?? '').split('\n').some((line) => line.trim() === marker || line.startsWith(`${marker} `));
}

/** The body, with the marker first when it does not carry it. */
export function withMarker(body: string, marker: string): string {
  return hasMarker(body, marker) ? body : `${marker}\n${body}`;
}
