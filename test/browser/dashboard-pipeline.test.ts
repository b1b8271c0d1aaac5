// The dashboard in a real Chromium on a git-driven app: the pipeline fixture in a local git repository,
// connected to a real `sluice up`, so master deploys staging and a push to prod waits for an approver. A
// viewer sees the waiting run without the buttons; an approver who is not the commit's author approves it in
// the page and prod deploys. A secret typed into Settings never comes back: not in the page's HTML, not in
// any API answer or event the page receives, while its name does.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRunRecord } from '../../src/store/index.js';
import { createToken, launchBrowser, openDashboard, recordResponses, skipBrowserTests, suiteName, type DashboardPage } from '../support/browser.js';
import { hello, pipelineClient, shopRepository, type PipelineClient, type ShopRepository } from '../support/pipeline-harness.js';
import { startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';

let browser: Browser;
let plane: RunningControlPlane;
let home: Awaited<ReturnType<typeof tempDir>>;
let repo: ShopRepository;
let client: PipelineClient;
const tokens = { admin: '', approver: '', viewer: '' };
let prodRun: PipelineRunRecord;
const opened: DashboardPage[] = [];

async function open(path: string, token?: string): Promise<DashboardPage> {
  const dashboard = await openDashboard(browser, plane.api, { token });
  opened.push(dashboard);
  await dashboard.page.goto(path);
  return dashboard;
}

describe.skipIf(skipBrowserTests)(suiteName('the dashboard on a git-driven app, in a browser'), () => {
  beforeAll(async () => {
    home = await tempDir('sluice-web-pipeline-home-');
    browser = await launchBrowser();
    plane = await startUp({ home: home.path });
    repo = await shopRepository('sluice-web-pipeline-repo-');
    // Open on loopback until the first token: that one is created as the local admin.
    tokens.admin = await createToken(plane.api, 'web-admin', 'admin');
    tokens.approver = await createToken(plane.api, 'bob', 'approver', tokens.admin);
    tokens.viewer = await createToken(plane.api, 'vera', 'viewer', tokens.admin);
    client = pipelineClient(() => plane.api, { token: tokens.admin });
    // The fixture's check needs a secret in the profiles it deploys.
    for (const profile of ['staging', 'prod']) await client.api(`/api/profiles/${profile}/secrets/CHECK_TOKEN`, { method: 'PUT', body: JSON.stringify({ value: `${profile}-check-token` }) });
    const { repository } = await client.api<{ repository: { id: string } }>('/api/repositories', { method: 'POST', body: JSON.stringify({ app: 'shop', kind: 'git', url: repo.remote, pollIntervalMs: 0 }) });
    const staging = await client.waitForRun((r) => r.branch === 'master');
    if (staging.status !== 'succeeded') throw new Error(`staging run ${staging.status}: ${staging.reason}\n${await client.logsOf(staging)}`);
    // The commits are Alice's; prod has preventSelfReview.
    await repo.git('checkout', '--quiet', '-b', 'prod');
    await repo.git('push', '--quiet', 'origin', 'prod');
    await client.api(`/hooks/git/${repository.id}`, { method: 'POST' });
    prodRun = await client.waitForRun((r) => r.branch === 'prod', ['awaiting_approval', 'succeeded', 'failed', 'canceled', 'rejected']);
    if (prodRun.status !== 'awaiting_approval') throw new Error(`prod run ${prodRun.status}: ${prodRun.reason}\n${await client.logsOf(prodRun)}`);
  });

  afterAll(async () => {
    await Promise.all(opened.map((d) => d.close().catch(() => undefined)));
    await browser?.close();
    await plane?.stop();
    await repo?.remove();
    await home?.remove();
  });

  it('shows a viewer the run awaiting approval, who may approve it, and no button to do it', async () => {
    const { page, errors } = await open(`/runs/${prodRun.id}`, tokens.viewer);
    const approval = page.getByRole('region', { name: 'Waiting for approval to deploy prod' });
    await approval.waitFor();
    expect(await approval.innerText()).toContain("other than the commit's author (Alice)");
    expect(await approval.innerText()).toContain('You are signed in as vera (viewer), who may not approve.');
    expect(await page.locator('.page-badges [data-status="awaiting_approval"]').count()).toBe(1);
    for (const name of ['Approve', 'Reject', 'Cancel run']) expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    expect(errors).toEqual([]);
  });

  it('lets an approver who is not the author approve in the page, and prod deploys', async () => {
    expect((await hello(`${plane.gateway}/shop/prod/api/hello`)).status).toBe(404);
    // Tokens exist, so the page asks for one before it shows the run.
    const { page, errors } = await open(`/runs/${prodRun.id}`);
    await page.getByRole('heading', { name: 'Sign in to Sluice' }).waitFor();
    await page.getByLabel('API token').fill(tokens.approver);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.locator('.identity').innerText()).toMatch(/bob\s+approver/);
    const approval = page.getByRole('region', { name: 'Waiting for approval to deploy prod' });
    await approval.getByLabel(/Comment/).fill('staging looks right');
    await approval.getByRole('button', { name: 'Approve', exact: true }).click();

    // The run page follows the run live: promotion, the canary, then success.
    await page.locator('.page-badges [data-status="succeeded"]').waitFor({ timeout: 45_000 });
    await expect.poll(() => page.locator('.callout.tone-ok').first().innerText()).toMatch(/^Approved by bob .*: “?staging looks right”?/);
    expect(await page.getByRole('button', { name: 'Approve', exact: true }).count()).toBe(0);
    expect((await hello(`${plane.gateway}/shop/prod/api/hello`)).body).toEqual({ edition: 'one', env: 'prod' });
    const run = (await client.runs()).find((r) => r.id === prodRun.id)!;
    expect(run.status).toBe('succeeded');
    expect(run.state.approval).toMatchObject({ decision: 'approved', by: 'bob', comment: 'staging looks right' });
    expect(errors).toEqual([]);
  });

  it('never sends a secret set in Settings back to the page, while its name shows', async () => {
    const SECRET = 'sk_live_dashboard_e2e_5c1f9a7d';
    const dashboard = await openDashboard(browser, plane.api, { token: tokens.admin });
    opened.push(dashboard);
    const { page, errors } = dashboard;
    const responses = await recordResponses(page);
    await page.goto('/settings');

    const staging = page.getByRole('article', { name: 'staging', exact: true });
    await staging.getByRole('button', { name: 'Add a secret to staging' }).click();
    await staging.getByLabel('Name', { exact: true }).fill('STRIPE_KEY');
    await staging.getByLabel('Value', { exact: true }).fill(SECRET);
    await staging.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Secret STRIPE_KEY set in staging').waitFor();
    await staging.locator('.secret-name', { hasText: 'STRIPE_KEY' }).waitFor();
    // The stage page (reached in the page, so the recording goes on) lists the profile's secrets by name, masked.
    await staging.getByRole('link', { name: 'shop/staging' }).click();
    await page.waitForURL('**/apps/shop/stages/staging');
    const params = page.getByRole('region', { name: 'Parameters' });
    await params.getByText('STRIPE_KEY').waitFor();
    expect(await params.locator('.kv-row', { hasText: 'STRIPE_KEY' }).innerText()).toContain('••••••••');

    // The live event of the change came too, naming the secret (the recorder sees the stream).
    const streamed = async () => (await responses.bodies()).find((b) => new URL(b.url).pathname === '/api/events')?.body ?? '';
    await expect.poll(streamed).toMatch(/secret\.set.*STRIPE_KEY/);

    const html = await page.content();
    expect(html).toContain('STRIPE_KEY');
    expect(html).not.toContain(SECRET);
    const bodies = await responses.bodies();
    const api = bodies.filter((b) => new URL(b.url).pathname.startsWith('/api/'));
    expect(api.map((b) => new URL(b.url).pathname)).toEqual(expect.arrayContaining(['/api/profiles', '/api/events']));
    expect(api.filter((b) => b.body.includes(SECRET)).map((b) => b.url)).toEqual([]);
    // The name did come back, in the profiles.
    expect(api.some((b) => b.url.includes('/api/profiles') && b.body.includes('STRIPE_KEY'))).toBe(true);
    expect(bodies.filter((b) => b.body.includes(SECRET))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
