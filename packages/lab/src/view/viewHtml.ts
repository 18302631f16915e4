/**
 * `vmlab view`'s page: one self-contained HTML file (no network: the data and the script
 * are inline) showing one or more run logs (a compare gives one per machine).
 */
import { gzipSync } from 'node:zlib';
import { CLIENT_CORE } from './client/core.ts';
import { CLIENT_GRAPH } from './client/graph.ts';
import { CLIENT_MAP } from './client/map.ts';
import { CLIENT_TIMELINE } from './client/timeline.ts';
import type { ViewModel } from './viewModel.ts';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const CSS = `
body{font-family:system-ui,sans-serif;margin:0;font-size:13px;color:#222}
header{position:sticky;top:0;background:#f6f6f6;border-bottom:1px solid #ccc;padding:6px 12px;z-index:2}
header h1{font-size:16px;margin:0 0 4px}
#machines button{margin-right:4px;border:1px solid #999;background:#fff;padding:2px 8px;cursor:pointer}
#machines button.on{background:#335;color:#fff}
#controls{display:flex;gap:8px;align-items:center;margin-top:4px}
#cmd-slider{flex:1}
#cmd-label{font-family:ui-monospace,monospace;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:60%}
.file{color:#666;margin-left:8px}
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:10px;padding:10px}
section{border:1px solid #ddd;border-radius:4px;padding:6px 8px;overflow:auto}
section h2{font-size:14px;margin:0 0 4px}
.wide{grid-column:1 / span 2}
svg text{font-size:11px;font-family:ui-monospace,monospace}
svg.vamap g.entry rect{fill:#9cc3e6;stroke:#557}
svg.vamap g.entry rect.prot-r{fill:#c9dff2}svg.vamap g.entry rect.prot-rw{fill:#9cc3e6}svg.vamap g.entry rect.prot-rx,svg.vamap g.entry rect.prot-rwx{fill:#e6c79c}
svg.vamap g.entry rect.prot-nnn{fill:#ddd}
svg.vamap g.entry.changed rect{stroke:#d00;stroke-width:2.5}
svg.vamap g.entry.selected rect{stroke:#000;stroke-width:2;stroke-dasharray:4 2}
svg.vamap g.entry{cursor:pointer}svg.vamap text.addr{fill:#334}
svg.vamap g.md-range rect{fill:#f4a259;opacity:.8}
table{border-collapse:collapse;font-family:ui-monospace,monospace;font-size:12px}
td,th{border:1px solid #ddd;padding:1px 5px;text-align:left}
tr.changed{background:#fde2e2}
.removed{color:#b00}
.threads{margin:3px 0}.thread-md{font-family:ui-monospace,monospace;background:#fff3e0;padding:1px 4px;margin-right:6px}
#chain-graph g.object rect{fill:#e8f0e0;stroke:#575}#chain-graph g.object rect.t-vnode{fill:#e0e8f4}
#chain-graph g.object.changed rect{stroke:#d00;stroke-width:2.5}
#chain-graph g.gentry rect{fill:#f4f4f4;stroke:#999}
#chain-graph line{stroke:#555}#chain-graph g.edge.maps line{stroke-dasharray:3 3}
#chain-graph marker path{fill:#555}
#filters label.kind{display:inline-block;padding:0 4px;margin:1px;border-radius:3px;font-size:11px}
#filters label.kind.md{border:1px dashed #333}
#timeline{max-height:520px;overflow:auto}
.cmd{border-top:1px solid #ccc;padding:2px 0;cursor:pointer}
.cmd.current{outline:2px solid #335}
.cmd-head{font-family:ui-monospace,monospace}
.event{font-family:ui-monospace,monospace;font-size:11px;margin:1px 0 1px 16px;padding:0 4px;border-radius:2px}
.event.md{margin-left:40px;border-left:3px solid #555}
.violation{color:#fff;background:#b00;padding:1px 4px;margin:2px 0}.violation a{color:#fff}
.failure{color:#b00;font-weight:bold}
.more{color:#777;font-style:italic}
svg.lanes g.slice rect{fill:#dde6f5;stroke:#557}
svg.lanes g.slice.preempted rect{fill:#fbe3c4}
svg.lanes g.slice.broke rect{stroke:#d00;stroke-width:3}
svg.lanes g.slice.current rect{stroke:#000;stroke-width:2}
svg.lanes g.slice{cursor:pointer}svg.lanes text.reason{fill:#833}
svg.lanes line.lane{stroke:#ccc}svg.lanes text.broke-mark{fill:#d00;font-size:14px}
`;

const BODY = `
<header>
<h1 id="title"></h1>
<div id="machines"></div>
<div id="legend"></div>
<div id="controls"><button id="prev" title="previous command (left arrow)">&#9664;</button><input type="range" id="cmd-slider" min="1" value="1" aria-label="command"><button id="next" title="next command (right arrow)">&#9654;</button><span id="cmd-label"></span></div>
</header>
<main>
<section id="map-box"><h2>Address spaces</h2><div id="map"></div><div id="memory"></div></section>
<section id="graph-box"><h2>Objects and shadow chains</h2><div id="graph"></div></section>
<section id="lanes-box" class="wide"><h2>Races (one lane per kernel thread)</h2><div id="lanes"></div></section>
<section id="pages-box"><h2>Pages and PTEs of the selected range</h2><div id="pages"></div></section>
<section id="problems-box"><h2>Invariant violations and failed expectations</h2><div id="problems"></div></section>
<section id="timeline-box" class="wide"><h2>Timeline (events under the command that caused them; MD events indented)</h2><div id="filters"></div><div id="timeline"></div></section>
</main>
`;

/** The HTML page of one or more view models (a compare: one per machine). */
export function viewHtml(models: readonly ViewModel[]): string {
  const title =
    models.length > 0 ? `${models[0]!.scenario}${models.length > 1 ? ` (${models.length} machines)` : ` on ${models[0]!.legend.name}`}` : 'vmlab view';
  // gzip'd JSON in base64 (the browser unpacks it with DecompressionStream): a million events
  // of repetitive text shrink tenfold, and the page parses a short base64 string, not 70 MB.
  const json = JSON.stringify(models.map((m) => ({ ...m, ed: m.ed.join('\n') })));
  const data = gzipSync(json, { level: 6 }).toString('base64');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>vmlab view: ${esc(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<style>${CSS}</style></head>
<body>${BODY}
<script type="application/octet-stream" id="vmlab-data" data-encoding="gzip+base64">${data}</script>
<script>
${CLIENT_CORE}
${CLIENT_MAP}
${CLIENT_GRAPH}
${CLIENT_TIMELINE}
document.getElementById('title').textContent = ${JSON.stringify(`vmlab view: ${title}`).replace(/</g, '\\u003c')};
init();
</script>
</body></html>
`;
}
