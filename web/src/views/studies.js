// Studies: the list of studies (segmented ones grouped, to compare side by side) and one
// study: optimisation history (value and best so far), parallel coordinates, parameter
// importance (with the API's method name), intermediate values (learning curves, pruned
// ones marked) and a sortable trials table.
import { ApiError, getData } from '../api.js';
import { h, link, fmtDuration, fmtNum, fmtValue, listOf, notice, stateBadge } from '../util.js';
import { lineChart, parallelCoordinates, curvesChart } from '../charts.js';
import { virtualTable } from '../vtable.js';
import { navigate } from '../main.js';

const enc = encodeURIComponent;

function isMinimize(study) {
  return !/^max/i.test(String(study.direction || 'minimize'));
}

// Every trial of a study, following the API's pages when it pages.
async function fetchTrials(name) {
  const page = 10000;
  const first = await getData(`/api/v1/studies/${enc(name)}/trials?limit=${page}`);
  let trials = listOf(first, 'trials');
  const total = first && typeof first.total === 'number' ? first.total : trials.length;
  let guard = 0;
  while (trials.length < total && guard++ < 100) {
    const more = listOf(await getData(`/api/v1/studies/${enc(name)}/trials?offset=${trials.length}&limit=${page}`), 'trials');
    if (!more.length) break;
    trials = trials.concat(more);
  }
  return trials;
}

// Intermediate values of a trial as [[step, value]], sorted by step.
function intermediates(t) {
  const iv = t.intermediate ?? t.intermediate_values ?? t.reports ?? null;
  let pts = [];
  if (Array.isArray(iv)) pts = iv.map((p) => (Array.isArray(p) ? p : [p.step, p.value]));
  else if (iv && typeof iv === 'object') pts = Object.entries(iv).map(([s, v]) => [Number(s), v]);
  return pts.filter(([s, v]) => typeof v === 'number' && isFinite(s)).sort((a, b) => a[0] - b[0]);
}

// x (trial numbers), values and best so far of the complete trials, in number order.
function history(trials, minimize) {
  const done = trials.filter((t) => typeof t.value === 'number' && isFinite(t.value) && t.state !== 'pruned' && t.state !== 'failed')
    .sort((a, b) => a.number - b.number);
  const x = [], y = [], best = [];
  let b = null;
  for (const t of done) {
    x.push(t.number);
    y.push(t.value);
    b = b === null ? t.value : (minimize ? Math.min(b, t.value) : Math.max(b, t.value));
    best.push(b);
  }
  return { x, y, best };
}

function importanceOf(data) {
  const method = data.method || data.name || '';
  let items = data.importance ?? data.importances ?? data.params ?? data;
  if (!Array.isArray(items)) items = Object.entries(items || {}).filter(([, v]) => typeof v === 'number').map(([param, value]) => ({ param, value }));
  else items = items.map((e) => ({ param: e.param ?? e.name, value: e.importance ?? e.value }));
  items.sort((a, b) => b.value - a.value);
  return { method, items, description: data.description || '', trials: data.trials };
}

function importanceBars({ method, items, description, trials }) {
  const max = Math.max(...items.map((i) => i.value), 1e-12);
  return h('div.importance#importance', { 'data-method': method, 'data-params': items.length },
    h('div.muted', { title: description || '' }, `Method: ${method || 'not given by the server'}${trials ? ` · ${trials} complete trials` : ''}`),
    description ? h('div.muted', description) : null,
    items.map((i) => h('div.bar-row', { 'data-param': i.param },
      h('span.bar-label', i.param),
      h('span.bar-track', h('span.bar', { style: { width: `${(100 * i.value) / max}%` } })),
      h('span.bar-value', fmtNum(i.value)))));
}

// "tpe (n_startup_trials 20)" for {"name": "tpe", "n_startup_trials": 20}.
function describe(x) {
  if (!x || typeof x !== 'object') return x;
  const opts = Object.entries(x).filter(([k]) => k !== 'name' && k !== 'options');
  const inner = x.options && typeof x.options === 'object' ? Object.entries(x.options) : [];
  const all = [...opts, ...inner].map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  return `${x.name || '?'}${all.length ? ` (${all.join(', ')})` : ''}`;
}

function summary(study, trials) {
  const counts = {};
  for (const t of trials) counts[t.state] = (counts[t.state] || 0) + 1;
  const best = study.best || null;
  return h('div.card#study-summary',
    h('div.stats', h('div.stat', h('div.value', String(trials.length)), h('div.label', 'trials')),
      Object.entries(counts).map(([s, n]) => h(`div.stat.s-${s}`, h('div.value', String(n)), h('div.label', s))),
      best && typeof best.value === 'number' ? h('div.stat', h('div.value', fmtNum(best.value)), h('div.label', `best (#${best.number})`)) : null),
    h('div.meta', [
      ['direction', study.direction], ['sampler', describe(study.sampler)], ['pruner', describe(study.pruner)],
      ['metric', study.metric], ['workflow', study.workflow], ['step', study.step],
    ].filter(([, v]) => v).map(([k, v]) => h('span.kvi', h('b', `${k} `), String(v)))),
    best && best.params ? h('div.meta', h('b', 'best params '), Object.entries(best.params).map(([k, v]) => `${k}=${fmtValue(v)}`).join('  ')) : null);
}

// The list of studies.
export function studiesView() {
  const out = h('div', notice('Loading…'));
  const node = h('section.view', h('h1', 'Studies'), out);
  async function refresh() {
    let studies;
    try {
      studies = listOf(await getData('/api/v1/studies'), 'studies');
    } catch (e) {
      out.replaceChildren(notice(e.message, 'error'));
      return;
    }
    if (!studies.length) {
      out.replaceChildren(notice('No studies in this store yet: a workflow step with `study:` or `drover study create` makes one.'));
      return;
    }
    const groups = new Map();
    for (const s of studies) {
      const g = s.workflow && s.step ? `${s.workflow}:${s.step}` : String(s.name).split('/')[0];
      (groups.get(g) || groups.set(g, []).get(g)).push(s);
    }
    const cols = ['Study', 'Direction', 'Sampler', 'Trials', 'Complete', 'Pruned', 'Failed', 'Best'];
    const rows = studies.map((s) => {
      const c = s.counts || {};
      const best = s.best && typeof s.best === 'object' ? s.best.value : s.best;
      return h('tr', { 'data-study': s.name },
        h('td', h('input', { type: 'checkbox', value: s.name, 'aria-label': `compare ${s.name}` }), ' ', link(`/studies/${enc(s.name)}`, s.name)),
        h('td', s.direction || ''), h('td', typeof s.sampler === 'object' ? s.sampler?.name : s.sampler || ''),
        h('td.num', s.trials ?? s.n_trials ?? ''), h('td.num', c.complete ?? ''), h('td.num', c.pruned ?? ''), h('td.num', c.failed ?? ''),
        h('td.num', fmtNum(best)));
    });
    const table = h('table.grid#studies', h('thead', h('tr', cols.map((c) => h('th', c)))), h('tbody', rows));
    const compare = h('button', { type: 'button', on: { click: () => {
      const names = [...table.querySelectorAll('input:checked')].map((i) => i.value);
      if (names.length) navigate(`/compare?studies=${names.map(enc).join(',')}`);
    } } }, 'Compare selected side by side');
    const segmented = [...groups.entries()].filter(([, ss]) => ss.length > 1);
    out.replaceChildren(...[h('div.card', h('div.toolbar', compare), h('div.table-wrap', table)),
      segmented.length ? h('div.card', h('h2', 'Segmented studies'), h('ul', segmented.map(([g, ss]) =>
        h('li', link(`/compare?studies=${ss.map((s) => enc(s.name)).join(',')}`, `${g}: ${ss.length} segments side by side`))))) : null].filter(Boolean));
  }
  refresh();
  return { node, refresh };
}

// One study, live.
export function studyView(name) {
  const t0 = performance.now();
  performance.clearMarks('study-rendered');
  const head = h('div', notice('Loading…'));
  const plots = h('div');
  const node = h('section.view', h('h1', 'Study ', h('span.name', name)), head, plots);
  let charts = null;
  let table = null;
  let trialsCache = [];
  let sort = { key: 'number', desc: false };

  function sortedTrials() {
    const k = sort.key;
    const val = (t) => (k.startsWith('p:') ? (t.params || {})[k.slice(2)] : t[k]);
    const out = [...trialsCache];
    out.sort((a, b) => {
      const va = val(a), vb = val(b);
      if (va === vb) return a.number - b.number;
      if (va === undefined || va === null) return 1;
      if (vb === undefined || vb === null) return -1;
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
      return sort.desc ? -c : c;
    });
    return out;
  }

  function makeTable(params) {
    let rows = sortedTrials();
    const columns = [
      { key: 'number', title: '#', width: '60px', sortable: true },
      { key: 'state', title: 'State', width: '100px', sortable: true, render: (t) => stateBadge(t.state) },
      { key: 'value', title: 'Value', width: '110px', sortable: true, render: (t) => fmtNum(t.value) },
      ...params.map((p) => ({ key: `p:${p}`, title: p, width: 'minmax(70px, 1fr)', sortable: true, render: (t) => fmtValue((t.params || {})[p]) })),
      { key: 'duration', title: 'Duration', width: '90px', sortable: true, render: (t) => fmtDuration(t.duration) },
      // The job running the trial, linked to its page when the API gives its key.
      { key: 'job_id', title: 'Job id', width: '70px', render: (t) => (t.job_key
        ? link(`/jobs/${encodeURIComponent(t.job_key)}`, String(t.job_id))
        : (t.job_id ? String(t.job_id) : '')) },
    ];
    const wrap = h('div');
    const build = () => {
      rows = sortedTrials();
      const vt = virtualTable({
        id: 'trials-table', columns, height: 420, sort,
        onSort: (key) => {
          sort = { key, desc: sort.key === key ? !sort.desc : false };
          table.dispose();
          table = build();
        },
        fetchPage: async (offset, limit) => ({ rows: sortedTrials().slice(offset, offset + limit), total: trialsCache.length }),
      });
      wrap.replaceChildren(vt.node);
      return vt;
    };
    table = build();
    void rows;
    return wrap;
  }

  async function refresh() {
    let study, trials, imp = null, impError = null;
    try {
      [study, trials] = await Promise.all([getData(`/api/v1/studies/${enc(name)}`), fetchTrials(name)]);
    } catch (e) {
      head.replaceChildren(notice(e.message, 'error'));
      return;
    }
    study = study.study || study;
    try {
      imp = importanceOf(await getData(`/api/v1/studies/${enc(name)}/importance`));
    } catch (e) {
      impError = e instanceof ApiError && e.status === 404 && /route/i.test(e.message)
        ? 'Parameter importance is not available from this server.' : e.message;
    }
    trialsCache = trials;
    const minimize = isMinimize(study);
    const space = study.space || {};
    const params = Object.keys(space).length ? Object.keys(space) : [...new Set(trials.flatMap((t) => Object.keys(t.params || {})))];
    const hist = history(trials, minimize);
    const curves = trials.map((t) => ({ number: t.number, state: t.state, points: intermediates(t) }));
    head.replaceChildren(summary(study, trials));
    if (!charts) {
      charts = {
        history: lineChart({ id: 'history', title: 'Optimisation history', x: hist.x, xLabel: 'trial', yLabel: study.metric || 'value',
          series: [{ label: 'value', y: hist.y, points: true, line: false, color: '#2563eb' },
            { label: 'best so far', y: hist.best, color: '#dc2626' }] }),
        pcp: parallelCoordinates({ id: 'parallel', trials, params, space, minimize }),
        curves: curvesChart({ id: 'curves', curves }),
      };
      const imBox = h('div#importance-box');
      charts.imBox = imBox;
      plots.replaceChildren(
        h('div.row2',
          h('div.card', h('h2', 'Optimisation history'), charts.history.node),
          h('div.card', h('h2', 'Parameter importance'), imBox)),
        h('div.card', h('h2', 'Parallel coordinates'), h('div.muted', 'complete trials; blue: better, orange: worse'), charts.pcp.node),
        h('div.card', h('h2', 'Intermediate values'), h('div.muted', 'learning curves; red dashed: pruned'), charts.curves.node),
        h('div.card', h('h2', 'Trials'), makeTable(params)));
      requestAnimationFrame(() => requestAnimationFrame(() => {
        performance.mark('study-rendered');
        document.body.dataset.studyRenderedMs = String(Math.round(performance.now() - t0));
      }));
    } else {
      charts.history.update(hist.x, [{ label: 'value', y: hist.y, points: true, line: false, color: '#2563eb' },
        { label: 'best so far', y: hist.best, color: '#dc2626' }]);
      charts.pcp.update(trials);
      charts.curves.update(curves);
      if (table) await table.refresh();
    }
    charts.imBox.replaceChildren(imp ? importanceBars(imp) : notice(impError || 'Not available.', 'info'));
  }
  refresh();
  return { node, refresh, dispose() { if (charts) charts.history.destroy(); if (table) table.dispose(); } };
}

// Studies side by side (the segments of a segmented study): /compare?studies=a,b
export function compareView(q) {
  const names = (q.get('studies') || '').split(',').map((s) => s.trim()).filter(Boolean);
  const grid = h('div.compare#compare', { style: { gridTemplateColumns: `repeat(${Math.min(Math.max(names.length, 1), 3)}, minmax(0, 1fr))` } });
  const node = h('section.view', h('h1', 'Studies side by side'), names.length ? grid : notice('Pick studies to compare on the Studies page.'));
  const cells = names.map((n) => {
    const cell = h('div.card', { 'data-study': n }, h('h2', link(`/studies/${enc(n)}`, n)), notice('Loading…'));
    grid.append(cell);
    return { n, cell, chart: null };
  });
  async function refresh() {
    await Promise.all(cells.map(async (c) => {
      try {
        const [study, trials] = await Promise.all([getData(`/api/v1/studies/${enc(c.n)}`), fetchTrials(c.n)]);
        const s = study.study || study;
        const hist = history(trials, isMinimize(s));
        const series = [{ label: 'value', y: hist.y, points: true, line: false, color: '#2563eb' }, { label: 'best so far', y: hist.best, color: '#dc2626' }];
        const best = hist.best.length ? hist.best[hist.best.length - 1] : null;
        if (!c.chart) {
          c.chart = lineChart({ title: '', x: hist.x, xLabel: 'trial', series, height: 220 });
          c.info = h('div.meta');
          c.cell.replaceChildren(c.cell.firstChild, c.info, c.chart.node);
        } else c.chart.update(hist.x, series);
        c.info.textContent = `${trials.length} trials · ${s.direction || ''} · best ${fmtNum(best)}`;
      } catch (e) {
        c.cell.replaceChildren(c.cell.firstChild, notice(e.message, 'error'));
      }
    }));
  }
  refresh();
  return { node, refresh, dispose() { for (const c of cells) if (c.chart) c.chart.destroy(); } };
}
