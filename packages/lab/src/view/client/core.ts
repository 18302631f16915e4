/**
 * The viewer's script, part 1: the data (decoded lazily from the embedded JSON), the
 * selected machine and command, the slider and keyboard, and the page's sections redrawn
 * on every change. Plain browser JavaScript in a string (no backquotes inside).
 */
export const CLIENT_CORE = String.raw`
'use strict';
var RUNS = [];
var VM = { run: 0, k: 1, sel: null, filterKinds: null, filterPid: '' };
var CACHE = [];
/** The embedded data: gzip'd JSON in base64, unpacked by the browser's own DecompressionStream. */
function loadData() {
  var b64 = document.getElementById('vmlab-data').textContent.trim();
  var bin = atob(b64);
  var bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text().then(function (text) {
    var runs = JSON.parse(text);
    runs.forEach(function (R) { R.ed = R.ed === '' ? [] : R.ed.split('\n'); });
    return runs;
  });
}
function hex(n) { return '0x' + Number(n).toString(16); }
function esc(s) { return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'); }
function el(id) { return document.getElementById(id); }
function cur() { return RUNS[VM.run]; }
function tab(i) {
  var c = CACHE[VM.run];
  var v = c.get(i);
  if (v === undefined) { v = JSON.parse(cur().table[i]); c.set(i, v); }
  return v;
}
/** The state after command k (1-based), as replay --until k prints it. */
function stateAt(k) {
  var R = cur();
  if (k < 1 || k > R.states.length) return null;
  var s = R.states[k - 1];
  var procs = s.p.map(function (i) {
    var p = Object.assign({}, tab(i));
    p.entries = tab(p.entries);
    p.ptes = [].concat.apply([], p.ptes.map(tab));
    p.md = p.md === -1 ? undefined : tab(p.md);
    return p;
  });
  var objs = s.o.map(function (i) {
    var o = Object.assign({}, tab(i));
    o.pages = [].concat.apply([], o.pages.map(tab));
    o.swap = tab(o.swap);
    o.ref = i;
    return o;
  });
  var j = k - 1;
  while (j > 0 && !R.states[j].k) j--;
  var counters = Object.assign({}, tab(R.states[j].c));
  for (var x = j + 1; x <= k - 1; x++) Object.assign(counters, tab(R.states[x].c));
  procs.forEach(function (p, n) { p.ref = s.p[n]; });
  return { processes: procs, objects: objs, free_pages: s.f, swap_used: s.s, counters: counters };
}
/** Event indices grouped by their cause (the command's seq), built once per run. */
function eventsByCommand() {
  var R = cur();
  if (R._by) return R._by;
  var n = R.commands.length + 2;
  var count = new Int32Array(n + 1);
  for (var i = 0; i < R.ec.length; i++) count[Math.min(R.ec[i], n - 1) + 1]++;
  for (var c = 1; c <= n; c++) count[c] += count[c - 1];
  var order = new Int32Array(R.ec.length);
  var fill = count.slice(0, n);
  for (var e = 0; e < R.ec.length; e++) order[fill[Math.min(R.ec[e], n - 1)]++] = e;
  R._by = { start: count, order: order };
  return R._by;
}
function commandEvents(seq) {
  var by = eventsByCommand();
  return by.order.subarray(by.start[seq], by.start[seq + 1]);
}
function setCommand(k) {
  var R = cur();
  if (R.commands.length === 0) return;
  VM.k = Math.max(1, Math.min(R.commands.length, k));
  el('cmd-slider').value = String(VM.k);
  var c = R.commands[VM.k - 1];
  el('cmd-label').textContent = 'command ' + c.seq + ' of ' + R.commands.length + ': line ' + c.line + ' ' + c.op + (c.thread !== undefined ? ' [thread ' + c.thread + ']' : '') + ' ' + c.text;
  location.replace('#machine=' + encodeURIComponent(R.legend.name) + '&cmd=' + VM.k);
  redraw();
}
function setRun(i) {
  VM.run = i;
  VM.sel = null;
  var R = cur();
  document.querySelectorAll('#machines button').forEach(function (b, j) { b.classList.toggle('on', j === i); });
  el('cmd-slider').max = String(Math.max(1, R.commands.length));
  el('legend').innerHTML = legendHtml(R);
  buildFilters();
  setCommand(Math.min(VM.k, R.commands.length));
}
function legendHtml(R) {
  var L = R.legend;
  var pol = Object.keys(L.policies).map(function (k) { return k + '=' + L.policies[k]; });
  var feats = Object.keys(L.features).filter(function (k) { return L.features[k]; });
  return '<b>' + esc(L.name) + '</b>: arch ' + esc(L.arch) + ', abi ' + esc(L.abi) + ', ' + L.cpus + ' cpus' +
    (feats.length ? ', features ' + esc(feats.join(' ')) : '') +
    ', policies ' + (pol.length ? esc(pol.join(', ')) : 'defaults') +
    ', plugins ' + (L.plugins.length ? esc(L.plugins.join(', ')) : 'none') +
    ' <span class="file">' + esc(R.file) + (R.identical ? '' : ' (REPLAY DIFFERS from the log)') + '</span>';
}
function redraw() {
  var st = stateAt(VM.k);
  var prev = VM.k > 1 ? stateAt(VM.k - 1) : null;
  drawMap(st, prev);
  drawGraph(st, prev);
  drawPages(st);
  drawLanes();
  drawTimeline();
  drawProblems();
  el('memory').textContent = st ? 'free pages ' + st.free_pages + ', swap used ' + st.swap_used + ', counters ' + Object.keys(st.counters).filter(function (x) { return st.counters[x]; }).map(function (x) { return x + ' ' + st.counters[x]; }).join(', ') : '';
}
function init() {
  loadData().then(function (runs) {
    RUNS = runs;
    CACHE = RUNS.map(function () { return new Map(); });
    start();
  }).catch(function (e) { console.error('vmlab view: cannot read the embedded data: ' + e); });
}
function start() {
  var mb = el('machines');
  RUNS.forEach(function (R, i) {
    var b = document.createElement('button');
    b.textContent = R.legend.name;
    b.title = R.file;
    b.onclick = function () { setRun(i); };
    mb.appendChild(b);
  });
  el('cmd-slider').min = '1';
  el('cmd-slider').oninput = function () { setCommand(Number(el('cmd-slider').value)); };
  el('prev').onclick = function () { setCommand(VM.k - 1); };
  el('next').onclick = function () { setCommand(VM.k + 1); };
  document.addEventListener('keydown', function (ev) {
    if (ev.target && ev.target.tagName === 'INPUT' && ev.target.type !== 'range') return;
    var d = { ArrowRight: 1, ArrowLeft: -1, PageDown: 10, PageUp: -10, j: 1, k: -1 }[ev.key];
    if (d !== undefined) { setCommand(VM.k + d); ev.preventDefault(); }
    else if (ev.key === 'Home') { setCommand(1); ev.preventDefault(); }
    else if (ev.key === 'End') { setCommand(cur().commands.length); ev.preventDefault(); }
  });
  var h = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) { var p = kv.split('='); if (p[0]) h[p[0]] = decodeURIComponent(p[1] || ''); });
  var run = 0;
  RUNS.forEach(function (R, i) { if (R.legend.name === h.machine) run = i; });
  if (h.cmd) VM.k = Number(h.cmd) || 1;
  setRun(run);
  document.body.setAttribute('data-ready', '1');
}
`;
