// Copies a value (a webhook URL, a new token) to the clipboard and says so.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { Icon } from './icon.js';

export function CopyButton({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return html`<button type="button" class="button button-small button-ghost" onClick=${copy} aria-label=${copied ? `${label}: copied` : label}>
    <${Icon} name=${copied ? 'check' : 'copy'} size=${14} />${copied ? 'Copied' : 'Copy'}
  </button>`;
}
