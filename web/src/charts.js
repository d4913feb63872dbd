// Plots: uPlot for series over steps or trials, and two canvas plots of our own
// (parallel coordinates, many learning curves) that stay fast at 10,000 trials. Every
// plot's container carries data-points (and data-series/data-lines) with what it drew,
// so tests and users can check that the plot has its points.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h, fmtNum } from './util.js';

const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

// Width available for a plot inside `node` (or a default before layout).
function widthOf(node, fallback = 640) {
  const w = node.clientWidth || (node.parentElement && node.parentElement.clientWidth) || fallback;
  return Math.max(260, Math.min(w - 8, 1400));
}

// A uPlot chart of series sharing x. series: [{label, y: [...], points?: bool, line?: bool,
// color?}]. Returns {node, update(x, series), destroy}.
export function lineChart({ title, x, series, xLabel = 'step', yLabel = '', height = 260, id }) {
  const node = h('div.chart', { id, 'data-points': 0 });
  let plot = null;
  function opts(ss) {
    return {
      width: widthOf(node), height,
      scales: { x: { time: false } },
      axes: [{ label: xLabel }, { label: yLabel, size: 60, values: (u, vals) => vals.map(fmtNum) }],
      series: [{ label: xLabel }, ...ss.map((s, i) => ({
        label: s.label,
        stroke: s.color || COLORS[i % COLORS.length],
        width: s.line === false ? 0 : 1.5,
        points: s.points ? { show: true, size: 5, fill: s.color || COLORS[i % COLORS.length] } : { show: false },
        spanGaps: true,
        value: (u, v) => fmtNum(v),
      }))],
      legend: { show: true },
    };
  }
  function count(ss) {
    let n = 0;
    for (const s of ss) for (const v of s.y) if (v !== null && v !== undefined && isFinite(v)) n++;
    return n;
  }
  function update(xs, ss) {
    node.dataset.points = String(count(ss));
    node.dataset.series = String(ss.length);
    const data = [xs, ...ss.map((s) => s.y)];
    if (plot && plot.series.length === ss.length + 1) {
      plot.setData(data);
      return;
    }
    if (plot) plot.destroy();
    plot = new uPlot(opts(ss), data, node);
  }
  // uPlot needs the node in the document to measure: draw on the next frame.
  requestAnimationFrame(() => update(x, series));
  node.dataset.points = String(count(series));
  const ro = new ResizeObserver(() => { if (plot) plot.setSize({ width: widthOf(node), height }); });
  ro.observe(node);
  return { node, update, destroy() { ro.disconnect(); if (plot) plot.destroy(); } };
}

// A canvas sized for the device's pixels; returns {canvas, ctx, w, h}.
function hiDpiCanvas(node, height) {
  const w = widthOf(node);
  const dpr = window.devicePixelRatio || 1;
  const canvas = h('canvas', { width: Math.round(w * dpr), height: Math.round(height * dpr) });
  canvas.style.width = `${w}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  node.replaceChildren(canvas);
  return { canvas, ctx, w, h: height };
}

// Maps a value to a colour from blue (good) to orange (bad) for `t` in [0, 1].
export function ramp(t) {
  const a = [37, 99, 235];
  const b = [234, 88, 12];
  const c = a.map((v, i) => Math.round(v + (b[i] - v) * Math.min(1, Math.max(0, t))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// An axis of a parallel-coordinates plot for one parameter: numeric (log when the space
// says so) or categorical (its choices spread evenly).
function axisOf(name, values, spec) {
  const present = values.filter((v) => v !== undefined && v !== null && v !== '');
  const numeric = present.every((v) => typeof v === 'number');
  if (numeric && present.length) {
    const log = !!(spec && spec.log) && present.every((v) => v > 0);
    const f = log ? Math.log10 : (v) => v;
    let lo = spec && typeof spec.low === 'number' ? spec.low : Math.min(...present);
    let hi = spec && typeof spec.high === 'number' ? spec.high : Math.max(...present);
    const flo = f(lo), fhi = f(hi);
    const span = fhi - flo || 1;
    return { name, log, lo, hi, pos: (v) => (typeof v === 'number' ? (f(v) - flo) / span : null), labels: [fmtNum(lo), fmtNum(hi)] };
  }
  const choices = spec && Array.isArray(spec.choices) ? spec.choices.map(String) : [...new Set(present.map(String))].sort();
  const idx = new Map(choices.map((c, i) => [c, i]));
  const n = Math.max(choices.length - 1, 1);
  return { name, cat: choices, pos: (v) => (idx.has(String(v)) ? idx.get(String(v)) / n : null), labels: choices };
}

// Parallel coordinates of complete trials: one axis per parameter and one for the value;
// each trial a line coloured by its value (blue: best). trials: [{params, value}],
// space: {name: {low, high, log, choices}}. Draws at most `limit` trials (the best ones).
export function parallelCoordinates({ trials, params, space = {}, minimize = true, height = 320, limit = 10000, id }) {
  const node = h('div.chart.pcp', { id, 'data-lines': 0, 'data-points': 0 });
  function draw(ts) {
    const done = ts.filter((t) => typeof t.value === 'number' && isFinite(t.value));
    done.sort((a, b) => (minimize ? b.value - a.value : a.value - b.value)); // best drawn last
    const shown = done.slice(Math.max(0, done.length - limit));
    const names = params.length ? params : [...new Set(shown.flatMap((t) => Object.keys(t.params || {})))];
    const axes = names.map((n) => axisOf(n, shown.map((t) => (t.params || {})[n]), space[n]));
    const vals = shown.map((t) => t.value);
    const vlo = Math.min(...vals), vhi = Math.max(...vals);
    axes.push({ name: 'value', pos: (v) => (vhi > vlo ? (v - vlo) / (vhi - vlo) : 0.5), labels: [fmtNum(vlo), fmtNum(vhi)] });
    const { ctx, w, h: ht } = hiDpiCanvas(node, height);
    const left = 40, right = 50, top = 44, bottom = 24;
    const step = axes.length > 1 ? (w - left - right) / (axes.length - 1) : 0;
    const X = (i) => left + i * step;
    const Y = (p) => top + (1 - p) * (ht - top - bottom);
    ctx.lineWidth = 1;
    ctx.globalAlpha = shown.length > 2000 ? 0.15 : shown.length > 300 ? 0.35 : 0.7;
    let points = 0;
    for (const t of shown) {
      const good = vhi > vlo ? (t.value - vlo) / (vhi - vlo) : 0;
      ctx.strokeStyle = ramp(minimize ? good : 1 - good);
      ctx.beginPath();
      let started = false;
      axes.forEach((a, i) => {
        const p = a.name === 'value' && i === axes.length - 1 ? a.pos(t.value) : a.pos((t.params || {})[a.name]);
        if (p === null || p === undefined || !isFinite(p)) { started = false; return; }
        points++;
        if (started) ctx.lineTo(X(i), Y(p)); else ctx.moveTo(X(i), Y(p));
        started = true;
      });
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = '#111827';
    ctx.strokeStyle = '#6b7280';
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    axes.forEach((a, i) => {
      ctx.beginPath();
      ctx.moveTo(X(i), Y(0));
      ctx.lineTo(X(i), Y(1));
      ctx.stroke();
      ctx.fillText(a.name + (a.log ? ' (log)' : ''), X(i), 14);
      ctx.fillStyle = '#6b7280';
      if (a.cat) {
        ctx.textAlign = 'left';
        a.cat.forEach((c, k) => ctx.fillText(String(c).slice(0, 10), X(i) + 4, Y(a.cat.length > 1 ? k / (a.cat.length - 1) : 0) + (k ? -4 : 12)));
        ctx.textAlign = 'center';
      } else {
        ctx.fillText(a.labels[0], X(i), Y(0) + 16);
        ctx.fillText(a.labels[1], X(i), Y(1) - 6);
      }
      ctx.fillStyle = '#111827';
    });
    node.dataset.lines = String(shown.length);
    node.dataset.points = String(points);
    node.dataset.axes = String(axes.length);
  }
  requestAnimationFrame(() => draw(trials));
  node.dataset.lines = String(trials.filter((t) => typeof t.value === 'number').length);
  return { node, update: (ts) => draw(ts) };
}

// Learning curves: each trial's intermediate values over steps, pruned ones in red.
// curves: [{number, state, points: [[step, value], ...]}]. Draws at most `limit`.
export function curvesChart({ curves, height = 300, limit = 3000, id, yLabel = 'value' }) {
  const node = h('div.chart.curves', { id, 'data-series': 0, 'data-points': 0, 'data-pruned': 0 });
  function draw(cs) {
    const shown = cs.filter((c) => c.points.length).slice(-limit);
    let xlo = Infinity, xhi = -Infinity, ylo = Infinity, yhi = -Infinity, points = 0;
    for (const c of shown) for (const [s, v] of c.points) {
      if (!isFinite(v)) continue;
      xlo = Math.min(xlo, s); xhi = Math.max(xhi, s); ylo = Math.min(ylo, v); yhi = Math.max(yhi, v);
    }
    const { ctx, w, h: ht } = hiDpiCanvas(node, height);
    const left = 64, right = 16, top = 12, bottom = 32;
    const X = (s) => left + (xhi > xlo ? (s - xlo) / (xhi - xlo) : 0.5) * (w - left - right);
    const Y = (v) => top + (1 - (yhi > ylo ? (v - ylo) / (yhi - ylo) : 0.5)) * (ht - top - bottom);
    ctx.strokeStyle = '#9ca3af';
    ctx.strokeRect(left, top, w - left - right, ht - top - bottom);
    ctx.fillStyle = '#374151';
    ctx.font = '12px system-ui, sans-serif';
    if (isFinite(xlo)) {
      ctx.textAlign = 'center';
      ctx.fillText(fmtNum(xlo), X(xlo), ht - 14);
      ctx.fillText(fmtNum(xhi), X(xhi), ht - 14);
      ctx.fillText('step', (left + w - right) / 2, ht - 2);
      ctx.textAlign = 'right';
      ctx.fillText(fmtNum(yhi), left - 4, Y(yhi) + 4);
      ctx.fillText(fmtNum(ylo), left - 4, Y(ylo));
    }
    let pruned = 0;
    const alpha = shown.length > 500 ? 0.25 : 0.7;
    // Complete curves first, pruned on top so they stand out.
    const order = [...shown].sort((a, b) => (a.state === 'pruned') - (b.state === 'pruned'));
    for (const c of order) {
      const isPruned = c.state === 'pruned';
      if (isPruned) pruned++;
      ctx.globalAlpha = alpha;
      ctx.strokeStyle = isPruned ? '#dc2626' : '#2563eb';
      ctx.setLineDash(isPruned ? [4, 3] : []);
      ctx.beginPath();
      c.points.forEach(([s, v], i) => { points++; if (i) ctx.lineTo(X(s), Y(v)); else ctx.moveTo(X(s), Y(v)); });
      ctx.stroke();
      if (isPruned && c.points.length) {
        const [s, v] = c.points[c.points.length - 1];
        ctx.globalAlpha = 1;
        ctx.fillStyle = '#dc2626';
        ctx.fillRect(X(s) - 2.5, Y(v) - 2.5, 5, 5);
      }
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
    node.dataset.series = String(shown.length);
    node.dataset.points = String(points);
    node.dataset.pruned = String(pruned);
    void yLabel;
  }
  requestAnimationFrame(() => draw(curves));
  return { node, update: (cs) => draw(cs) };
}
