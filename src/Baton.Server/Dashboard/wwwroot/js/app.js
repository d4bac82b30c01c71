// The dashboard's shell: signs in, routes between pages without reloading, and closes a page's live streams when
// another page is shown.
import { h, replace, errorBox } from './dom.js';
import { session, loadSession, signOut } from './api.js';

const routes = [
  [/^\/$/, () => import('./pages/overview.js')],
  [/^\/jobs$/, () => import('./pages/jobs.js')],
  [/^\/jobs\/([^/]+)$/, () => import('./pages/job.js')],
  [/^\/packages$/, () => import('./pages/packages.js')],
  [/^\/packages\/([^/]+)$/, () => import('./pages/packages.js')],
  [/^\/schedules$/, () => import('./pages/schedules.js')],
  [/^\/agents$/, () => import('./pages/agents.js')],
  [/^\/assets-and-credentials$/, () => import('./pages/assets.js')],
  [/^\/work-items$/, () => import('./pages/workitems.js')],
  [/^\/work-items\/([^/]+)$/, () => import('./pages/workitem-queue.js')],
  [/^\/events$/, () => import('./pages/events.js')],
  [/^\/system$/, () => import('./pages/system.js')],
];

const main = document.getElementById('main');
let cleanup = null;
let renderId = 0;

async function render() {
  const id = ++renderId;
  if (cleanup) { cleanup(); cleanup = null; }
  const path = location.pathname;
  if (!session.signedIn || path === '/sign-in') {
    showChrome(false);
    const page = await import('./pages/signin.js');
    if (id === renderId) cleanup = page.render(main, { next: path === '/sign-in' ? '/' : path + location.search, navigate }) ?? null;
    return;
  }
  showChrome(true);
  for (const [pattern, load] of routes) {
    const match = path.match(pattern);
    if (!match) continue;
    try {
      const page = await load();
      if (id !== renderId) return;
      const params = new URLSearchParams(location.search);
      cleanup = page.render(main, { args: match.slice(1).map(decodeURIComponent), params, navigate }) ?? null;
    } catch (error) {
      replace(main, errorBox(error));
    }
    markCurrent(path);
    return;
  }
  replace(main, h('h1', {}, 'Not found'), h('p', {}, 'There is no such page.'));
}

export function navigate(href, { replaceState = false } = {}) {
  if (replaceState) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  render();
}

function showChrome(signedIn) {
  document.getElementById('nav').hidden = !signedIn;
  document.getElementById('sign-out').hidden = !signedIn;
  document.getElementById('nav-system').hidden = !(signedIn && session.systemAdmin);
  const who = document.getElementById('who');
  who.textContent = signedIn ? `${session.tenantName} · ${session.role}` : '';
}

function markCurrent(path) {
  for (const a of document.querySelectorAll('#nav a')) {
    const href = a.getAttribute('href');
    const current = href === '/' ? path === '/' : path === href || path.startsWith(href + '/');
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// Same-origin links marked data-nav change page without a reload (a modified click opens a tab as usual).
document.addEventListener('click', event => {
  const a = event.target.closest?.('a[data-nav]');
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(a.getAttribute('href'));
  main.focus({ preventScroll: true });
});
window.addEventListener('popstate', render);
window.addEventListener('baton:signed-out', () => render());

document.getElementById('sign-out').addEventListener('click', async () => {
  await signOut();
  navigate('/sign-in');
});

const themeButton = document.getElementById('theme');
function applyTheme(theme) {
  if (theme) document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}
applyTheme(localStorage.getItem('baton-theme'));
themeButton.addEventListener('click', () => {
  const dark = document.documentElement.dataset.theme
    ? document.documentElement.dataset.theme === 'dark'
    : matchMedia('(prefers-color-scheme: dark)').matches;
  const next = dark ? 'light' : 'dark';
  localStorage.setItem('baton-theme', next);
  applyTheme(next);
});

// While a call waits out a busy server's Retry-After, the shell says so (api.js sends the text, '' when done).
const notice = document.getElementById('notice');
window.addEventListener('baton:busy', event => {
  notice.textContent = event.detail.text;
  notice.hidden = !event.detail.text;
});

// The page's module loads while the session is asked for, not after: one round trip less before a deep link shows.
routes.find(([pattern]) => pattern.test(location.pathname))?.[1]().catch(() => {});
loadSession().then(render, error => replace(main, errorBox(error)));
