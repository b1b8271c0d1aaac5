import { describe, expect, it } from 'vitest';
import { previewCommentMarker } from './github-reporter.js';
import { previewCommentBody, type PreviewCommentInput } from './preview-comment.js';

const input: PreviewCommentInput = {
  app: 'workshop',
  branch: 'feature/x',
  sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
  stage: 'pr-2',
  urls: { restapi: 'http://127.0.0.1:4601/workshop/pr-2/restapi', database: 'http://127.0.0.1:4601/workshop/pr-2/database' },
  commitUrls: { restapi: 'http://127.0.0.1:4601/workshop/pr-2/restapi@ec26c3e' },
  runUrl: 'http://127.0.0.1:4600/runs/7',
  status: 'succeeded',
};

describe('previewCommentBody', () => {
  it('starts with the marker and lists each service with its URL and the commit’s immutable URL', () => {
    const text = previewCommentBody(input);
    expect(text.startsWith('<!-- sluice:preview:workshop -->\n')).toBe(true);
    expect(previewCommentMarker('workshop')).toBe('<!-- sluice:preview:workshop -->');
    expect(text).toContain('### ✅ Preview ready: `workshop` stage `pr-2`');
    expect(text).toContain('Branch `feature/x` at commit `ec26c3e`.');
    expect(text).toContain('| service | URL | commit ec26c3e (immutable) |');
    expect(text).toContain('| `database` | <http://127.0.0.1:4601/workshop/pr-2/database> | – |');
    expect(text).toContain('| `restapi` | <http://127.0.0.1:4601/workshop/pr-2/restapi> | <http://127.0.0.1:4601/workshop/pr-2/restapi@ec26c3e> |');
    expect(text).toContain('[Pipeline run](http://127.0.0.1:4600/runs/7)');
  });

  it('keeps a hostile branch name inside its code span', () => {
    const text = previewCommentBody({ ...input, branch: 'x`<img src=x onerror=alert(1)>`[click](javascript:alert(1))|' });
    const line = text.split('\n').find((l) => l.startsWith('Branch '))!;
    expect(line).toBe('Branch ``x`<img src=x onerror=alert(1)>`[click](javascript:alert(1))|`` at commit `ec26c3e`.');
  });

  it('renders only http(s) links, encoded so they cannot end the link', () => {
    const text = previewCommentBody({ ...input, urls: { a: 'javascript:alert(1)', b: 'https://x.example/a b)|<c>' }, commitUrls: {}, runUrl: 'file:///etc/passwd' });
    expect(text).toContain('| `a` | – | – |');
    expect(text).toContain('| `b` | <https://x.example/a%20b%29%7C%3Cc%3E> | – |');
    expect(text).not.toContain('javascript:');
    expect(text).not.toContain('Pipeline run');
  });

  it('says when the preview is deploying, failed or removed', () => {
    expect(previewCommentBody({ ...input, status: 'running' })).toContain('Preview deploying');
    expect(previewCommentBody({ ...input, status: 'failed' })).toContain('Preview failed');
    const removed = previewCommentBody({ ...input, status: 'removed' });
    expect(removed).toContain('Preview removed');
    expect(removed).not.toContain('| service |');
  });
});
