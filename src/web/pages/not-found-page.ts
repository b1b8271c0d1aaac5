// A URL the dashboard does not know.

import { html } from 'htm/preact';
import { PageHeader, useTitle } from '../components/page-header.js';

export function NotFoundPage({ path }: { path: string }) {
  useTitle('Not found');
  return html`<${PageHeader} title="Page not found" />
    <p>Nothing lives at <code>${path}</code>. <a href="/">Back to the overview</a>.</p>`;
}
