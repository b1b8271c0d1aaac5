// Secret masking of the function logs the API returns (`sluice logs`, also with --tail). The gateway masks
// lines before it stores them; this pass masks them again with the secrets as they are now (a secret set
// after a line was stored, or stored before masking existed). Lines of one invocation go through one
// masking stream, so a value split across two lines of the page is caught here too.

import { collectSecretValues, createMaskingStream, SecretMasker, type MaskingStream, type SecretBox } from '../secrets/index.js';
import type { Store, StoredLogEntry } from '../store/index.js';

export async function maskedLogEntries(store: Pick<Store, 'listSecrets'>, box: Pick<SecretBox, 'decrypt'>, entries: StoredLogEntry[]): Promise<StoredLogEntry[]> {
  const masker = new SecretMasker(await collectSecretValues(store, box));
  if (masker.patterns.length === 0) return entries;
  const masked = new Array<StoredLogEntry>(entries.length);
  const streams = new Map<string, MaskingStream<number>>();
  entries.forEach((entry, index) => {
    const key = `${entry.versionId}/${entry.requestId}`;
    let stream = streams.get(key);
    if (stream === undefined) {
      stream = createMaskingStream<number>(masker, (at, message) => (masked[at] = { ...entries[at], message }));
      streams.set(key, stream);
    }
    stream.write(index, entry.message);
  });
  for (const stream of streams.values()) stream.end();
  return masked;
}
