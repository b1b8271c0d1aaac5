// The top of every page: where you are (breadcrumbs), what this is (the one h1, which gets focus after a
// navigation so screen readers announce the new page), a line of facts and the page's actions.

import { html } from 'htm/preact';
import { useEffect } from 'preact/hooks';

export function PageHeader({
  crumbs = [],
  title,
  badges,
  meta,
  actions,
}: {
  crumbs?: Array<{ label: string; href: string }>;
  title: string;
  badges?: unknown;
  meta?: unknown;
  actions?: unknown;
}) {
  return html`<header class="page-header">
    ${crumbs.length > 0
      ? html`<nav aria-label="Breadcrumb" class="breadcrumbs">
          <ol>
            ${crumbs.map((crumb) => html`<li key=${crumb.href}><a href=${crumb.href}>${crumb.label}</a></li>`)}
          </ol>
        </nav>`
      : null}
    <div class="page-title-row">
      <div class="page-title-block">
        <h1 class="page-title" tabindex="-1">${title}</h1>
        ${badges ? html`<div class="page-badges">${badges}</div>` : null}
      </div>
      ${actions ? html`<div class="page-actions">${actions}</div>` : null}
    </div>
    ${meta ? html`<div class="page-meta">${meta}</div>` : null}
  </header>`;
}

/** The browser tab's title: the page, then Sluice. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Sluice`;
  }, [title]);
}
