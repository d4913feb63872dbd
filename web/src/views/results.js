// Results: the workflow's `report:` table (what `drover table` prints) and a pivot
// chooser (rows, columns, value, aggregate) over the same API, with a CSV download.
import { getData, query } from '../api.js';
import { h, fmtValue, listOf, notice } from '../util.js';
import { navigate } from '../main.js';

const AGGS = ['', 'mean', 'min', 'max', 'median', 'std', 'count', 'last', 'first', 'sum'];

// A table answer as {columns: [...], rows: [[...]]}, whatever its shape.
export function normalise(data) {
  const t = data.table || data;
  if (Array.isArray(t.cells)) {
    // drover table's shape: a corner, row labels, column labels and formatted cells.
    const columns = [t.corner || '', ...(t.col_labels || [])];
    const rows = t.cells.map((r, i) => [(t.row_labels || [])[i] ?? '', ...r]);
    return { columns, rows, footnotes: t.footnotes || [], csv: typeof t.csv === 'string' ? t.csv : null };
  }
  let columns = t.columns || t.header || t.headers || [];
  let rows = t.rows || t.data || [];
  columns = columns.map((c) => (typeof c === 'object' && c !== null ? c.name ?? c.title ?? JSON.stringify(c) : String(c)));
  if (rows.length && !Array.isArray(rows[0])) {
    if (!columns.length) columns = Object.keys(rows[0]);
    rows = rows.map((r) => columns.map((c) => r[c]));
  }
  return { columns, rows };
}

// RFC 4180 CSV of a normalised table.
export function toCsv({ columns, rows }) {
  const cell = (v) => {
    const s = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function resultsView(q) {
  const params = {
    workflow: q.get('workflow') || '',
    rows: q.get('rows') || '',
    cols: q.get('cols') || '',
    value: q.get('value') || '',
    agg: q.get('agg') || '',
  };
  const wfSel = h('select', { name: 'workflow' }, h('option', { value: params.workflow }, params.workflow || '…'));
  const text = (name, placeholder) => h('input', { name, value: params[name], placeholder, size: 14, list: 'results-fields' });
  const aggSel = h('select', { name: 'agg' }, AGGS.map((a) => h('option', { value: a, selected: a === params.agg }, a || 'default')));
  const fields = h('datalist#results-fields');
  const form = h('form.filters#pivot',
    h('label', 'Workflow ', wfSel),
    h('label', 'Rows ', text('rows', 'report default')),
    h('label', 'Columns ', text('cols', 'report default')),
    h('label', 'Value ', text('value', 'report default')),
    h('label', 'Aggregate ', aggSel),
    h('button', { type: 'submit' }, 'Show'),
    h('a.button', { href: `/results${query({ workflow: params.workflow })}`, 'data-link': '' }, 'Report table'),
    fields);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    navigate(`/results${query(Object.fromEntries(fd.entries()))}`);
  });
  wfSel.addEventListener('change', () => navigate(`/results${query({ workflow: wfSel.value })}`));
  const download = h('a.button#csv', { href: '#', download: `${params.workflow || 'results'}.csv` }, 'Download CSV');
  const out = h('div', notice('Loading…'));
  const node = h('section.view', h('h1', 'Results'), form, h('div.card', h('div.toolbar', download), out));
  let csvUrl = null;

  async function loadWorkflows() {
    try {
      const runs = listOf(await getData('/api/v1/runs'), 'runs');
      const names = [...new Set(runs.map((r) => r.workflow).filter(Boolean))].sort();
      if (!params.workflow && names.length) {
        navigate(`/results${query({ ...params, workflow: names[0] })}`, true);
        return false;
      }
      wfSel.replaceChildren(...names.map((n) => h('option', { value: n, selected: n === params.workflow }, n)));
      if (params.workflow && !names.includes(params.workflow)) wfSel.prepend(h('option', { value: params.workflow, selected: true }, params.workflow));
      if (!names.length) out.replaceChildren(notice('No workflow has run in this store yet.'));
      return names.length > 0 || !!params.workflow;
    } catch (e) {
      out.replaceChildren(notice(e.message, 'error'));
      return false;
    }
  }

  async function refresh() {
    if (!params.workflow) return;
    let data;
    try {
      data = await getData(`/api/v1/table${query(params)}`);
    } catch (e) {
      out.replaceChildren(notice(e.message, 'error'));
      return;
    }
    const t = normalise(data);
    const list = (v) => (Array.isArray(v) ? v.join(',') : v || '');
    fields.replaceChildren(...(data.axes || t.columns).map((c) => h('option', { value: c })));
    // The form shows what the table uses when a field is left to the report's default.
    for (const [k, v] of [['rows', data.rows], ['cols', data.cols], ['value', data.value]]) {
      form.elements[k].placeholder = list(v) || 'report default';
    }
    if (!params.agg && data.agg) aggSel.options[0].textContent = `default (${data.agg})`;
    const numeric = t.columns.map((_, i) => i > 0 && t.rows.some((r) => typeof r[i] === 'number' || /^-?[\d.]+(e[-+]?\d+)?(\s|$)/i.test(String(r[i] ?? ''))));
    out.replaceChildren(...[  // replaceChildren would print a null as the text "null"
      h('div.table-wrap', h('table.grid#results-table', { 'data-rows': t.rows.length },
        h('thead', h('tr', t.columns.map((c, i) => h(numeric[i] ? 'th.num' : 'th', c)))),
        h('tbody', t.rows.map((r) => h('tr', r.map((v, i) => h(numeric[i] ? 'td.num' : 'td', fmtValue(v)))))))),
      (t.footnotes || []).filter(Boolean).length ? h('ul.footnotes', t.footnotes.filter(Boolean).map((f) => h('li.muted', String(f)))) : null,
      t.rows.length ? null : notice('The table is empty: no job of this workflow has finished yet.'),
    ].filter(Boolean));
    if (csvUrl) URL.revokeObjectURL(csvUrl);
    csvUrl = URL.createObjectURL(new Blob([t.csv ?? toCsv(t)], { type: 'text/csv' }));
    download.href = csvUrl;
  }
  loadWorkflows().then((ok) => ok && refresh());
  return { node, refresh, dispose() { if (csvUrl) URL.revokeObjectURL(csvUrl); } };
}
