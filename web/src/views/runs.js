// Runs: the list of runs with their progress, and one run's live progress (done,
// running, failed, reused, rate, ETA) with its step graph and counts per state.
import { getData } from '../api.js';
import { h, link, fmtDuration, fmtTime, listOf, notice, stateBadge } from '../util.js';

const STATES = ['succeeded', 'running', 'pending', 'failed', 'skipped', 'cancelled'];

// Counts of a run as [[step, {state: n}]], whether the API gives an object or a list.
export function stepCounts(run) {
  const c = run.counts || {};
  if (Array.isArray(c)) return c.map((e) => [e.step || e.name, e.counts || e.states || {}]);
  // `steps` lists the step names in plan order (an object's keys come sorted).
  const order = (run.steps || []).map((s) => (typeof s === 'string' ? s : s.name));
  const rest = Object.keys(c).filter((k) => !order.includes(k));
  return [...order, ...rest].filter((k) => k in c).map((k) => [k, c[k]]);
}

// Totals over steps: {state: n, total}.
export function totals(run) {
  const t = { total: 0 };
  for (const [, states] of stepCounts(run)) {
    for (const [s, n] of Object.entries(states)) {
      t[s] = (t[s] || 0) + n;
      t.total += n;
    }
  }
  return t;
}

// A stacked progress bar of `t` (totals).
function progressBar(t) {
  const bar = h('div.progress', { title: STATES.map((s) => `${s}: ${t[s] || 0}`).join(', ') });
  for (const s of STATES) {
    if (!t[s]) continue;
    bar.append(h(`span.seg.s-${s}`, { style: { width: `${(100 * t[s]) / t.total}%` } }));
  }
  return bar;
}

// Rate (jobs per second) and ETA of a run from its totals and times.
function rateEta(run, t) {
  const now = Date.now() / 1000;
  const end = run.ended || now;
  const elapsed = run.started ? Math.max(end - run.started, 1e-3) : 0;
  const finished = (t.succeeded || 0) + (t.failed || 0) + (t.skipped || 0) + (t.cancelled || 0);
  const ran = Math.max(finished - (run.reused || 0), 0);
  const rate = elapsed ? ran / elapsed : 0;
  const left = (t.pending || 0) + (t.running || 0);
  const eta = !run.ended && rate > 0 && left > 0 ? left / rate : null;
  return { elapsed, rate, left, eta };
}

function runRow(run) {
  const t = totals(run);
  return h('tr', { 'data-run': run.id },
    h('td', link(`/runs/${run.id}`, `#${run.id}`)),
    h('td', run.workflow || ''),
    h('td', stateBadge(run.state)),
    h('td', fmtTime(run.started)),
    h('td.num', fmtDuration((run.ended || Date.now() / 1000) - run.started)),
    h('td.wide', progressBar(t)),
    h('td.num', `${(t.succeeded || 0)}/${t.total}`),
    h('td.num', run.ran ?? ''), h('td.num', run.reused ?? ''), h('td.num', run.failed ?? ''));
}

// The list of runs, newest first.
export function runsView() {
  const body = h('tbody');
  const empty = h('div');
  const node = h('section.view', h('h1', 'Runs'),
    h('div.card', h('table.grid#runs',
      h('thead', h('tr', ['Run', 'Workflow', 'State', 'Started', 'Duration', 'Progress',
        'Succeeded', 'Ran', 'Reused', 'Failed'].map((c) => h('th', c)))), body)), empty);
  async function refresh() {
    const runs = listOf(await getData('/api/v1/runs'), 'runs');
    body.replaceChildren(...runs.map(runRow));
    empty.replaceChildren(runs.length ? '' :
      notice('No runs in this store yet: `drover run WORKFLOW.yaml` in its folder starts one.'));
  }
  refresh().catch((e) => empty.replaceChildren(notice(e.message, 'error')));
  return { node, refresh };
}

function stat(label, value, cls = '') {
  return h(`div.stat${cls}`, h('div.value', String(value)), h('div.label', label));
}

// Each step's upstream steps, from the run's `graph` ([{name, after}]); empty without one.
function upstream(run) {
  const deps = new Map();
  for (const s of run.graph || run.steps || []) {
    if (s && typeof s === 'object') deps.set(s.name, s.after || []);
  }
  return deps;
}

// Lays steps out in columns by depth (a step sits one column right of its deepest
// upstream step); without dependencies, one column per step in plan order.
function layers(deps, steps) {
  const depth = new Map();
  const d = (name, seen = new Set()) => {
    if (depth.has(name)) return depth.get(name);
    if (seen.has(name)) return 0;
    seen.add(name);
    const v = Math.max(-1, ...(deps.get(name) || []).map((p) => d(p, seen))) + 1;
    depth.set(name, v);
    return v;
  };
  const out = [];
  steps.forEach(([name], i) => {
    const k = deps.size ? d(name) : i;
    (out[k] = out[k] || []).push(name);
  });
  return out.filter(Boolean);
}

// Draws an SVG arrow from each upstream step's box to its downstream step's box, over
// `graph` (once it is laid out); redrawn when the graph changes size.
function drawEdges(graph, deps) {
  const NS = 'http://www.w3.org/2000/svg';
  const draw = () => {
    graph.querySelector('svg.edges')?.remove();
    const box = graph.getBoundingClientRect();
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('class', 'edges');
    svg.setAttribute('width', graph.scrollWidth);
    svg.setAttribute('height', graph.scrollHeight);
    const defs = document.createElementNS(NS, 'defs');
    defs.innerHTML = '<marker id="edge-head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
      + 'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z"></path></marker>';
    svg.append(defs);
    const at = (name) => graph.querySelector(`.step[data-step="${CSS.escape(name)}"]`);
    for (const [to, froms] of deps) {
      const b = at(to);
      if (!b) continue;
      for (const from of froms) {
        const a = at(from);
        if (!a) continue;
        const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
        const x1 = ra.right - box.left + graph.scrollLeft, y1 = ra.top + ra.height / 2 - box.top;
        const x2 = rb.left - box.left + graph.scrollLeft, y2 = rb.top + rb.height / 2 - box.top;
        const mx = (x1 + x2) / 2;
        // An edge that skips a column bends below the boxes in between.
        const skips = Number(b.dataset.col) - Number(a.dataset.col) > 1;
        const low = graph.scrollHeight - 6;
        const path = document.createElementNS(NS, 'path');
        path.setAttribute('d', skips ? `M${x1},${y1} C${x1 + 40},${low} ${x2 - 40},${low} ${x2},${y2}`
          : `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`);
        path.setAttribute('marker-end', 'url(#edge-head)');
        path.setAttribute('data-edge', `${from}->${to}`);
        svg.append(path);
      }
    }
    graph.prepend(svg);
  };
  // A refresh replaces the graph: once it has left the page (removal is itself a resize
  // to nothing), the observer lets it go.
  const ro = new ResizeObserver(() => {
    if (!graph.isConnected) { ro.disconnect(); return; }
    requestAnimationFrame(draw);
  });
  ro.observe(graph);
}

function stepGraph(run) {
  const counts = new Map(stepCounts(run));
  const deps = upstream(run);
  const graph = h('div.graph', { 'data-steps': counts.size });
  const ls = layers(deps, [...counts.entries()]);
  ls.forEach((layer, i) => {
    if (i && !deps.size) graph.append(h('div.arrow', '→'));
    graph.append(h('div.layer', layer.map((name) => {
      const states = counts.get(name) || {};
      const total = Object.values(states).reduce((a, b) => a + b, 0);
      return h('div.step', { 'data-step': name, 'data-col': i, 'data-after': (deps.get(name) || []).join(' ') },
        h('div.step-head', link(`/jobs?workflow=${encodeURIComponent(run.workflow || '')}&step=${encodeURIComponent(name)}`, name),
          h('span.muted', ` ${total} jobs`)),
        progressBar({ ...states, total }),
        h('div.step-states', Object.entries(states).filter(([, n]) => n).map(([s, n]) =>
          link(`/jobs?workflow=${encodeURIComponent(run.workflow || '')}&step=${encodeURIComponent(name)}&state=${s}`,
            h(`span.count.s-${s}`, { 'data-state': s }, `${s} ${n}`)))));
    })));
  });
  if (deps.size) {
    graph.classList.add('dag');
    drawEdges(graph, deps);
  }
  return graph;
}

// One run, live.
export function runView(id) {
  const content = h('div', notice('Loading…'));
  const node = h('section.view', h('h1', `Run #${id}`), content);
  async function refresh() {
    let run;
    try {
      run = await getData(`/api/v1/runs/${encodeURIComponent(id)}`);
    } catch (e) {
      content.replaceChildren(notice(e.message, 'error'));
      return;
    }
    if (run.run) run = run.run;
    const t = totals(run);
    const r = rateEta(run, t);
    content.replaceChildren(
      h('div.meta', h('span', 'Workflow '), link(`/results?workflow=${encodeURIComponent(run.workflow || '')}`, run.workflow || ''),
        h('span', ' · '), stateBadge(run.state), h('span', ` · started ${fmtTime(run.started)}`),
        run.ended ? h('span', ` · ended ${fmtTime(run.ended)}`) : null),
      h('div.stats#run-stats',
        stat('done', (t.succeeded || 0) + (t.skipped || 0)),
        stat('running', t.running || 0, '.s-running'),
        stat('pending', t.pending || 0),
        stat('failed', t.failed || 0, (t.failed ? '.s-failed' : '')),
        stat('reused', run.reused ?? 0),
        stat('rate', r.rate ? `${r.rate >= 10 ? Math.round(r.rate) : r.rate.toFixed(2)}/s` : '–'),
        stat('ETA', r.eta !== null ? fmtDuration(r.eta) : (run.ended ? 'done' : '–')),
        stat('elapsed', fmtDuration(r.elapsed))),
      h('div.card', progressBar(t)),
      h('h2', 'Steps'),
      h('div.card', stepGraph(run)),
      h('p', link(`/jobs?workflow=${encodeURIComponent(run.workflow || '')}`, 'All jobs of this workflow →')));
  }
  refresh();
  return { node, refresh };
}
