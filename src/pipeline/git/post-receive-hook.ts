// The `post-receive` hook `sluice connect git` installs in a repository: after every push it pokes the
// control plane's notify URL, so the branch watcher looks at once instead of at its next poll. Best effort by
// design: the request runs in the background with every stream detached, so it never delays or fails a push,
// and a missing curl/wget or an unreachable control plane only means the next poll sees the change.

import { SluiceError } from '../../errors/index.js';
import { hasControlCharacter } from './git-command.js';

/** The hook's text (POSIX sh); the caller writes it to `hooks/post-receive` with mode 0755. */
export function postReceiveHookScript(notifyUrl: string): string {
  const url = shellQuote(validNotifyUrl(notifyUrl));
  return `#!/bin/sh
# Installed by Sluice (sluice connect git): tells the control plane that branches changed.
# Best effort: never delays or fails the push.
sluice_notify_url=${url}
cat >/dev/null
if command -v curl >/dev/null 2>&1; then
  curl -fsS -m 10 -X POST -o /dev/null "$sluice_notify_url" </dev/null >/dev/null 2>&1 &
elif command -v wget >/dev/null 2>&1; then
  wget -q -T 10 -O /dev/null --post-data= "$sluice_notify_url" </dev/null >/dev/null 2>&1 &
fi
exit 0
`;
}

function validNotifyUrl(notifyUrl: string): string {
  let parsed: URL | null = null;
  try {
    parsed = hasControlCharacter(notifyUrl) ? null : new URL(notifyUrl);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new SluiceError('INVALID_ARGUMENT', `not an http(s) notify URL: ${JSON.stringify(notifyUrl.slice(0, 200))}`);
  }
  return parsed.href;
}

/** One sh word holding `text` literally: single quotes, each `'` written as `'\''`. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
