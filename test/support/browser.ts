// What the dashboard's browser tests share: Debian's Chromium driven by playwright-core (one browser per test
// file), a page on a running control plane signed in with a token or open on loopback, the errors the page
// threw, and a recorder of every response body the page received, event stream included.
//
// Without Chromium at /usr/bin/chromium the browser tests are skipped with a message, except on CI (`CI`
// set), where they must run: there, launching fails and says how to install it.

import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page, type Response as PageResponse } from 'playwright-core';

/** Debian's Chromium; SLUICE_CHROMIUM names another build (or a missing one, to try the skip). */
export const CHROMIUM_PATH = process.env.SLUICE_CHROMIUM || '/usr/bin/chromium';

// The callbacks given to page.evaluate and addInitScript run in Chromium, but this file is typechecked for
// Node (no DOM library, on purpose: the server must not see `window`). These module-scoped declarations name
// the few browser globals the callbacks use; at run time the names are the page's own.
interface InPageElement {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  matches(selector: string): boolean;
}
declare const document: { activeElement: InPageElement | null; body: unknown; querySelector(selector: string): InPageElement | null };
declare const sessionStorage: { setItem(key: string, value: string): void };
declare const MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, unknown>): void };
/** What the recorders keep on the page's global object. */
type PageGlobals = typeof globalThis & { __sluiceMark?: string; __sluiceStreams?: Array<{ url: string; text: string }>; __sluiceRecords?: Record<string, string[]> };

/** Why this machine skips the browser tests, or null when they run (always on CI). */
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return null;
  return `no Chromium at ${CHROMIUM_PATH}: the dashboard's browser tests are skipped; \`apt-get install -y chromium\` (as .ci/run does) runs them`;
}

const skipReason = browserSkipReason();
if (skipReason) console.warn(`[browser tests] ${skipReason}`);

/** `describe` names for browser suites: a skipped suite says why in the report. */
export function suiteName(name: string): string {
  return skipReason ? `${name} (skipped: ${skipReason})` : name;
}

export const skipBrowserTests = skipReason !== null;

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is missing at ${CHROMIUM_PATH} and CI must run the dashboard's browser tests: install it with \`apt-get install -y chromium\` (.ci/run does).`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

export interface DashboardPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions and console errors of the page, for an assertion that there were none. */
  errors: string[];
  close(): Promise<void>;
}

export interface PageOptions {
  /** An API token, put in the session before the page loads (what the sign-in form does). */
  token?: string;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
}

/** A new browser context (its own session storage) with one page on the control plane at `api`. */
export async function openDashboard(browser: Browser, api: string, options: PageOptions = {}): Promise<DashboardPage> {
  const context = await browser.newContext({ baseURL: api, viewport: options.viewport ?? { width: 1280, height: 800 }, colorScheme: options.colorScheme ?? 'light' });
  if (options.token) await context.addInitScript((token) => sessionStorage.setItem('sluice.token', token), options.token);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A fetch the browser reports as failed while a test stops the control plane is expected there.
    if (message.type() === 'error' && !/Failed to load resource|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE/.test(message.text())) errors.push(`console: ${message.text()}`);
  });
  return { page, context, errors, close: () => context.close() };
}

/** Marks the current document; `sameDocument` is false once the page navigated or reloaded. */
export async function markDocument(page: Page): Promise<{ sameDocument(): Promise<boolean> }> {
  const mark = `mark-${Math.random().toString(36).slice(2)}`;
  await page.evaluate((value) => ((globalThis as PageGlobals).__sluiceMark = value), mark);
  return { sameDocument: () => page.evaluate((value) => (globalThis as PageGlobals).__sluiceMark === value, mark) };
}

export interface ResponseRecorder {
  /** Every body received so far, once the pending ones are read: `{ url, body }`, event streams included. */
  bodies(): Promise<Array<{ url: string; body: string }>>;
}

/**
 * Records the body of every response the page receives. Ordinary responses through Playwright's `response`
 * event; the server-sent event stream never finishes while the page is open, so an init script tees it inside
 * the page (the page reads it with fetch) and the recorder reads the copy. Install before the first `goto`.
 */
export async function recordResponses(page: Page): Promise<ResponseRecorder> {
  await page.addInitScript(() => {
    const streams: Array<{ url: string; text: string }> = [];
    (globalThis as PageGlobals).__sluiceStreams = streams;
    const original = globalThis.fetch.bind(globalThis);
    globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
      const response = await original(...args);
      if (!response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) return response;
      const [forPage, forTest] = response.body.tee();
      const record = { url: response.url, text: '' };
      streams.push(record);
      void (async () => {
        const reader = forTest.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          record.text += value;
        }
      })().catch(() => undefined);
      return new Response(forPage, { status: response.status, statusText: response.statusText, headers: response.headers });
    };
  });
  const pending: Array<Promise<{ url: string; body: string } | null>> = [];
  const isStream = (response: PageResponse) => (response.headers()['content-type'] ?? '').includes('text/event-stream');
  page.on('response', (response) => {
    if (isStream(response)) return;
    // A body the browser dropped (a navigation away, an aborted fetch) never reached the page.
    pending.push(response.text().then((body) => ({ url: response.url(), body }), () => null));
  });
  return {
    async bodies() {
      const ordinary = (await Promise.all(pending)).filter((entry): entry is { url: string; body: string } => entry !== null);
      const streams = page.isClosed() ? [] : await page.evaluate(() => (globalThis as PageGlobals).__sluiceStreams ?? []);
      return [...ordinary, ...streams.map((s) => ({ url: s.url, body: s.text }))];
    },
  };
}

/**
 * Records every value `attribute` takes on the first element matching `selector`, from now on (a
 * MutationObserver in the page), so a test can see where something moved, not only where it ended.
 */
export async function recordAttribute(page: Page, selector: string, attribute: string): Promise<{ values(): Promise<string[]> }> {
  const key = `${selector}@${attribute}`;
  await page.evaluate(
    ([key, selector, attribute]) => {
      const seen: string[] = [];
      const globals = globalThis as PageGlobals;
      globals.__sluiceRecords = { ...globals.__sluiceRecords, [key]: seen };
      new MutationObserver(() => {
        const value = document.querySelector(selector)?.getAttribute(attribute);
        if (value && seen[seen.length - 1] !== value) seen.push(value);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: [attribute] });
    },
    [key, selector, attribute] as const,
  );
  return { values: () => page.evaluate((key) => [...((globalThis as PageGlobals).__sluiceRecords?.[key] ?? [])], key) };
}

/** The focused element: its tag, text and accessible label. */
export function focused(page: Page): Promise<{ tag: string; text: string; label: string | null } | null> {
  return page.evaluate(() => {
    const element = document.activeElement;
    return element ? { tag: element.tagName, text: (element.textContent ?? '').trim(), label: element.getAttribute('aria-label') } : null;
  });
}

/** Presses Tab until `selector` matches the focused element; false after `limit` presses. */
export async function tabTo(page: Page, selector: string, limit = 40): Promise<boolean> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return true;
  }
  return false;
}

/** Creates an API token (the first one as the tokenless local admin, later ones with `admin`). */
export async function createToken(api: string, name: string, role: 'viewer' | 'deployer' | 'approver' | 'admin', admin?: string): Promise<string> {
  const response = await fetch(`${api}/api/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(admin ? { authorization: `Bearer ${admin}` } : {}) },
    body: JSON.stringify({ name, role }),
  });
  const body = (await response.json()) as { token?: string; error?: { message: string } };
  if (!response.ok || !body.token) throw new Error(`creating token ${name} failed: ${response.status} ${body.error?.message}`);
  return body.token;
}
