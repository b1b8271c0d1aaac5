// The shell around every page: header with the main navigation, who is signed in and the theme toggle; the
// connection banner; the page the URL names; toasts. It starts the event stream once signed in.

import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { loadSession, session, signOut } from './auth.js';
import { ConnectionBanner } from './components/connection-banner.js';
import { ErrorNotice, Loading } from './components/error-notice.js';
import { Icon } from './components/icon.js';
import { ToastRegion } from './components/toast-region.js';
import { TokenForm } from './components/token-form.js';
import { events } from './event-stream.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { OverviewPage } from './pages/overview-page.js';
import { RolloutPage } from './pages/rollout-page.js';
import { RunPage } from './pages/run-page.js';
import { RunsPage } from './pages/runs-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { StagePage } from './pages/stage-page.js';
import { location, paths, type Route } from './router.js';
import { useSharedState } from './shared-state.js';
import { chooseTheme, nextTheme, theme } from './theme.js';

const NAV: Array<{ label: string; href: string; matches: Array<Route['page']> }> = [
  { label: 'Overview', href: paths.overview(), matches: ['overview', 'stage', 'rollout'] },
  { label: 'Runs', href: paths.runs(), matches: ['runs', 'run'] },
  { label: 'Settings', href: paths.settings(), matches: ['settings'] },
];

export function App() {
  const current = useSharedState(session);
  const { route, path } = useSharedState(location);
  const signedIn = current.status === 'signedIn';

  useEffect(() => {
    if (!signedIn) return;
    events.start();
    return () => events.stop();
  }, [signedIn]);

  // An unreachable control plane at load: try again until it answers.
  useEffect(() => {
    if (current.status !== 'failed') return;
    const timer = setTimeout(() => void loadSession(), 3000);
    return () => clearTimeout(timer);
  }, [current]);

  // After a navigation, focus the new page's heading so screen readers announce it.
  const firstPath = useRef(path);
  useEffect(() => {
    if (path === firstPath.current) return;
    firstPath.current = '';
    requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus({ preventScroll: true }));
  }, [path]);

  return html`<a class="skip-link" href="#main" onClick=${skipToMain}>Skip to content</a>
    <${TopBar} route=${route} />
    <${ConnectionBanner} />
    <main id="main" class="main" tabindex="-1">
      ${current.status === 'loading'
        ? html`<${Loading} label="Connecting to the control plane" />`
        : current.status === 'needsToken'
          ? html`<${TokenForm} message=${current.message} />`
          : current.status === 'failed'
            ? html`<${ErrorNotice} error=${current.error} title="Cannot reach the control plane" onRetry=${() => void loadSession()} />`
            : html`<${Page} route=${route} />`}
    </main>
    <${ToastRegion} />`;
}

function skipToMain(event: Event) {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return html`<${OverviewPage} />`;
    case 'stage':
      return html`<${StagePage} key=${`${route.app}/${route.stage}`} app=${route.app} stage=${route.stage} />`;
    case 'rollout':
      return html`<${RolloutPage} key=${`${route.app}/${route.stage}/${route.service}`} app=${route.app} stage=${route.stage} service=${route.service} />`;
    case 'runs':
      return html`<${RunsPage} />`;
    case 'run':
      return html`<${RunPage} key=${route.id} id=${route.id} />`;
    case 'settings':
      return html`<${SettingsPage} />`;
    case 'notFound':
      return html`<${NotFoundPage} path=${route.path} />`;
  }
}

const THEME_ICONS = { system: 'monitor', light: 'sun', dark: 'moon' } as const;
function TopBar({ route }: { route: Route }) {
  const current = useSharedState(session);
  const choice = useSharedState(theme);
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [route]);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setMenuOpen(false);
      document.querySelector<HTMLElement>('.nav-toggle')?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);
  const identity = current.status === 'signedIn' ? current.identity : null;
  const next = nextTheme(choice);
  return html`<header class="topbar">
    <div class="topbar-inner">
      <a class="brand" href="/" aria-label="Sluice overview">
        <svg class="brand-mark" width="22" height="22" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" /><path d="M8 11h16M8 16h11M8 21h6" /></svg>
        <span>Sluice</span>
      </a>
      ${identity
        ? html`<button
              type="button"
              class="icon-button nav-toggle"
              aria-expanded=${menuOpen ? 'true' : 'false'}
              aria-controls="primary-nav"
              aria-label="Menu"
              onClick=${() => setMenuOpen(!menuOpen)}
            >
              <${Icon} name=${menuOpen ? 'x' : 'menu'} size=${18} />
            </button>
            <nav id="primary-nav" class=${`primary-nav ${menuOpen ? 'open' : ''}`} aria-label="Main">
              <ul>
                ${NAV.map(
                  (item) => html`<li key=${item.href}>
                    <a href=${item.href} class="nav-link" aria-current=${item.matches.includes(route.page) ? 'page' : undefined}>${item.label}</a>
                  </li>`,
                )}
              </ul>
            </nav>`
        : null}
      <div class="topbar-end">
        ${identity
          ? html`<span class="identity" title=${identity.profiles ? `Profiles: ${identity.profiles.join(', ')}` : 'Every profile'}>
              <span class="identity-name">${identity.name}</span>
              <span class="tag">${identity.role}</span>
            </span>`
          : null}
        <button
          type="button"
          class="icon-button"
          onClick=${() => chooseTheme(next)}
          aria-label=${`Theme: ${choice}. Switch to ${next}`}
          title=${`Theme: ${choice} (switch to ${next})`}
        >
          <${Icon} name=${THEME_ICONS[choice]} size=${18} />
        </button>
        ${identity?.kind === 'token' ? html`<button type="button" class="button button-small button-ghost" onClick=${signOut}>Sign out</button>` : null}
      </div>
    </div>
  </header>`;
}
