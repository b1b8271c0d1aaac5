// Short messages about what the user just did ("Rollout paused") and errors with their hint. The shell
// renders them in an aria-live region; each goes away by itself or with its close button.

import { ApiError } from './api-client.js';
import { SharedState } from './shared-state.js';

export interface Toast {
  id: number;
  tone: 'success' | 'error' | 'info';
  title: string;
  detail?: string;
}

export const toasts = new SharedState<Toast[]>([]);
let nextId = 1;

export function showToast(toast: Omit<Toast, 'id'>, durationMs = toast.tone === 'error' ? 10_000 : 4_000): void {
  const id = nextId++;
  toasts.update((list) => [...list.slice(-3), { ...toast, id }]);
  setTimeout(() => dismissToast(id), durationMs);
}

export function dismissToast(id: number): void {
  toasts.update((list) => list.filter((t) => t.id !== id));
}

export function showError(error: unknown, what?: string): void {
  const apiError = error instanceof ApiError ? error : undefined;
  const message = apiError?.message ?? (error instanceof Error ? error.message : String(error));
  showToast({ tone: 'error', title: what ? `${what}: ${message}` : message, detail: apiError?.hint });
}
