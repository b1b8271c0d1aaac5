// The Markdown of a pull request's preview comment: status, a table of the preview's services with their
// URLs and the commit's immutable URLs, and a link to the pipeline run. The branch name is untrusted text
// and goes into a code span, never into Markdown or HTML; URLs are only rendered when they are http(s).

import { previewCommentMarker } from './comment-marker.js';

/** A pipeline run's status, plus `removed` once the preview stage is destroyed. */
export type PreviewCommentStatus = 'queued' | 'running' | 'awaiting_approval' | 'succeeded' | 'failed' | 'canceled' | 'rejected' | 'removed';

export interface PreviewCommentInput {
  app: string;
  branch: string;
  sha: string;
  stage: string;
  /** Service → URL of the preview stage (follows the branch). */
  urls: Record<string, string>;
  /** Service → URL pinned to this commit's versions. */
  commitUrls: Record<string, string>;
  /** The run in the dashboard; null when unknown. */
  runUrl: string | null;
  status: PreviewCommentStatus;
}

const HEADLINES: Record<PreviewCommentStatus, string> = {
  queued: '⏳ Preview queued',
  running: '🔄 Preview deploying',
  awaiting_approval: '⏸️ Preview waiting for approval',
  succeeded: '✅ Preview ready',
  failed: '❌ Preview failed',
  canceled: '⚪ Preview canceled',
  rejected: '⛔ Preview rejected',
  removed: '🗑️ Preview removed',
};

export function previewCommentBody(input: PreviewCommentInput): string {
  const short = input.sha.slice(0, 7);
  const lines = [
    previewCommentMarker(input.app),
    `### ${HEADLINES[input.status]}: ${codeSpan(input.app)} stage ${codeSpan(input.stage)}`,
    '',
    `Branch ${codeSpan(input.branch)} at commit ${codeSpan(short)}.`,
  ];
  const services = [...new Set([...Object.keys(input.urls), ...Object.keys(input.commitUrls)])].sort();
  if (input.status === 'removed') {
    lines.push('', 'The preview stage and its URLs are gone with the branch.');
  } else if (services.length > 0) {
    lines.push('', `| service | URL | commit ${short} (immutable) |`, '| --- | --- | --- |');
    for (const service of services) {
      lines.push(`| ${cell(codeSpan(service))} | ${cell(link(input.urls[service]))} | ${cell(link(input.commitUrls[service]))} |`);
    }
  }
  if (input.runUrl && safeUrl(input.runUrl)) lines.push('', `[Pipeline run](${safeUrl(input.runUrl)})`);
  lines.push('', '<sub>Kept up to date by Sluice.</sub>', '');
  return lines.join('\n');
}

/** A code span that no content can break out of: the fence is longer than any backtick run inside. */
function codeSpan(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '');
  const longestRun = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/** A table cell: `|` would end it, even inside a code span. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function link(url: string | undefined): string {
  const href = url ? safeUrl(url) : null;
  return href ? `<${href}>` : '–';
}

/** The URL percent-encoded so it cannot end an autolink or a link target, or null when not http(s). */
function safeUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  return parsed.href.replace(/[()<>|`\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}
