// One job: its command, attempts, outputs, a plot per metric and a live tail of its logs.
import { getData } from '../api.js';
import { h, link, fmtDuration, fmtTime, fmtValue, notice, stateBadge } from '../util.js';
import { lineChart } from '../charts.js';

// A metric series from the API as {x: [...], y: [...]}, whatever its shape.
export function seriesOf(data) {
  let pts = data;
  if (pts && !Array.isArray(pts)) pts = pts.points || pts.series || pts.values || pts.data || [];
  const x = [], y = [];
  if (!Array.isArray(pts) && pts && Array.isArray(pts.steps)) {
    return { x: pts.steps, y: pts.values };
  }
  pts.forEach((p, i) => {
    if (Array.isArray(p)) { x.push(p[0]); y.push(p[1]); return; }
    x.push(p.step ?? i);  // a value logged without a step: its index
    y.push(p.value);
  });
  return { x, y };
}

async function fetchLog(key, stream, tail) {
  const res = await fetch(`/api/v1/jobs/${encodeURIComponent(key)}/logs?stream=${stream}&tail=${tail}`,
    { credentials: 'same-origin', cache: 'no-store' });
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || res.statusText);
    if (typeof body === 'string') return body;
    if (Array.isArray(body.lines)) return body.lines.join('\n');
    return body.text ?? body.log ?? body.content ?? '';
  }
  const text = await res.text();
  if (!res.ok) throw new Error(text || res.statusText);
  return text;
}

function section(title, ...children) {
  return h('div.card', h('h2', title), ...children);
}

function kv(rows) {
  return h('table.kv', rows.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) =>
    h('tr', h('th', k), h('td', v instanceof Node ? v : String(v)))));
}

export function jobView(key) {
  const head = h('div', notice('Loading…'));
  const metricsBox = h('div.charts#job-metrics');
  const logPre = h('pre.log#job-log');
  let stream = 'stdout';
  const tabs = h('div.tabs', ['stdout', 'stderr'].map((s) =>
    h('button', { type: 'button', class: s === stream ? 'active' : '', on: { click: (ev) => {
      stream = s;
      for (const b of tabs.children) b.classList.toggle('active', b === ev.target);
      refreshLog();
    } } }, s)));
  const node = h('section.view', h('h1', 'Job ', h('code', key.slice(0, 12))), head,
    section('Metrics', metricsBox), section('Log (last 200 lines, live)', tabs, logPre));
  const charts = new Map();
  let job = null;

  async function refreshLog() {
    try {
      const text = await fetchLog(key, stream, 200);
      const atEnd = logPre.scrollTop + logPre.clientHeight >= logPre.scrollHeight - 4;
      if (logPre.textContent !== text) {
        logPre.textContent = text || `(no ${stream} yet)`;
        if (atEnd) logPre.scrollTop = logPre.scrollHeight;
      }
    } catch (e) {
      logPre.textContent = `log not available: ${e.message}`;
    }
  }

  async function refreshMetrics() {
    const names = Object.keys(job.metrics || {});
    if (!names.length) {
      metricsBox.replaceChildren(notice('This job logged no metrics.'));
      return;
    }
    let all;
    try {
      all = (await getData(`/api/v1/jobs/${encodeURIComponent(key)}/metrics`)).metrics || {};
    } catch (e) {
      metricsBox.replaceChildren(notice(`metrics not available: ${e.message}`, 'error'));
      return;
    }
    for (const name of names) {
      const s = seriesOf(all[name] || []);
      if (charts.has(name)) charts.get(name).update(s.x, [{ label: name, y: s.y, points: s.x.length < 60 }]);
      else {
        if (!charts.size) metricsBox.replaceChildren();
        const c = lineChart({ title: name, x: s.x, series: [{ label: name, y: s.y, points: s.x.length < 60 }], height: 220 });
        c.node.dataset.metric = name;
        charts.set(name, c);
        metricsBox.append(c.node);
      }
    }
  }

  function attemptsTable(attempts) {
    if (!attempts || !attempts.length) return notice('No attempts yet.');
    const cols = ['attempt', 'state', 'host', 'slurm_id', 'started', 'ended', 'duration', 'exit_code', 'reason'];
    return h('table.grid#job-attempts',
      h('thead', h('tr', cols.map((c) => h('th', c)))),
      h('tbody', attempts.map((a, i) => h('tr', cols.map((c) => {
        if (c === 'attempt') return h('td', a.attempt ?? a.number ?? i + 1);
        if (c === 'state') return h('td', stateBadge(a.state));
        if (c === 'started' || c === 'ended') return h('td', fmtTime(a[c]));
        if (c === 'duration') return h('td', fmtDuration(a.duration ?? (a.ended && a.started ? a.ended - a.started : null)));
        return h('td', fmtValue(a[c]));
      })))));
  }

  async function refresh() {
    let data;
    try {
      data = await getData(`/api/v1/jobs/${encodeURIComponent(key)}`);
    } catch (e) {
      head.replaceChildren(notice(e.message, 'error'));
      return;
    }
    job = data.job || data;
    const cmd = job.command ?? job.cmd ?? '';
    head.replaceChildren(
      h('div.card#job-summary', kv([
        ['Key', h('code', job.key)],
        ['Workflow', job.workflow],
        ['Step', link(`/jobs?workflow=${encodeURIComponent(job.workflow || '')}&step=${encodeURIComponent(job.step || '')}`, job.step || '')],
        ['Name', job.name],
        ['Axes', Object.entries(job.axes || {}).map(([k, v]) => `${k}=${fmtValue(v)}`).join('  ')],
        ['State', stateBadge(job.state)],
        ['Attempt', job.attempt],
        ['Host', job.host], ['Slurm id', job.slurm_id],
        ['Started', fmtTime(job.started)], ['Duration', fmtDuration(job.duration)],
        ['Exit code', job.exit_code],
        ['Metrics', Object.entries(job.metrics || {}).map(([k, v]) => `${k}=${fmtValue(v)}`).join('  ')],
      ])),
      section('Command', h('pre.cmd#job-command', cmd || '(not recorded)')),
      section('Attempts', attemptsTable(Array.isArray(job.attempt_list) ? job.attempt_list : job.attempts)),
      section('Outputs', (job.outputs || []).length
        ? h('ul.outputs#job-outputs', job.outputs.map((o) => h('li', h('code', typeof o === 'string' ? o : JSON.stringify(o)))))
        : notice('No outputs recorded.'),
      (job.artifacts || []).length ? h('table.grid#job-artifacts', h('thead', h('tr', h('th', 'Artifact'), h('th.num', 'Size'), h('th', 'Hash'))),
        h('tbody', job.artifacts.map((a) => h('tr', h('td', h('code', a.path)), h('td.num', fmtValue(a.size)), h('td', h('code', String(a.hash || '').slice(0, 12))))))) : null,
      job.dir ? h('div.muted', `Job folder: ${job.dir}`) : null));
    await Promise.all([refreshMetrics(), refreshLog()]);
  }
  refresh();
  return { node, refresh, dispose() { for (const c of charts.values()) c.destroy(); } };
}
