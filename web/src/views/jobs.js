// Jobs: a virtualised table over every job of the store (pages of the API fetched as the
// user scrolls), filtered by workflow, step, state and axis values given in the URL.
import { getData, query } from '../api.js';
import { h, link, fmtDuration, fmtNum, notice, stateBadge } from '../util.js';
import { virtualTable } from '../vtable.js';
import { navigate } from '../main.js';

const STATES = ['', 'pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'];

function axesText(axes) {
  return Object.entries(axes || {}).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ');
}

function metricsText(metrics) {
  return Object.entries(metrics || {}).map(([k, v]) => `${k}=${fmtNum(v)}`).join(' ');
}

export function jobsView(q) {
  const filter = {
    workflow: q.get('workflow') || '',
    step: q.get('step') || '',
    state: q.get('state') || '',
  };
  const axes = [...q.entries()].filter(([k]) => k.startsWith('axis.'));

  const input = (name, value, placeholder) => h('input', { name, value, placeholder, size: 12 });
  const stateSel = h('select', { name: 'state' }, STATES.map((s) =>
    h('option', { value: s, selected: s === filter.state }, s || 'any state')));
  const axisInput = h('input', {
    name: 'axes', size: 22, placeholder: 'axis=value, …',
    value: axes.map(([k, v]) => `${k.slice(5)}=${v}`).join(', '),
  });
  const form = h('form.filters#job-filters',
    h('label', 'Workflow ', input('workflow', filter.workflow, 'any')),
    h('label', 'Step ', input('step', filter.step, 'any')),
    h('label', 'State ', stateSel),
    h('label', 'Axes ', axisInput),
    h('button', { type: 'submit' }, 'Filter'),
    h('a.button', { href: '/jobs', 'data-link': '' }, 'Clear'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    const p = new URLSearchParams();
    for (const k of ['workflow', 'step', 'state']) if (fd.get(k)) p.set(k, fd.get(k));
    for (const part of String(fd.get('axes') || '').split(',')) {
      const i = part.indexOf('=');
      if (i > 0) p.set(`axis.${part.slice(0, i).trim()}`, part.slice(i + 1).trim());
    }
    navigate(`/jobs${p.toString() ? '?' + p : ''}`);
  });

  const columns = [
    { key: 'key', title: 'Job', width: '110px', render: (j) => link(`/jobs/${j.key}`, String(j.key).slice(0, 10)) },
    { key: 'step', title: 'Step', width: 'minmax(80px, 1fr)' },
    { key: 'axes', title: 'Axes', width: 'minmax(120px, 3fr)', render: (j) => axesText(j.axes) },
    { key: 'state', title: 'State', width: '100px', render: (j) => stateBadge(j.state) },
    { key: 'attempt', title: 'Try', width: '44px' },
    { key: 'duration', title: 'Duration', width: '90px', render: (j) => fmtDuration(j.duration) },
    { key: 'exit_code', title: 'Exit', width: '50px' },
    { key: 'metrics', title: 'Metrics', width: 'minmax(120px, 3fr)', render: (j) => metricsText(j.metrics) },
  ];
  const base = { ...filter };
  for (const [k, v] of axes) base[k] = v;
  const table = virtualTable({
    id: 'jobs-table',
    columns,
    height: Math.max(300, window.innerHeight - 290),
    fetchPage: async (offset, limit) => {
      const data = await getData(`/api/v1/jobs${query({ ...base, offset, limit })}`);
      return { rows: data.jobs || [], total: data.total ?? (data.jobs || []).length };
    },
  });
  const node = h('section.view', h('h1', 'Jobs'), form, h('div.card', table.node));
  return { node, refresh: () => table.refresh(), dispose: () => table.dispose() };
}

void notice;
