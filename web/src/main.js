// The page of drover serve: a small router over views, each linkable by URL, each polled
// for live updates (the API answers 304 when nothing changed).
import './style.css';
import { h, notice } from './util.js';
import { runsView, runView } from './views/runs.js';
import { jobsView } from './views/jobs.js';
import { jobView } from './views/job.js';
import { resultsView } from './views/results.js';
import { studiesView, studyView, compareView } from './views/studies.js';

const POLL_MS = 2000;

// [pattern, view factory, nav section]; a factory gets (params, URLSearchParams) and
// returns {node, refresh?(), dispose?()}.
const routes = [
  [/^\/$/, () => runsView(), 'runs'],
  [/^\/runs\/?$/, () => runsView(), 'runs'],
  [/^\/runs\/([^/]+)$/, (m) => runView(decodeURIComponent(m[1])), 'runs'],
  [/^\/jobs\/?$/, (m, q) => jobsView(q), 'jobs'],
  [/^\/jobs\/([^/]+)$/, (m) => jobView(decodeURIComponent(m[1])), 'jobs'],
  [/^\/results\/?$/, (m, q) => resultsView(q), 'results'],
  [/^\/studies\/?$/, () => studiesView(), 'studies'],
  [/^\/compare\/?$/, (m, q) => compareView(q), 'studies'],
  [/^\/studies\/(.+)$/, (m) => studyView(decodeURIComponent(m[1])), 'studies'],
];

let current = null;
let timer = null;
let refreshing = false;

function route() {
  if (current && current.dispose) current.dispose();
  current = null;
  const root = document.getElementById('view');
  root.replaceChildren();
  const path = location.pathname;
  const q = new URLSearchParams(location.search);
  for (const [re, make, nav] of routes) {
    const m = path.match(re);
    if (!m) continue;
    for (const a of document.querySelectorAll('nav a')) {
      a.classList.toggle('active', a.dataset.nav === nav);
    }
    current = make(m, q);
    root.append(current.node);
    return;
  }
  root.append(notice(`No view at ${path}. Try Runs, Jobs, Results or Studies above.`, 'error'));
}

// Goes to `href` inside the page (pushes history, no reload).
export function navigate(href, replace = false) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  route();
  window.scrollTo(0, 0);
}

async function poll() {
  if (refreshing || document.hidden || !current || !current.refresh) return;
  refreshing = true;
  const live = document.getElementById('live');
  try {
    await current.refresh();
    live.className = 'live ok';
    live.title = 'live: updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    live.className = 'live down';
    live.title = String(e.message || e);
  } finally {
    refreshing = false;
  }
}

document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a');
  if (!a || ev.defaultPrevented || ev.button !== 0) return;
  if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  if (a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
  ev.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', route);
document.addEventListener('visibilitychange', poll);

window.drover = { navigate };
route();
timer = setInterval(poll, POLL_MS);
void h;
void timer;
