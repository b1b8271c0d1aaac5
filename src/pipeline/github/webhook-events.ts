// GitHub webhook deliveries → the pipeline's GitEvent vocabulary. Validates only the fields the pipeline
// uses (zod, unknown keys ignored), once, at the boundary; events and actions Sluice does not act on map to
// null so the route can answer 202 and forget them. Also reads the request body with a size cap, before
// any parsing, so a large delivery costs at most the cap in memory.

import { z } from 'zod';
import { SluiceError } from '../../errors/index.js';
import type { BranchDeletedEvent, EventOrigin, GitEvent, PullRequestEvent, PushEvent } from '../types.js';

/**
 * 1 MiB. GitHub caps deliveries at 25 MB, but the events we handle are a few kB to a few hundred kB (a push
 * lists at most 20 commits with their file names); anything past 1 MiB is refused with 413 instead of
 * being buffered and parsed. GitHub then records the delivery as failed, which is visible and redeliverable.
 */
export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

const PULL_REQUEST_ACTIONS = ['opened', 'synchronize', 'reopened', 'closed', 'labeled'] as const;
const ZERO_SHA = /^0+$/;
const BRANCH_REF = 'refs/heads/';

const sha = z.string().regex(/^[0-9a-f]{40}$/, 'expected a 40-character hex commit id');
const nonEmpty = z.string().min(1);
const account = z.object({ login: nonEmpty });

const pushPayload = z.object({
  ref: nonEmpty,
  // All zeros when the branch was created (before) or deleted (after).
  before: sha,
  after: sha,
  created: z.boolean().optional(),
  deleted: z.boolean().optional(),
  pusher: z.object({ name: nonEmpty }).optional(),
  sender: account.optional(),
});

const deletePayload = z.object({ ref: nonEmpty, ref_type: nonEmpty, sender: account });

const pullRequestPayload = z.object({
  action: z.enum(PULL_REQUEST_ACTIONS),
  number: z.number().int().positive(),
  sender: account,
  // `labeled`: the label just added (the PR's labels list holds the earlier ones too).
  label: z.object({ name: z.string() }).nullish(),
  pull_request: z.object({
    head: z.object({
      ref: nonEmpty,
      sha,
      // null when the fork the PR came from was deleted.
      repo: z.object({ full_name: nonEmpty, clone_url: nonEmpty }).nullable(),
    }),
    base: z.object({ ref: nonEmpty, repo: z.object({ full_name: nonEmpty }) }),
    merged: z.boolean().nullable().optional(),
    labels: z.array(z.object({ name: z.string() })).optional(),
  }),
});

export interface GithubDelivery {
  /** The X-GitHub-Event header. */
  event: string | undefined;
  /** The X-GitHub-Delivery header (GitHub's id for this delivery; redeliveries keep it). */
  deliveryId: string | undefined;
  /** The parsed JSON body. */
  body: unknown;
  /** The connected repository the webhook was registered for. */
  repoId: string;
}

/**
 * The GitEvent a delivery stands for, or null for one Sluice ignores (ping, tags, issues, other PR actions…).
 * Throws WEBHOOK_PAYLOAD_INVALID when a handled event lacks a field the pipeline needs.
 *
 * Deleting a branch makes GitHub send both a `push` (deleted: true) and a `delete` event: both map to a
 * BranchDeletedEvent, so whatever consumes them must treat a second deletion of the same branch as done.
 */
export function parseGithubDelivery(delivery: GithubDelivery): GitEvent | null {
  const origin: EventOrigin = { repoId: delivery.repoId, actor: '', source: 'github' };
  if (delivery.deliveryId) origin.deliveryId = delivery.deliveryId;
  switch (delivery.event) {
    case undefined:
    case '':
      throw new SluiceError('WEBHOOK_PAYLOAD_INVALID', 'The delivery carries no X-GitHub-Event header.');
    case 'push':
      return pushEvent(origin, validate('push', pushPayload, delivery.body));
    case 'delete':
      return deleteEvent(origin, validate('delete', deletePayload, delivery.body));
    case 'pull_request': {
      // Actions we do not act on may carry other shapes; decide on the action before validating the rest.
      const action = (delivery.body as { action?: unknown } | null)?.action;
      if (!PULL_REQUEST_ACTIONS.includes(action as PullRequestEvent['action'])) {
        if (typeof action !== 'string') throw invalid('pull_request', 'action: expected a string');
        return null;
      }
      return pullRequestEvent(origin, validate('pull_request', pullRequestPayload, delivery.body));
    }
    default:
      return null;
  }
}

function pushEvent(origin: EventOrigin, payload: z.infer<typeof pushPayload>): PushEvent | BranchDeletedEvent | null {
  if (!payload.ref.startsWith(BRANCH_REF)) return null; // tags and other refs
  const branch = payload.ref.slice(BRANCH_REF.length);
  if (!branch) throw invalid('push', `ref: "${payload.ref}" names no branch`);
  const actor = payload.sender?.login ?? payload.pusher?.name;
  if (!actor) throw invalid('push', 'sender.login: missing (and no pusher.name)');
  if (payload.deleted === true || ZERO_SHA.test(payload.after)) return { ...origin, actor, type: 'branch_deleted', branch };
  const before = payload.created === true || ZERO_SHA.test(payload.before) ? null : payload.before;
  return { ...origin, actor, type: 'push', branch, sha: payload.after, before };
}

function deleteEvent(origin: EventOrigin, payload: z.infer<typeof deletePayload>): BranchDeletedEvent | null {
  if (payload.ref_type !== 'branch') return null;
  // The delete event names the branch without refs/heads/; strip it anyway in case a forge sends the full ref.
  const branch = payload.ref.startsWith(BRANCH_REF) ? payload.ref.slice(BRANCH_REF.length) : payload.ref;
  return { ...origin, actor: payload.sender.login, type: 'branch_deleted', branch };
}

function pullRequestEvent(origin: EventOrigin, payload: z.infer<typeof pullRequestPayload>): PullRequestEvent {
  const { head, base } = payload.pull_request;
  const fork = head.repo === null || head.repo.full_name.toLowerCase() !== base.repo.full_name.toLowerCase();
  return {
    ...origin,
    actor: payload.sender.login,
    type: 'pull_request',
    action: payload.action,
    number: payload.number,
    branch: head.ref,
    sha: head.sha,
    baseBranch: base.ref,
    fork,
    headCloneUrl: fork && head.repo ? head.repo.clone_url : null,
    merged: payload.pull_request.merged === true,
    labels: (payload.pull_request.labels ?? []).map((label) => label.name),
    ...(payload.action === 'labeled' && payload.label ? { label: payload.label.name } : {}),
  };
}

function validate<T>(event: string, schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  throw invalid(event, problems.join('; '));
}

function invalid(event: string, detail: string): SluiceError {
  return new SluiceError('WEBHOOK_PAYLOAD_INVALID', `The GitHub "${event}" payload is malformed: ${detail}.`);
}

/**
 * The request body as bytes, refusing with PAYLOAD_TOO_LARGE (413) as soon as more than `limit` bytes are
 * declared (Content-Length) or have arrived (chunked or lying senders); the rest is never read.
 */
export async function readLimitedBody(request: Request, limit: number = WEBHOOK_BODY_LIMIT_BYTES): Promise<Buffer> {
  const declared = request.headers.get('content-length')?.trim();
  if (declared && /^\d+$/.test(declared) && Number(declared) > limit) {
    void request.body?.cancel().catch(() => undefined);
    throw tooLarge(limit);
  }
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Not awaited: cancelling tears the upload down, and the caller should answer 413 right away.
      void reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limit: number): SluiceError {
  return new SluiceError('PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes.`);
}
