// The dashboard in a real Chromium against a real `sluice up`, with the canary fixture deployed by the CLI:
// a deploy appears on the open overview without a reload; a deep link survives a reload; the keyboard
// reaches the navigation and opens a stage from the matrix; a canary with traffic flowing shows its traffic
// bar, and Abort in the browser rolls it back so the gateway serves the old version again; a viewer token
// sees no button it may not use; the connection banner comes and goes with the control plane.

import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployResult } from '../../src/engine/index.js';
import { createToken, focused, launchBrowser, markDocument, openDashboard, skipBrowserTests, recordAttribute, suiteName, tabTo, type DashboardPage } from '../support/browser.js';
import { ROOT, runCliJson, startUp, tempDir, type RunningControlPlane } from '../support/sluice-process.js';
import { startTraffic } from '../support/traffic.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'canary-app');
const CANARY = '{type: canary, percent: 30, interval: 60s}';

let browser: Browser;
let plane: RunningControlPlane;
let home: Awaited<ReturnType<typeof tempDir>>;
let app: Awaited<ReturnType<typeof tempDir>>;
/** Once tokens exist the CLI needs one too. */
let cliToken: string | undefined;
const opened: DashboardPage[] = [];

const deploy = (stage: string, args: string[] = []) =>
  runCliJson<DeployResult>(['deploy', '--stage', stage, ...args], { cwd: app.path, server: plane.api, env: cliToken ? { SLUICE_TOKEN: cliToken } : {} });
const versionOf = (result: DeployResult) => result.services[0]!.functions[0]!.version;
const helloUrl = (stage: string) => `${plane.gateway}/canary/${stage}/api/hello`;

async function open(path: string, options: Parameters<typeof openDashboard>[2] = {}): Promise<DashboardPage> {
  const dashboard = await openDashboard(browser, plane.api, options);
  opened.push(dashboard);
  await dashboard.page.goto(path);
  return dashboard;
}

describe.skipIf(skipBrowserTests)(suiteName('the dashboard, live, in a browser'), () => {
  beforeAll(async () => {
    home = await tempDir('sluice-web-home-');
    app = await tempDir('sluice-web-app-');
    await cp(FIXTURE, app.path, { recursive: true });
    // No alarms: on a loaded machine a latency alarm could roll a canary back before the test aborts it, and
    // these tests are about the page, not the alarms.
    const manifest = join(app.path, 'api', 'sluice.yml');
    await writeFile(manifest, (await readFile(manifest, 'utf8')).replace(/^deployment:\n(?: .*\n)+/m, ''));
    browser = await launchBrowser();
    plane = await startUp({ home: home.path });
    await deploy('alpha');
  });

  afterAll(async () => {
    await Promise.all(opened.map((d) => d.close().catch(() => undefined)));
    await browser?.close();
    await plane?.stop();
    await app?.remove();
    await home?.remove();
  });

  it('shows a stage deployed from the CLI on the open overview, without a reload', async () => {
    const { page, errors } = await open('/');
    const matrix = page.getByRole('table', { name: /canary: live version/ });
    await expect.poll(() => matrix.locator('thead th').allInnerTexts()).toEqual(['Service', expect.stringContaining('alpha')]);
    const marker = await markDocument(page);

    await deploy('blue');
    await page.getByRole('link', { name: /^api in blue: hello v\d+/ }).waitFor();
    expect(await matrix.locator('thead .stage-name').allInnerTexts()).toEqual(['alpha', 'blue']);
    expect(await marker.sameDocument()).toBe(true);
    expect(errors).toEqual([]);
  });

  it('shows one card per stage on a phone, every stage on screen without scrolling sideways', async () => {
    const { page, errors } = await open('/', { viewport: { width: 390, height: 844 } });
    await page.getByRole('link', { name: /^api in blue: hello v\d+/ }).waitFor();
    expect(await page.getByRole('table', { name: /canary: live version/ }).count()).toBe(0);
    for (const stage of ['alpha', 'blue']) await page.getByRole('heading', { name: stage, exact: true }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
  });

  it('renders the stage page from a deep link, and again after a reload', async () => {
    const { page, errors } = await open('/apps/canary/stages/blue');
    const check = async () => {
      await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('blue');
      await page.getByRole('table', { name: 'Functions of api' }).getByText('hello', { exact: true }).waitFor();
      await page.getByRole('heading', { name: 'Deploy history' }).waitFor();
    };
    await check();
    await page.reload();
    await check();
    expect(page.url()).toBe(`${plane.api}/apps/canary/stages/blue`);
    expect(errors).toEqual([]);
  });

  it('reaches the navigation by Tab and opens a stage from the matrix with Enter', async () => {
    const { page } = await open('/');
    await page.locator('.cell-link').first().waitFor();
    expect(await tabTo(page, '#primary-nav a'), 'Tab never reached the main navigation').toBe(true);
    expect((await focused(page))?.text).toBe('Overview');
    expect(await tabTo(page, '.cell-link'), 'Tab never reached a cell of the matrix').toBe(true);
    expect((await focused(page))?.label).toMatch(/^api in alpha: /);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/apps/canary/stages/alpha');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('alpha');
    // Focus follows the navigation, so a screen reader announces the new page.
    await expect.poll(async () => (await focused(page))?.tag).toBe('H1');
  });

  it('shows a canary shifting traffic, and Abort rolls it back so the gateway serves the old version', async () => {
    const { page, errors } = await open('/apps/canary/stages/blue');
    await page.getByRole('heading', { name: 'Deploy history' }).waitFor();
    const before = await runCliJson<{ services: Array<{ functions: Array<{ live: Array<{ version: number; weight: number }> }> }> }>(['info', '--stage', 'blue'], { cwd: app.path, server: plane.api });
    const oldVersion = before.services[0]!.functions[0]!.live[0]!.version;
    // Before the canary no traffic bar: everything on the old version. From here on, every label the page's
    // traffic bars take is recorded, to see where the bar moves.
    expect(await page.locator('.traffic').count()).toBe(0);
    const marker = await markDocument(page);
    const bars = await recordAttribute(page, '.traffic', 'aria-label');

    const traffic = startTraffic(helloUrl('blue'));
    try {
      // Without --wait the CLI returns once the rollout has started; the rollout goes on in the control plane.
      const canary = await deploy('blue', ['--param', 'edition=2', '--strategy', CANARY]);
      const newVersion = versionOf(canary);
      expect(newVersion).not.toBe(oldVersion);

      // The stage page, open all along, shows the rollout with its traffic bar at the canary's weight.
      const banner = page.getByRole('region', { name: 'Rollout of api in progress' });
      await expect.poll(() => banner.getByRole('img').getAttribute('aria-label'), { timeout: 10_000 }).toBe(`Traffic: v${oldVersion} 70%, v${newVersion} 30%`);
      expect(await marker.sameDocument()).toBe(true);
      // It moved from 0% (the rollout's start, when the page catches it) to 30%, nowhere else.
      const labels = await bars.values();
      expect(labels.at(-1)).toBe(`Traffic: v${oldVersion} 70%, v${newVersion} 30%`);
      // (At 0% the new version has no live weight yet, so the bar may call it "new".)
      const allowed = new RegExp(`^Traffic: v${oldVersion} (100%, (v${newVersion}|new) 0%|70%, v${newVersion} 30%)$`);
      for (const label of labels) expect(label).toMatch(allowed);

      await banner.getByRole('link', { name: 'Open rollout' }).click();
      await page.waitForURL('**/apps/canary/stages/blue/rollouts/api');
      const bar = page.getByRole('region', { name: 'Traffic' }).getByRole('img');
      await expect.poll(() => bar.getAttribute('aria-label')).toBe(`Traffic: v${oldVersion} (old) 70%, v${newVersion} (new) 30%`);
      // Real calls reach the canary.
      await expect.poll(() => traffic.report().byVersion[String(newVersion)] ?? 0, { timeout: 10_000 }).toBeGreaterThan(0);

      await page.getByRole('button', { name: 'Abort' }).click();
      const dialog = page.getByRole('dialog', { name: 'Abort the rollout of api in blue?' });
      await dialog.getByRole('textbox').fill('checked in the browser test');
      await dialog.getByRole('button', { name: 'Abort and roll back' }).click();

      await page.locator('.page-badges [data-status="aborted"]').waitFor({ timeout: 10_000 });
      const outcome = page.getByRole('status').filter({ hasText: 'Aborted by' });
      await expect.poll(() => outcome.innerText()).toMatch(new RegExp(`Aborted by local:\\S+; traffic went back to v${oldVersion}\\.\\s+Reason: checked in the browser test\\.`));
      await expect.poll(() => bar.getAttribute('aria-label')).toBe(`Traffic: v${oldVersion} (old) 100%, v${newVersion} (new) 0%`);
      expect(await page.getByRole('button', { name: 'Abort' }).count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await traffic.stop();
    }
    // Every call after the abort is the old version.
    for (let i = 0; i < 5; i++) {
      const response = await fetch(helloUrl('blue'));
      expect(response.headers.get('x-sluice-version')).toBe(String(oldVersion));
      expect(await response.json()).toEqual({ edition: '1' });
    }
  });

  it('shows a viewer no Abort, Promote or Roll back button, and an admin the same page with them', async () => {
    const admin = await createToken(plane.api, 'web-admin', 'admin');
    const viewer = await createToken(plane.api, 'web-viewer', 'viewer', admin);
    cliToken = admin;
    await deploy('blue', ['--param', 'edition=3', '--strategy', CANARY]);
    try {
      const rolloutPath = '/apps/canary/stages/blue/rollouts/api';
      const asAdmin = await open(rolloutPath, { token: admin });
      await asAdmin.page.getByRole('button', { name: 'Abort' }).waitFor();
      expect(await asAdmin.page.getByRole('group', { name: 'Steer the rollout' }).getByRole('button').allInnerTexts()).toEqual(['Promote', 'Promote fully', 'Pause', 'Abort']);

      const { page, errors } = await open(rolloutPath, { token: viewer });
      await page.getByText('Steering this rollout needs the deployer role.').waitFor();
      await expect.poll(() => page.locator('.identity').innerText()).toMatch(/web-viewer\s+viewer/);
      await expect.poll(() => page.locator('.traffic').getAttribute('aria-label')).toMatch(/30%$/);
      expect(await page.locator('main button').allInnerTexts()).toEqual([]);

      await page.goto('/apps/canary/stages/alpha');
      await page.getByText('Rolling back needs the deployer role.').waitFor();
      expect(await page.getByRole('table', { name: /Deployments of alpha/ }).locator('tbody tr').count()).toBeGreaterThan(0);
      expect(await page.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      const aborted = await fetch(`${plane.api}/api/apps/canary/stages/blue/rollouts/api/abort`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{}' });
      expect(aborted.status).toBe(200);
    }
  });

  it('says so when the control plane goes away, and carries on when it is back on the same port', async () => {
    const { page } = await open('/', { token: cliToken });
    await page.locator('.cell-link').first().waitFor();
    const marker = await markDocument(page);
    const banner = page.getByTestId('connection-banner');
    expect(await banner.count()).toBe(0);

    const { apiPort, gatewayPort } = plane;
    await plane.stop();
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.innerText()).toContain('Connection to the control plane lost');

    plane = await startUp({ home: home.path, apiPort, gatewayPort });
    await banner.waitFor({ state: 'detached', timeout: 20_000 });
    expect(await marker.sameDocument()).toBe(true);
    // The page is live again: a deploy shows up without a reload.
    await deploy('green');
    await page.getByRole('link', { name: /^api in green: hello v\d+/ }).waitFor({ timeout: 10_000 });
  });
});
