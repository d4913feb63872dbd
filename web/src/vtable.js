// A virtualised table: only the rows in view (and a few around) are in the DOM, so it
// scrolls 100,000 rows. Rows come in pages from `fetchPage(offset, limit)` as the user
// scrolls; `refresh()` refetches the pages in view (cheap with ETags).
import { h } from './util.js';

const ROW = 30;       // px per row
const OVERSCAN = 10;  // rows rendered beyond the view on each side

// columns: [{key, title, width ('120px' | '1fr'), render(row) -> Node|string, sortable}]
// fetchPage(offset, limit) -> Promise<{rows, total}>; onSort(key) when a sortable header
// is clicked; sort: {key, desc} to show.
export function virtualTable({ columns, fetchPage, pageSize = 100, height = 560, onSort, sort, id }) {
  const template = columns.map((c) => c.width || '1fr').join(' ');
  const pages = new Map(); // page index -> rows
  const pending = new Set();
  let total = null;
  let generation = 0;

  const head = h('div.vt-row.vt-head', { style: { gridTemplateColumns: template } },
    columns.map((c) => {
      const cell = h('div.vt-cell', c.title);
      if (c.sortable && onSort) {
        cell.classList.add('sortable');
        if (sort && sort.key === c.key) cell.append(sort.desc ? ' ▼' : ' ▲');
        cell.addEventListener('click', () => onSort(c.key));
      }
      return cell;
    }));
  const spacer = h('div.vt-spacer');
  const body = h('div.vt-body', { style: { height: `${height}px` } }, spacer);
  const status = h('div.vt-status');
  const node = h('div.vt', { id, 'data-total': '' }, h('div.vt-scroll', head, body), status);

  function need(first, last) {
    for (let p = Math.floor(first / pageSize); p <= Math.floor(last / pageSize); ++p) {
      if (!pages.has(p) && !pending.has(p)) load(p);
    }
  }

  async function load(p, gen = generation) {
    pending.add(p);
    try {
      const { rows, total: t } = await fetchPage(p * pageSize, pageSize);
      if (gen !== generation) return;
      pages.set(p, rows);
      setTotal(t);
    } catch (e) {
      status.textContent = e.message;
      status.classList.add('error');
    } finally {
      pending.delete(p);
    }
    schedule();
  }

  function setTotal(t) {
    if (t === total) return;
    total = t;
    node.dataset.total = String(t);
    spacer.style.height = `${t * ROW}px`;
    body.style.height = `${Math.max(ROW * 3, Math.min(height, t * ROW + 2))}px`;  // no blank space under a few rows
    status.textContent = `${t.toLocaleString()} rows`;
    status.classList.remove('error');
  }

  let queued = false;
  function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; render(); });
  }

  function render() {
    const top = body.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    let last = Math.ceil((top + body.clientHeight) / ROW) + OVERSCAN;
    if (total !== null) last = Math.min(last, total - 1);
    if (total === null) last = Math.min(last, pageSize - 1);
    const rows = [];
    for (let i = first; i <= last; ++i) {
      const page = pages.get(Math.floor(i / pageSize));
      const row = page && page[i % pageSize];
      const style = { top: `${i * ROW}px`, gridTemplateColumns: template };
      if (!page) {
        rows.push(h('div.vt-row.loading', { style }, h('div.vt-cell', '…')));
      } else if (row) {
        rows.push(h('div.vt-row', { style, 'data-index': i },
          columns.map((c) => h('div.vt-cell', c.render ? c.render(row, i) : String(row[c.key] ?? '')))));
      }
    }
    spacer.replaceChildren(...rows);
    if (last >= first) need(first, last);
  }

  body.addEventListener('scroll', schedule, { passive: true });
  window.addEventListener('resize', schedule);
  load(0);

  return {
    node,
    // Refetches the pages in view, keeping the scroll position.
    async refresh() {
      const top = body.scrollTop;
      const first = Math.floor(top / ROW);
      const last = first + Math.ceil(body.clientHeight / ROW);
      const ps = new Set([Math.floor(first / pageSize), Math.floor(last / pageSize)]);
      const gen = generation;
      for (const p of ps) {
        const { rows, total: t } = await fetchPage(p * pageSize, pageSize);
        if (gen !== generation) return;
        pages.set(p, rows);
        setTotal(t);
      }
      for (const p of [...pages.keys()]) if (!ps.has(p)) pages.delete(p);
      schedule();
    },
    // Drops every page (new data or order) and starts again at the top.
    reset() {
      generation++;
      pages.clear();
      pending.clear();
      total = null;
      body.scrollTop = 0;
      load(0);
    },
    dispose() { window.removeEventListener('resize', schedule); },
    body,
  };
}
