// A modal question before an action that changes production: the native <dialog> keeps focus inside and
// the page inert, Escape cancels, and focus goes back to the button that opened it.

import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger = false,
  busy = false,
  onConfirm,
  onClose,
}: {
  open: boolean;
  title: string;
  children?: unknown;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      opener.current = document.activeElement as HTMLElement | null;
      element.showModal();
      // The safe choice has focus first: Enter on an abort dialog must not abort.
      element.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    } else if (!open && element.open) {
      element.close();
    }
  }, [open]);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const onCancel = (event: Event) => {
      event.preventDefault();
      if (!busy) onClose();
    };
    const onClosed = () => {
      const target = opener.current;
      opener.current = null;
      if (target?.isConnected) target.focus();
    };
    element.addEventListener('cancel', onCancel);
    element.addEventListener('close', onClosed);
    return () => {
      element.removeEventListener('cancel', onCancel);
      element.removeEventListener('close', onClosed);
    };
  }, [busy, onClose]);

  const titleId = `dialog-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return html`<dialog ref=${dialog} class="dialog" aria-labelledby=${titleId} onKeyDown=${trapTab}>
    <form
      method="dialog"
      onSubmit=${(event: Event) => {
        event.preventDefault();
        if (!busy) onConfirm();
      }}
    >
      <h2 id=${titleId} class="dialog-title">${title}</h2>
      <div class="dialog-body">${children}</div>
      <div class="dialog-actions">
        <button type="button" class="button" data-autofocus onClick=${onClose} disabled=${busy}>Cancel</button>
        <button type="submit" class=${`button ${danger ? 'button-danger' : 'button-primary'}`} disabled=${busy} aria-busy=${busy ? 'true' : undefined}>
          ${busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </form>
  </dialog>`;
}

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), a[href]';

/** Tab and Shift+Tab cycle inside the dialog instead of leaving it for the browser's own controls. */
function trapTab(event: KeyboardEvent) {
  if (event.key !== 'Tab') return;
  const focusable = [...(event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = focusable[0];
  const last = focusable[focusable.length - 1];
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
