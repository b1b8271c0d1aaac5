// The Quick start's main command: `sluice demo` runs the whole workflow on the embedded store and exits 0
// only when every stage answered and every pipeline run ended as the workflow says.

import { describe, expect, it } from 'vitest';
import { runCli } from '../support/sluice-process.js';

describe('sluice demo', () => {
  it('deploys the stages, then drives a preview, staging and an approved prod from git pushes', async () => {
    const result = await runCli(['demo'], { env: { SLUICE_URL: '' } });
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const out = result.stdout;
    expect(out).toContain('including alice\'s');
    expect(out).toMatch(/Pushed branch feature\/Greeting: run #\d+ succeeded .* checkout → checks → deploy → integration/);
    expect(out).toContain('"hello from a preview"');
    expect(out).toMatch(/Merged to master: run #\d+ succeeded .* staging serves the greeting/);
    expect(out).toMatch(/Pushed prod: run #\d+ awaiting approval/);
    expect(out).toContain('same code hashes as staging');
    expect(out).toMatch(/Deleted the branch: run #\d+ succeeded .* the preview answers 404/);
  });
});
