// The approval gate of a run: who decided and what they said, or, while it waits, who may decide and, for
// them, the comment box with Approve and Reject.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { apiPost, path } from '../api-client.js';
import type { Run } from '../api-types.js';
import { hasRole, useIdentity } from '../auth.js';
import { ActionButton, ConfirmButton } from '../components/action-button.js';
import { Icon } from '../components/icon.js';
import { TimeAgo } from '../components/time-ago.js';

export function ApprovalPanel({ run, onDecided }: { run: Run; onDecided: () => void }) {
  const identity = useIdentity();
  const [comment, setComment] = useState('');
  const approval = run.state.approval!;
  const waiting = run.status === 'awaiting_approval';
  if (!waiting && approval.decision === null) return null;
  if (!waiting) {
    const approved = approval.decision === 'approved';
    return html`<div class=${`callout tone-${approved ? 'ok' : 'danger'}`}>
      <${Icon} name=${approved ? 'check' : 'x'} />
      <p>
        ${approved ? 'Approved' : 'Rejected'} by <strong>${approval.by}</strong> <${TimeAgo} ts=${approval.at} />${approval.comment ? html`: <q>${approval.comment}</q>` : '.'}
      </p>
    </div>`;
  }
  const mayApprove = hasRole(identity, 'approver');
  const who = `Needs an approver: a token with the approver or admin role${approval.preventSelfReview ? `, other than the commit's author${run.state.commit ? ` (${run.state.commit.author})` : ''}` : ''}.`;
  const decide = (verb: 'approve' | 'reject') => async () => {
    await apiPost(path`/api/runs/${run.id}/${verb}`, comment.trim() ? { comment: comment.trim() } : {});
    setComment('');
    onDecided();
  };
  return html`<section class="callout tone-warn approval" aria-labelledby="approval-title">
    <${Icon} name="pause" />
    <div class="approval-body">
      <h2 id="approval-title" class="callout-title">Waiting for approval${run.stage ? ` to deploy ${run.stage}` : ''}</h2>
      <p id="approval-who">${who}</p>
      ${mayApprove
        ? html`<label class="field">
              <span class="field-label">Comment (optional, shown on the run)</span>
              <textarea class="input" rows="2" maxlength="2000" value=${comment} onInput=${(e: Event) => setComment((e.target as HTMLTextAreaElement).value)}></textarea>
            </label>
            <div class="button-row">
              <${ActionButton} label="Approve" icon="check" variant="primary" onAction=${decide('approve')} success=${`Run #${run.number} approved`} describedBy="approval-who" />
              <${ConfirmButton}
                label="Reject"
                icon="x"
                title=${`Reject run #${run.number}?`}
                confirmLabel="Reject the run"
                body=${html`<p>The run ends without deploying${run.stage ? ` ${run.stage}` : ''}.${comment.trim() ? html` Your comment goes with it: <q>${comment.trim()}</q>` : ''}</p>`}
                onConfirm=${decide('reject')}
                success=${`Run #${run.number} rejected`}
              />
            </div>`
        : html`<p class="muted">You are signed in as ${identity.name} (${identity.role}), who may not approve.</p>`}
    </div>
  </section>`;
}
