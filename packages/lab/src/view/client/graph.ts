/**
 * The viewer's script, part 3: objects and shadow chains as a layered graph (map entries
 * on top, each object below the objects that shadow it, edges labelled with the backing
 * offset), and the pages and PTEs of the selected range.
 */
export const CLIENT_GRAPH = String.raw`
var NODE_W = 196, NODE_H = 46, GAP_X = 18, GAP_Y = 40, MAX_NODES = 240;
function drawGraph(st, prev) {
  if (!st) { el('graph').innerHTML = ''; return; }
  var byId = new Map(st.objects.map(function (o) { return [o.id, o]; }));
  var prevRef = new Map(prev ? prev.objects.map(function (o) { return [o.id, o.ref]; }) : []);
  var level = new Map();
  function lv(o) {
    if (level.has(o.id)) return level.get(o.id);
    level.set(o.id, 0);
    var l = 0;
    o.shadows.forEach(function (s) { var so = byId.get(s); if (so) l = Math.max(l, lv(so) + 1); });
    level.set(o.id, l);
    return l;
  }
  var objs = st.objects.slice(0, MAX_NODES);
  objs.forEach(lv);
  var rows = [];
  var ents = [];
  st.processes.forEach(function (p) { p.entries.forEach(function (e) { if (e.object !== null && ents.length < MAX_NODES) ents.push({ pid: p.pid, e: e }); }); });
  rows.push(ents.map(function (x) { return { kind: 'entry', x: x }; }));
  objs.forEach(function (o) { var l = level.get(o.id) + 1; while (rows.length <= l) rows.push([]); rows[l].push({ kind: 'object', o: o }); });
  var pos = new Map();
  var width = 0;
  rows.forEach(function (r, ri) {
    r.forEach(function (n, i) {
      var x = 6 + i * (NODE_W + GAP_X), y = 6 + ri * (NODE_H + GAP_Y);
      n.px = x; n.py = y;
      if (n.kind === 'object') pos.set(n.o.id, n);
      width = Math.max(width, x + NODE_W + 6);
    });
  });
  var height = 12 + rows.length * (NODE_H + GAP_Y);
  var svg = '<svg id="chain-graph" width="' + width + '" height="' + height + '" viewBox="0 0 ' + width + ' ' + height + '"><defs><marker id="arr" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L8,4L0,8z"></path></marker></defs>';
  function edge(a, b, label, cls) {
    var x1 = a.px + NODE_W / 2, y1 = a.py + NODE_H, x2 = b.px + NODE_W / 2, y2 = b.py;
    svg += '<g class="edge ' + cls + '"><line x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' + y2 + '" marker-end="url(#arr)"></line>' + (label ? '<text x="' + ((x1 + x2) / 2 + 4) + '" y="' + ((y1 + y2) / 2) + '">' + esc(label) + '</text>' : '') + '</g>';
  }
  rows[0].forEach(function (n) { var t = pos.get(n.x.e.object); if (t) edge(n, t, n.x.e.offset ? '+' + n.x.e.offset : '', 'maps'); });
  objs.forEach(function (o) { var a = pos.get(o.id), b = o.backing !== null ? pos.get(o.backing) : undefined; if (a && b) edge(a, b, '+' + o.backing_offset, 'backing'); });
  rows[0].forEach(function (n) {
    var e = n.x.e;
    svg += '<g class="gentry" data-pid="' + n.x.pid + '" data-start="' + hex(e.start) + '"><rect x="' + n.px + '" y="' + n.py + '" width="' + NODE_W + '" height="' + NODE_H + '" rx="4"></rect>' +
      '<text x="' + (n.px + 6) + '" y="' + (n.py + 16) + '">pid ' + n.x.pid + ' ' + hex(e.start) + '</text><text x="' + (n.px + 6) + '" y="' + (n.py + 34) + '">' + esc(e.prot + ' ' + e.inherit + (e.needs_copy ? ' needs_copy' : '')) + '</text></g>';
  });
  objs.forEach(function (o) {
    var n = pos.get(o.id);
    var changed = prev !== null && prevRef.get(o.id) !== o.ref;
    svg += '<g class="object' + (changed ? ' changed' : '') + '" data-object="' + o.id + '" data-refs="' + o.refs + '" data-resident="' + o.resident + '" data-swapped="' + o.swapped + '" data-backing="' + (o.backing === null ? '' : o.backing) + '" data-backing-offset="' + o.backing_offset + '">' +
      '<rect x="' + n.px + '" y="' + n.py + '" width="' + NODE_W + '" height="' + NODE_H + '" rx="4" class="t-' + o.type + '"></rect>' +
      '<text x="' + (n.px + 6) + '" y="' + (n.py + 15) + '">object ' + o.id + ' ' + o.type + ' (' + o.size + 'p)' + '</text>' +
      '<text x="' + (n.px + 6) + '" y="' + (n.py + 29) + '">refs ' + o.refs + ' \u00b7 resident ' + o.resident + ' \u00b7 swap ' + o.swapped + '</text>' +
      '<text x="' + (n.px + 6) + '" y="' + (n.py + 42) + '" class="flags">' + esc(o.flags.join(' ') + (o.pager !== 'default' ? ' ' + o.pager : '')) + '</text>' +
      '<title>' + esc('object ' + o.id + ': ' + JSON.stringify({ refs: o.refs, backing: o.backing, backing_offset: o.backing_offset, shadows: o.shadows, resident: o.resident, swapped: o.swapped, flags: o.flags })) + '</title></g>';
  });
  svg += '</svg>';
  var gone = prev ? prev.objects.filter(function (o) { return !byId.has(o.id); }).map(function (o) { return o.id; }) : [];
  el('graph').innerHTML = svg + (st.objects.length > MAX_NODES ? '<p>' + (st.objects.length - MAX_NODES) + ' more objects not drawn</p>' : '') + (gone.length ? '<p class="removed">gone since the previous command: object ' + gone.join(', ') + '</p>' : '');
}
function drawPages(st) {
  var box = el('pages');
  if (!st) { box.innerHTML = ''; return; }
  var sel = VM.sel;
  var p = sel ? st.processes.find(function (q) { return q.pid === sel.pid; }) : null;
  if (!sel || !p) { box.innerHTML = '<p>Click an entry of the map to see its pages and PTEs.</p>'; return; }
  var e = p.entries.find(function (x) { return x.start <= sel.start && x.end > sel.start; });
  var ptes = p.ptes.filter(function (t) { return t.va >= sel.start && t.va < sel.end; });
  var pteAt = new Map(ptes.map(function (t) { return [t.va, t]; }));
  var o = e && e.object !== null ? st.objects.find(function (x) { return x.id === e.object; }) : null;
  var rows = [];
  var total = (sel.end - sel.start) / 4096;
  var vas = [];
  if (total <= 256) for (var v = 0; v < total; v++) vas.push(sel.start + v * 4096);
  else {
    // A large range: only the pages that hold something (a PTE, a resident page, a copy on swap).
    var want = new Set(ptes.map(function (t) { return t.va; }));
    var off = e ? e.offset : 0, ob = o;
    while (ob && e) {
      var base = off;
      ob.pages.concat(ob.swap.map(function (pi) { return { pindex: pi }; })).forEach(function (q) {
        var va = e.start + (q.pindex - base) * 4096;
        if (va >= sel.start && va < sel.end) want.add(va);
      });
      off += ob.backing_offset;
      ob = ob.backing !== null ? st.objects.find(function (x) { return x.id === ob.backing; }) : null;
    }
    vas = Array.from(want).sort(function (a, b) { return a - b; }).slice(0, 256);
  }
  var n = vas.length;
  for (var i = 0; i < n; i++) {
    var va = vas[i];
    var t = pteAt.get(va);
    var pi = e ? e.offset + (va - e.start) / 4096 : -1;
    var pg = null, depth = -1, swap = false, obj = o, d = 0;
    while (obj && pg === null) {
      pg = obj.pages.find(function (q) { return q.pindex === pi; }) || null;
      if (pg) { depth = d; break; }
      if (obj.swap.indexOf(pi) >= 0) { swap = true; depth = d; break; }
      pi += obj.backing_offset; obj = obj.backing !== null ? st.objects.find(function (x) { return x.id === obj.backing; }) : null; d++;
    }
    var md = t ? (t.pkey !== undefined ? 'pkey ' + t.pkey : '') + (t.guarded !== undefined ? (t.guarded ? 'guarded' : 'not guarded') : '') : '';
    rows.push('<tr data-va="' + hex(va) + '"><td>' + hex(va) + '</td><td class="pte">' + (t ? 'V' + (t.writable ? 'W' : '-') + (t.executable ? 'X' : '-') + (t.dirty ? ' D' : '') + (t.referenced ? ' A' : '') : 'not present') +
      '</td><td class="pte-md">' + md + '</td><td>' + (t ? t.frame : '') + '</td><td class="page">' + (pg ? 'resident in ' + obj.id + (depth > 0 ? ' (depth ' + depth + ')' : '') + [pg.dirty ? ' dirty' : '', pg.busy ? ' busy' : '', pg.wired ? ' wired' : '', pg.reusable ? ' reusable' : ''].join('') : swap ? 'on swap in ' + obj.id : '-') + '</td></tr>');
  }
  box.innerHTML = '<p>pid ' + sel.pid + ' ' + hex(sel.start) + '-' + hex(sel.end) + (n < total ? ' (' + total + ' pages; the ' + n + ' that hold something)' : '') + '</p><table id="pte-table"><thead><tr><th>va</th><th>PTE</th><th>MD</th><th>frame</th><th>page</th></tr></thead><tbody>' + rows.join('') + '</tbody></table>';
}
`;
