// Routes on the History API: every page has a URL that can be shared and reloaded. Plain `<a href="/…">`
// links navigate in place (one document-level click handler), so pages write ordinary links.

import { SharedState } from './shared-state.js';

export type Route =
  | { page: 'overview' }
  | { page: 'stage'; app: string; stage: string }
  | { page: 'rollout'; app: string; stage: string; service: string }
  | { page: 'runs' }
  | { page: 'run'; id: string }
  | { page: 'settings' }
  | { page: 'notFound'; path: string };

export interface Location {
  route: Route;
  path: string;
  query: URLSearchParams;
}

const PATTERNS: Array<[RegExp, (m: string[]) => Route]> = [
  [/^\/$/, () => ({ page: 'overview' })],
  [/^\/apps\/([^/]+)\/stages\/([^/]+)$/, ([, app, stage]) => ({ page: 'stage', app: app!, stage: stage! })],
  [/^\/apps\/([^/]+)\/stages\/([^/]+)\/rollouts\/([^/]+)$/, ([, app, stage, service]) => ({ page: 'rollout', app: app!, stage: stage!, service: service! })],
  [/^\/runs$/, () => ({ page: 'runs' })],
  [/^\/runs\/([^/]+)$/, ([, id]) => ({ page: 'run', id: id! })],
  [/^\/settings$/, () => ({ page: 'settings' })],
];

function parseRoute(pathname: string): Route {
  const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(trimmed);
    if (!match) continue;
    try {
      return build(match.map((part) => decodeURIComponent(part)));
    } catch {
      break;
    }
  }
  return { page: 'notFound', path: pathname };
}

function readLocation(): Location {
  return { route: parseRoute(window.location.pathname), path: window.location.pathname, query: new URLSearchParams(window.location.search) };
}

export const location = new SharedState<Location>(readLocation());

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  const url = new URL(href, window.location.href);
  const target = url.pathname + url.search + url.hash;
  if (target === window.location.pathname + window.location.search + window.location.hash) return;
  if (options.replace) window.history.replaceState(null, '', target);
  else window.history.pushState(null, '', target);
  const previousPath = location.value.path;
  location.set(readLocation());
  if (!options.replace && url.pathname !== previousPath) window.scrollTo(0, 0);
}

/** Changes the query string of the current page without a history entry per keystroke (filters). */
export function setQuery(query: Record<string, string | undefined>): void {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const search = params.toString();
  navigate(window.location.pathname + (search ? `?${search}` : ''), { replace: true });
}

export function startRouter(): () => void {
  const onPopState = () => location.set(readLocation());
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download') || anchor.origin !== window.location.origin) return;
    const href = anchor.getAttribute('href');
    if (!href?.startsWith('/') || href.startsWith('/api/') || href.startsWith('/hooks/')) return;
    event.preventDefault();
    navigate(href);
  };
  window.addEventListener('popstate', onPopState);
  document.addEventListener('click', onClick);
  return () => {
    window.removeEventListener('popstate', onPopState);
    document.removeEventListener('click', onClick);
  };
}

const seg = encodeURIComponent;

export const paths = {
  overview: () => '/',
  stage: (app: string, stage: string) => `/apps/${seg(app)}/stages/${seg(stage)}`,
  rollout: (app: string, stage: string, service: string) => `/apps/${seg(app)}/stages/${seg(stage)}/rollouts/${seg(service)}`,
  runs: (query: Record<string, string | undefined> = {}) => {
    const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => Boolean(entry[1])));
    const search = params.toString();
    return `/runs${search ? `?${search}` : ''}`;
  },
  run: (id: string) => `/runs/${seg(id)}`,
  settings: () => '/settings',
};
