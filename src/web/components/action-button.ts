// Buttons that call the API: busy while the call runs, a toast when it is done, the error and its hint when
// it fails. ConfirmButton asks first, in a dialog, for actions that are hard to undo.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { showError, showToast } from '../toasts.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Icon, type IconName } from './icon.js';

type Variant = 'primary' | 'default' | 'danger';

export function ActionButton({
  label,
  icon,
  variant = 'default',
  onAction,
  success,
  disabled = false,
  describedBy,
}: {
  label: string;
  icon?: IconName;
  variant?: Variant;
  onAction: () => Promise<unknown>;
  success?: string;
  disabled?: boolean;
  describedBy?: string;
}) {
  const [busy, click] = useAction(label, success, onAction);
  return html`<button
    type="button"
    class=${`button button-${variant}`}
    onClick=${click}
    disabled=${disabled || busy}
    aria-busy=${busy ? 'true' : undefined}
    aria-describedby=${describedBy}
  >
    ${icon ? html`<${Icon} name=${busy ? 'spinner' : icon} class=${busy ? 'spin' : ''} />` : null}${label}
  </button>`;
}

export function ConfirmButton({
  label,
  icon,
  variant = 'default',
  title,
  confirmLabel,
  danger = true,
  body,
  onConfirm,
  success,
  compact = false,
  ariaLabel,
}: {
  label: string;
  icon?: IconName;
  variant?: Variant;
  title: string;
  confirmLabel: string;
  danger?: boolean;
  body?: unknown;
  onConfirm: () => Promise<unknown>;
  success?: string;
  compact?: boolean;
  /** When the visible label alone is ambiguous in a table ("Rollback" of which row). */
  ariaLabel?: string;
}) {
  const [open, setOpen] = useState(false);
  const [busy, confirm] = useAction(label, success, async () => {
    await onConfirm();
    setOpen(false);
  });
  return html`<button
      type="button"
      class=${`button button-${variant} ${compact ? 'button-small' : ''}`}
      aria-haspopup="dialog"
      aria-label=${ariaLabel}
      onClick=${() => setOpen(true)}
    >
      ${icon ? html`<${Icon} name=${icon} />` : null}${label}
    </button>
    <${ConfirmDialog} open=${open} title=${title} confirmLabel=${confirmLabel} danger=${danger} busy=${busy} onConfirm=${confirm} onClose=${() => setOpen(false)}>
      ${body}
    <//>`;
}

/** Runs an action once at a time: busy while it runs, a toast when it worked, the error shown when not. */
function useAction(label: string, success: string | undefined, action: () => Promise<unknown>): [boolean, () => Promise<void>] {
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      await action();
      if (success) showToast({ tone: 'success', title: success });
    } catch (error) {
      showError(error, `${label} failed`);
    } finally {
      setBusy(false);
    }
  };
  return [busy, run];
}
