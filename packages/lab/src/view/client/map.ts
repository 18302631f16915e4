/**
 * The viewer's script, part 2: the address-space map of each process. Entries are bands
 * along the VA space with log-scaled widths and gaps (a 1 TiB hole takes a few pixels), MD
 * side tables are overlays under the bands, what changed since the previous command is
 * outlined; clicking a band selects its range for the page table below.
 */
export const CLIENT_MAP = `
var MAP_W = 600;
/** Breakpoints over every entry and MD range boundary; each segment's width grows with log2 of its pages. */
function vaScale(p) {
  var pts = [];
  p.entries.forEach(function (e) { pts.push(e.start, e.end); });
  var md = (p.md && p.md.ranges) || {};
  Object.keys(md).forEach(function (t) { md[t].forEach(function (r) { pts.push(r.start, r.end); }); });
  pts.sort(function (a, b) { return a - b; });
  pts = pts.filter(function (v, i) { return i === 0 || v !== pts[i - 1]; });
  if (pts.length < 2) return null;
  var segs = [];
  var total = 0;
  for (var i = 0; i + 1 < pts.length; i++) {
    var a = pts[i], b = pts[i + 1];
    var mapped = p.entries.some(function (e) { return e.start <= a && e.end >= b; });
    var w = Math.log2((b - a) / 4096 + 1) * (mapped ? 1 : 0.35) + (mapped ? 1 : 0.3);
    segs.push({ a: a, b: b, w: w });
    total += w;
  }
  var x = 0;
  segs.forEach(function (s) { s.x0 = x; x += s.w * MAP_W / total; s.x1 = x; });
  return function (va) {
    if (va <= segs[0].a) return 0;
    for (var j = 0; j < segs.length; j++) {
      var s = segs[j];
      if (va <= s.b) return s.x0 + (s.x1 - s.x0) * (va - s.a) / (s.b - s.a);
    }
    return MAP_W;
  };
}
function entryKey(e) { return JSON.stringify(e); }
function mdLabel(t, r) {
  var parts = [];
  Object.keys(r).forEach(function (k) { if (k !== 'start' && k !== 'end') parts.push(k === 'persist' ? (r[k] ? 'PERSIST' : '') : k + ' ' + r[k]); });
  return t + ' ' + parts.filter(Boolean).join(' ');
}
function drawMap(st, prev) {
  var out = [];
  if (!st) { el('map').innerHTML = ''; return; }
  st.processes.forEach(function (p) {
    var pp = prev ? prev.processes.find(function (q) { return q.pid === p.pid; }) : null;
    var old = new Set(pp ? pp.entries.map(entryKey) : []);
    var sc = vaScale(p);
    var md = (p.md && p.md.ranges) || {};
    var tables = Object.keys(md);
    var h = 46 + tables.length * 16;
    var svg = '<svg class="vamap" data-pid="' + p.pid + '" width="' + (MAP_W + 4) + '" height="' + h + '" viewBox="-2 0 ' + (MAP_W + 4) + ' ' + h + '">';
    if (sc) {
      p.entries.forEach(function (e, i) {
        var x0 = sc(e.start), x1 = sc(e.end);
        var changed = pp !== null && !old.has(entryKey(e));
        var sel = VM.sel && VM.sel.pid === p.pid && VM.sel.start === e.start;
        svg += '<g class="entry' + (changed ? ' changed' : '') + (sel ? ' selected' : '') + '" data-pid="' + p.pid + '" data-index="' + i + '" data-start="' + hex(e.start) + '" data-end="' + hex(e.end) + '" data-prot="' + e.prot + '">' +
          '<rect x="' + x0.toFixed(1) + '" y="4" width="' + Math.max(2, x1 - x0 - 1).toFixed(1) + '" height="26" class="prot-' + e.prot.replace(/-/g, 'n') + '"></rect>' +
          '<text x="' + (x0 + 3).toFixed(1) + '" y="15">' + esc(e.prot + (e.shared ? ' shared' : '') + (e.object !== null ? ' obj ' + e.object : '')) + '</text>' +
          '<text x="' + (x0 + 3).toFixed(1) + '" y="27" class="addr">' + hex(e.start) + '</text>' +
          '<title>' + esc(hex(e.start) + '-' + hex(e.end) + ' prot ' + e.prot + '/' + e.maxprot + ' inherit ' + e.inherit + ' wired ' + e.wired + (e.shared ? ' shared' : ' private') + ' object ' + e.object + ' offset ' + e.offset) + '</title></g>';
      });
      tables.forEach(function (t, ti) {
        md[t].forEach(function (r) {
          var x0 = sc(r.start), x1 = sc(r.end);
          svg += '<g class="md-range" data-table="' + esc(t) + '" data-start="' + hex(r.start) + '" data-end="' + hex(r.end) + '" data-label="' + esc(mdLabel(t, r)) + '">' +
            '<rect x="' + x0.toFixed(1) + '" y="' + (34 + ti * 16) + '" width="' + Math.max(2, x1 - x0 - 1).toFixed(1) + '" height="12"></rect>' +
            '<text x="' + (x0 + 3).toFixed(1) + '" y="' + (44 + ti * 16) + '">' + esc(mdLabel(t, r)) + '</text><title>' + esc(mdLabel(t, r) + ' ' + hex(r.start) + '-' + hex(r.end)) + '</title></g>';
        });
      });
    }
    svg += '</svg>';
    var rows = p.entries.map(function (e, i) {
      var changed = pp !== null && !old.has(entryKey(e));
      return '<tr class="' + (changed ? 'changed' : '') + '" data-index="' + i + '"><td>' + hex(e.start) + '</td><td>' + hex(e.end) + '</td><td class="prot">' + e.prot + '</td><td class="maxprot">' + e.maxprot + '</td><td class="inherit">' + e.inherit +
        '</td><td class="wired">' + e.wired + '</td><td class="sharing">' + (e.shared ? 'shared' : 'private') + '</td><td class="object">' + (e.object === null ? '-' : e.object) + '</td><td class="offset">' + e.offset + '</td><td>' +
        [e.needs_copy ? 'needs_copy' : '', e.cow ? 'cow' : '', e.revoked ? 'revoked' : '', e.md_flags !== undefined ? 'md ' + hex(e.md_flags) : ''].filter(Boolean).join(' ') + '</td></tr>';
    }).join('');
    var threads = p.md && p.md.threads ? Object.keys(p.md.threads).map(function (tid) {
      var regs = p.md.threads[tid];
      return '<span class="thread-md" data-tid="' + tid + '">thread ' + tid + ': ' + Object.keys(regs).map(function (r) { return r + ' ' + (typeof regs[r] === 'number' ? hex(regs[r]) : esc(JSON.stringify(regs[r]))); }).join(', ') + '</span>';
    }).join(' ') : '';
    var removed = pp ? pp.entries.filter(function (e) { return !p.entries.some(function (f) { return f.start === e.start && f.end === e.end; }); }).length : 0;
    out.push('<div class="proc" data-pid="' + p.pid + '"><h3>pid ' + p.pid + ' <small>' + esc(p.state) + ', threads [' + p.threads.join(', ') + '], rss ' + p.rss + ', vmspace refs ' + p.vmspace_refs +
      (removed ? ', <span class="removed">' + removed + ' entries gone</span>' : '') + '</small></h3>' + svg +
      (threads ? '<div class="threads">' + threads + '</div>' : '') +
      '<table class="entries"><thead><tr><th>start</th><th>end</th><th>prot</th><th>max</th><th>inherit</th><th>wired</th><th></th><th>object</th><th>offset</th><th>flags</th></tr></thead><tbody>' + rows + '</tbody></table></div>');
  });
  el('map').innerHTML = out.join('');
  el('map').querySelectorAll('g.entry, table.entries tr[data-index]').forEach(function (g) {
    g.addEventListener('click', function () {
      var pid = Number(g.closest('.proc').getAttribute('data-pid'));
      var p = st.processes.find(function (q) { return q.pid === pid; });
      var e = p.entries[Number(g.getAttribute('data-index'))];
      VM.sel = { pid: pid, start: e.start, end: e.end };
      redraw();
    });
  });
}
`;
