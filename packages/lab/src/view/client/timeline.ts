/**
 * The viewer's script, part 4: the timeline (events grouped under the command that caused
 * them, coloured by kind, MI and MD told apart, filterable by kind and process, a window of
 * commands around the selected one so a million events stay cheap), the lanes of each
 * concurrent step, and the invariant violations and failed expectations.
 */
export const CLIENT_TIMELINE = String.raw`
var WINDOW = 15, MAX_EVENTS_CURRENT = 300, MAX_EVENTS_OTHER = 12;
function kindColor(i) { return 'hsl(' + ((i * 47) % 360) + ',60%,' + (i % 2 ? 82 : 74) + '%)'; }
function buildFilters() {
  var R = cur();
  var used = new Uint32Array(R.kinds.length);
  for (var e = 0; e < R.ek.length; e++) used[R.ek[e]]++;
  var boxes = R.kinds.map(function (k, i) {
    if (!used[i]) return '';
    return '<label class="kind ' + (R.mdKinds.indexOf(k) >= 0 ? 'md' : 'mi') + '" style="background:' + kindColor(i) + '" title="' + used[i] + ' events"><input type="checkbox" data-kind="' + i + '" checked> ' + esc(k) + '</label>';
  }).join('');
  var pids = new Set();
  R.commands.forEach(function (c) { var m = /pid: (\d+)/.exec(c.text); if (m) pids.add(m[1]); });
  el('filters').innerHTML = boxes + ' <label>process <select id="pid-filter"><option value="">all</option>' + Array.from(pids).map(function (p) { return '<option>' + p + '</option>'; }).join('') + '</select></label>';
  VM.filterKinds = null;
  VM.filterPid = '';
  el('filters').querySelectorAll('input[data-kind]').forEach(function (b) {
    b.onchange = function () {
      VM.filterKinds = new Set();
      el('filters').querySelectorAll('input[data-kind]').forEach(function (x) { if (x.checked) VM.filterKinds.add(Number(x.getAttribute('data-kind'))); });
      drawTimeline();
    };
  });
  el('pid-filter').onchange = function () { VM.filterPid = el('pid-filter').value; drawTimeline(); };
}
/** An event's fields as text, addresses in hex. */
function eventText(d) {
  return d.replace(/"(va|start|end|addr)":(\d+)/g, function (_, k, n) { return k + ':' + hex(Number(n)); }).replace(/"/g, '');
}
function commandPid(c) { var m = /pid: (\d+)/.exec(c.text); return m ? m[1] : ''; }
function drawTimeline() {
  var R = cur();
  var out = [];
  var lo = Math.max(1, VM.k - WINDOW), hi = Math.min(R.commands.length, VM.k + WINDOW);
  if (lo > 1) out.push('<div class="more">' + (lo - 1) + ' earlier commands (move the slider)</div>');
  var vAt = new Map();
  R.violations.forEach(function (v) { var l = vAt.get(v.seq) || []; l.push(v); vAt.set(v.seq, l); });
  for (var s = lo; s <= hi; s++) {
    var c = R.commands[s - 1];
    if (VM.filterPid && commandPid(c) !== VM.filterPid) continue;
    var evs = commandEvents(c.seq);
    var shown = [];
    var cap = c.seq === VM.k ? MAX_EVENTS_CURRENT : MAX_EVENTS_OTHER;
    for (var i = 0; i < evs.length && shown.length < cap; i++) {
      var e = evs[i];
      if (VM.filterKinds && !VM.filterKinds.has(R.ek[e])) continue;
      var kind = R.kinds[R.ek[e]];
      shown.push('<div class="event ' + (R.mdKinds.indexOf(kind) >= 0 ? 'md' : 'mi') + '" data-kind="' + esc(kind) + '" data-event="' + e + '" style="background:' + kindColor(R.ek[e]) + '"><b>' + esc(kind) + '</b> <span>' + esc(eventText(R.ed[e])) + '</span></div>');
    }
    var extra = i < evs.length ? '<div class="more">' + (evs.length - i) + ' more events' + (c.seq === VM.k ? '' : ' (select the command to see more)') + '</div>' : '';
    var bad = (vAt.get(c.seq) || []).map(function (v) { return '<div class="violation" data-invariant="' + esc(v.invariant) + '">INVARIANT ' + esc(v.invariant) + ': ' + esc(v.message) + '</div>'; }).join('');
    var fail = c.failure ? '<div class="failure">EXPECTATION FAILED: ' + esc(c.failure) + '</div>' : '';
    out.push('<div class="cmd' + (c.seq === VM.k ? ' current' : '') + (bad ? ' has-violation' : '') + (fail ? ' has-failure' : '') + '" data-seq="' + c.seq + '"><div class="cmd-head">#' + c.seq + ' line ' + c.line + ' <b>' + esc(c.op) + '</b>' + (c.thread !== undefined ? ' [thread ' + c.thread + ']' : '') + ' ' + esc(c.text) + ' <small>(' + evs.length + ' events)</small></div>' + shown.join('') + extra + fail + bad + '</div>');
  }
  if (hi < R.commands.length) out.push('<div class="more">' + (R.commands.length - hi) + ' later commands</div>');
  var box = el('timeline');
  box.innerHTML = out.join('');
  box.querySelectorAll('.cmd').forEach(function (d) { d.onclick = function () { setCommand(Number(d.getAttribute('data-seq'))); }; });
  var curEl = box.querySelector('.cmd.current');
  if (curEl) box.scrollTop = Math.max(0, curEl.offsetTop - box.offsetTop - 60);
}
function drawLanes() {
  var R = cur();
  if (R.lanes.length === 0) { el('lanes-box').style.display = 'none'; return; }
  el('lanes-box').style.display = '';
  var out = R.lanes.map(function (L, li) {
    var SW = 230, LH = 46, LX = 170;
    var w = LX + L.slices.length * SW + 10, h = 24 + L.threads * LH;
    var svg = '<svg class="lanes" data-line="' + L.line + '" width="' + w + '" height="' + h + '" viewBox="0 0 ' + w + ' ' + h + '">';
    L.labels.forEach(function (lab, t) { svg += '<text class="lane-label" x="4" y="' + (40 + t * LH) + '">' + esc(lab) + '</text><line class="lane" x1="' + LX + '" x2="' + w + '" y1="' + (48 + t * LH) + '" y2="' + (48 + t * LH) + '"></line>'; });
    L.slices.forEach(function (s, i) {
      var x = LX + i * SW, y = 22 + s.thread * LH;
      var isCur = s.commands.indexOf(VM.k) >= 0;
      var ops = s.commands.map(function (q) { var c = R.commands[q - 1]; return c ? c.op + ' #' + q : '#' + q; }).join(', ');
      svg += '<g class="slice' + (s.preempted ? ' preempted' : '') + (s.violations.length ? ' broke' : '') + (isCur ? ' current' : '') + '" data-thread="' + s.thread + '" data-reason="' + esc(s.reason) + '" data-commands="' + s.commands.join(',') + '">' +
        '<rect x="' + (x + 2) + '" y="' + y + '" width="' + (SW - 6) + '" height="' + (LH - 10) + '" rx="3"></rect>' +
        '<text x="' + (x + 6) + '" y="' + (y + 13) + '">' + esc(ops.length > 34 ? ops.slice(0, 33) + '\u2026' : ops || '(continues)') + '</text>' +
        '<text class="reason" x="' + (x + 6) + '" y="' + (y + 28) + '">' + (s.preempted ? '\u21af ' : '') + esc(s.reason.length > 34 ? s.reason.slice(0, 33) + '\u2026' : s.reason) + '</text>' +
        '<title>' + esc('thread ' + s.thread + ': ' + (ops || 'continues') + '; stopped: ' + s.reason + (s.preempted ? ' (preempted: it could have gone on)' : '') + s.violations.map(function (v) { return '; INVARIANT ' + v.invariant + ': ' + v.message; }).join('')) + '</title></g>';
      if (s.violations.length) svg += '<text class="broke-mark" x="' + (x + SW - 18) + '" y="' + (y - 2) + '">\u2716</text>';
    });
    svg += '</svg>';
    var notes = L.slices.filter(function (s) { return s.violations.length; }).map(function (s) { return s.violations.map(function (v) { return '<li class="violation">after a slice of thread ' + s.thread + ': ' + esc(v.invariant) + ': ' + esc(v.message) + '</li>'; }).join(''); }).join('');
    return '<div class="lane-group" data-index="' + li + '"><h3>concurrent step at line ' + L.line + '</h3>' + svg + (notes ? '<ul>' + notes + '</ul>' : '') + '</div>';
  }).join('');
  el('lanes').innerHTML = out;
  el('lanes').querySelectorAll('g.slice').forEach(function (g) {
    g.addEventListener('click', function () { var c = g.getAttribute('data-commands'); if (c) setCommand(Number(c.split(',')[0])); });
  });
}
function drawProblems() {
  var R = cur();
  var items = [];
  R.commands.forEach(function (c) { if (c.failure) items.push('<li class="failure"><a href="#" data-seq="' + c.seq + '">command ' + c.seq + '</a> line ' + c.line + ' ' + esc(c.op) + ': ' + esc(c.failure) + '</li>'); });
  R.violations.forEach(function (v) { items.push('<li class="violation"><a href="#" data-seq="' + v.seq + '">command ' + v.seq + '</a> INVARIANT ' + esc(v.invariant) + ': ' + esc(v.message) + '</li>'); });
  if (R.error) items.push('<li class="failure">the run stopped: ' + esc(R.error) + '</li>');
  el('problems').innerHTML = items.length ? '<ul>' + items.join('') + '</ul>' : '<p>No failed expectation, no invariant violation.</p>';
  el('problems').querySelectorAll('a[data-seq]').forEach(function (a) { a.onclick = function (ev) { ev.preventDefault(); setCommand(Number(a.getAttribute('data-seq'))); }; });
}
`;
