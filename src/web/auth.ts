// Who is looking: the caller's identity from /api/whoami, a token form when the API answers 401, and what
// the caller's role may do, so buttons only show what the server would allow (the server still decides).

import { ApiError, apiGet, onUnauthorized, storeToken, storedToken } from './api-client.js';
import type { Identity, TokenRole } from './api-types.js';
import { SharedState, useSharedState } from './shared-state.js';

export type Session =
  | { status: 'loading' }
  | { status: 'signedIn'; identity: Identity }
  | { status: 'needsToken'; message: string | null }
  | { status: 'failed'; error: ApiError };

export const session = new SharedState<Session>({ status: 'loading' });

/**
 * The token this page just created, kept until the user dismisses it: creating the first token ends
 * tokenless local access, so the page may ask for a token a moment later and must still show this one.
 */
export const createdToken = new SharedState<{ name: string; role: TokenRole; token: string } | null>(null);

const ROLE_ORDER: readonly TokenRole[] = ['viewer', 'deployer', 'approver', 'admin'];

export async function loadSession(): Promise<void> {
  try {
    const identity = await apiGet<Identity>('/api/whoami');
    session.set({ status: 'signedIn', identity });
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError(0, 'ERROR', String(error));
    if (apiError.status === 401) {
      const hadToken = storedToken() !== null;
      storeToken(null);
      session.set({ status: 'needsToken', message: hadToken ? `${apiError.message} ${apiError.hint ?? ''}`.trim() : null });
    } else {
      session.set({ status: 'failed', error: apiError });
    }
  }
}

export async function signIn(token: string): Promise<void> {
  storeToken(token.trim());
  await loadSession();
  if (session.value.status === 'signedIn' && createdToken.value?.token === token.trim()) createdToken.set(null);
}

export function signOut(): void {
  storeToken(null);
  session.set({ status: 'needsToken', message: null });
}

// A token that expires or is revoked while the page is open: ask again rather than fail every call.
onUnauthorized((error) => {
  if (session.value.status !== 'signedIn') return;
  storeToken(null);
  session.set({ status: 'needsToken', message: `${error.message} ${error.hint ?? ''}`.trim() });
});

export function hasRole(identity: Identity, role: TokenRole): boolean {
  return ROLE_ORDER.indexOf(identity.role) >= ROLE_ORDER.indexOf(role);
}

/** The role a change to a stage needs: approver when its profile has `approval: required`. */
export function roleForStage(stage: { approval: 'required' | 'none' }): TokenRole {
  return stage.approval === 'required' ? 'approver' : 'deployer';
}

/** Deploy, roll back or steer a rollout in this stage (docs/api.md: **stage**). */
export function mayChangeStage(identity: Identity, stage: { profile: string; approval: 'required' | 'none' }): boolean {
  return hasRole(identity, roleForStage(stage)) && mayUseProfile(identity, stage.profile);
}

export function mayUseProfile(identity: Identity, profile: string): boolean {
  return identity.profiles === null || identity.profiles.includes(profile);
}

/** Every page below the shell renders only once signed in. */
export function useIdentity(): Identity {
  const current = useSharedState(session);
  if (current.status !== 'signedIn') throw new Error('useIdentity outside a signed-in session');
  return current.identity;
}
