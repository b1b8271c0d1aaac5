// Settings › Repositories: what Sluice watches, and the URLs a repository calls after a push (the notify
// URL for a git post-receive hook, the webhook URL for GitHub).

import { html } from 'htm/preact';
import type { Repository } from '../api-types.js';
import { CopyButton } from '../components/copy-button.js';
import { Tag } from '../components/status-badge.js';
import { formatDuration } from '../formats.js';
import { paths } from '../router.js';

export function RepositoriesSection({ repositories }: { repositories: Repository[] }) {
  return html`<section class="card" aria-labelledby="repos-title">
    <div class="card-head">
      <h2 id="repos-title">Repositories</h2>
      <span class="muted small">Connect one with <code>sluice connect git</code> or <code>sluice connect github</code>.</span>
    </div>
    ${repositories.length === 0
      ? html`<p class="empty">No repository is connected: pipelines start from pushes to a connected one.</p>`
      : html`<ul class="stack">
          ${repositories.map(
            (repo) => html`<li key=${repo.id} class="repo">
              <div class="repo-head">
                <span class="strong">${repo.githubRepo ?? repo.url}</span>
                <${Tag}>${repo.kind}<//>
                <span class="muted small">app <a href=${paths.runs({ app: repo.app })}>${repo.app}</a>${repo.appDir !== '.' ? ` in ${repo.appDir}` : ''}</span>
                <span class="muted small">${repo.pollIntervalMs ? `polled every ${formatDuration(repo.pollIntervalMs)}` : 'on push only'}</span>
              </div>
              <dl class="kv">
                ${repo.githubRepo ? html`<div class="kv-row"><dt>Clone URL</dt><dd><code>${repo.url}</code></dd></div>` : null}
                ${repo.kind === 'github'
                  ? html`<div class="kv-row">
                      <dt>Webhook URL</dt>
                      <dd class="copyable"><code>${repo.webhookUrl}</code><${CopyButton} value=${repo.webhookUrl} label="Copy the webhook URL" /></dd>
                    </div>
                    <div class="kv-row"><dt>Webhook secret</dt><dd>${repo.webhookSecretSet ? 'set (shown once, when connected)' : html`<span class="tone-text-warn">not set</span>`}</dd></div>`
                  : null}
                <div class="kv-row">
                  <dt>Notify URL</dt>
                  <dd class="copyable"><code>${repo.notifyUrl}</code><${CopyButton} value=${repo.notifyUrl} label="Copy the notify URL" /></dd>
                </div>
              </dl>
            </li>`,
          )}
        </ul>`}
  </section>`;
}
