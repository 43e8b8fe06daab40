/// The dashboard: one self-contained page (HTML, CSS and JavaScript, no CDN, no build step) that polls
/// `/dashboard/api/…` every two seconds and draws its charts as inline SVG.
///
/// It is a Swift string rather than a SwiftPM resource: the generated `Bundle.module` accessor stops the process
/// when the bundle is not beside the executable, and a request must never be able to do that.
enum DashboardPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CampusSearch dashboard</title>
<style>
:root { --bg:#0f1419; --panel:#171e26; --line:#263241; --text:#d8e0e8; --dim:#8796a8; --accent:#4fb3ff; --ok:#46c28e; --warn:#f0b44c; --bad:#f0605a; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--text); }
header { display:flex; align-items:center; gap:24px; padding:12px 20px; border-bottom:1px solid var(--line); flex-wrap:wrap; }
header h1 { font-size:18px; margin:0; font-weight:600; }
header .stat { color:var(--dim); } header .stat b { color:var(--text); font-weight:600; }
#auth { margin-left:auto; display:flex; gap:6px; align-items:center; }
#auth input { background:var(--panel); color:var(--text); border:1px solid var(--line); border-radius:4px; padding:4px 8px; width:220px; }
button { background:#22303f; color:var(--text); border:1px solid var(--line); border-radius:4px; padding:3px 10px; cursor:pointer; }
button:hover { border-color:var(--accent); }
main { display:grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap:16px; padding:16px 20px; }
section { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:12px 14px; min-width:0; }
section.wide { grid-column: 1 / -1; }
section h2 { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--dim); margin:0 0 10px; font-weight:600; }
.kpis { display:flex; gap:22px; flex-wrap:wrap; margin-bottom:8px; }
.kpi .v { font-size:24px; font-weight:600; } .kpi .l { color:var(--dim); font-size:12px; }
table { width:100%; border-collapse:collapse; font-variant-numeric: tabular-nums; }
th, td { text-align:left; padding:4px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
th { color:var(--dim); font-weight:500; font-size:12px; }
td.num, th.num { text-align:right; }
td.name { max-width:340px; overflow:hidden; text-overflow:ellipsis; }
.bar { height:8px; background:#243040; border-radius:4px; overflow:hidden; min-width:80px; }
.bar > span { display:block; height:100%; background:var(--accent); }
.muted { color:var(--dim); } .bad { color:var(--bad); } .ok { color:var(--ok); }
#error { display:none; background:#3a1d1f; color:#ffd6d3; padding:8px 20px; }
svg text { fill:var(--dim); font-size:10px; }
.legend span { margin-right:14px; font-size:12px; color:var(--dim); } .legend i { display:inline-block; width:10px; height:3px; margin-right:4px; vertical-align:middle; }
</style>
</head>
<body>
<header>
  <h1>CampusSearch</h1>
  <span class="stat">up <b id="uptime">–</b></span>
  <span class="stat">RSS <b id="rss">–</b></span>
  <span class="stat">CPU <b id="cpu">–</b></span>
  <span class="stat">threads <b id="threads">–</b></span>
  <span class="stat">fds <b id="fds">–</b></span>
  <div id="auth"><input id="token" type="password" placeholder="superadmin Bearer token (optional on loopback)" autocomplete="off"><button id="save-token">Use token</button></div>
</header>
<div id="error"></div>
<main>
  <section class="wide" id="traffic-panel">
    <h2>HTTP traffic · last <span id="window">5</span> minutes</h2>
    <div class="kpis">
      <div class="kpi"><div class="v" id="req-rate">–</div><div class="l">requests / s</div></div>
      <div class="kpi"><div class="v" id="req-count">–</div><div class="l">requests</div></div>
      <div class="kpi"><div class="v" id="req-p50">–</div><div class="l">p50</div></div>
      <div class="kpi"><div class="v" id="req-p95">–</div><div class="l">p95</div></div>
      <div class="kpi"><div class="v" id="req-p99">–</div><div class="l">p99</div></div>
      <div class="kpi"><div class="v" id="req-errors">–</div><div class="l">5xx</div></div>
    </div>
    <div class="legend"><span><i style="background:var(--accent)"></i>requests per 10 s</span><span><i style="background:var(--warn)"></i>p95 latency</span></div>
    <svg id="traffic-chart" width="100%" height="170" viewBox="0 0 1000 170" preserveAspectRatio="none"></svg>
  </section>
  <section class="wide" id="routes-panel">
    <h2>Routes</h2>
    <table id="routes-table"><thead><tr><th>route</th><th class="num">req/s</th><th class="num">count</th><th class="num">5xx</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th>requests per 10 s</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide" id="procedures-panel">
    <h2>tRPC procedures</h2>
    <table id="procedures-table"><thead><tr><th>procedure</th><th class="num">calls/s</th><th class="num">count</th><th class="num">failed</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th>calls per 10 s</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="jobs-panel">
    <h2>Job queues</h2>
    <table id="queues-table"><thead><tr><th>queue</th><th class="num">waiting</th><th class="num">delayed</th><th class="num">active</th><th class="num">completed</th><th class="num">failed</th><th class="num">cancelled</th></tr></thead><tbody></tbody></table>
    <h2 style="margin-top:14px">Latest failed jobs</h2>
    <table id="failed-table"><thead><tr><th>job</th><th>type</th><th>error</th><th></th></tr></thead><tbody></tbody></table>
  </section>
  <section id="collections-panel">
    <h2>Collections</h2>
    <table id="collections-table"><thead><tr><th>collection</th><th class="num">points</th><th class="num">indexed vectors</th><th class="num">backlog</th><th class="num">memory</th><th>status</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="caches-panel">
    <h2>Caches</h2>
    <table id="caches-table"><thead><tr><th>cache</th><th class="num">hits</th><th class="num">misses</th><th>hit rate</th><th class="num">entries</th><th class="num">bytes</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="storage-panel">
    <h2>Storage (LMDB)</h2>
    <div class="kpis">
      <div class="kpi"><div class="v" id="storage-used">–</div><div class="l">used</div></div>
      <div class="kpi"><div class="v" id="storage-map">–</div><div class="l">map size</div></div>
      <div class="kpi"><div class="v" id="storage-readers">–</div><div class="l">readers</div></div>
      <div class="kpi"><div class="v" id="storage-commits">–</div><div class="l">group commits</div></div>
      <div class="kpi"><div class="v" id="storage-batch">–</div><div class="l">writes per commit</div></div>
    </div>
    <div class="bar"><span id="storage-bar" style="width:0%"></span></div>
  </section>
  <section class="wide" id="search-panel">
    <h2>Search · hybrid text query (all-MiniLM-L6-v2 + BM25, fused with RRF)</h2>
    <form id="search-form" onsubmit="runSearch(); return false;">
      <select id="search-collection"></select>
      <input id="search-text" type="search" placeholder="a question or keywords" autocomplete="off" size="50">
      <button id="search-go" type="submit">Search</button> <span id="search-status" class="muted"></span>
    </form>
    <table id="search-results"><thead><tr><th class="num">score</th><th>id</th><th>text</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem("campus-dashboard-token") || "";
$("token").value = token;
$("save-token").onclick = () => { token = $("token").value.trim(); sessionStorage.setItem("campus-dashboard-token", token); refresh(); };

function esc(text) { return String(text).replace(/[&<>"']/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c])); }
function bytes(n) { if (n == null) return "–"; const u = ["B","KiB","MiB","GiB","TiB"]; let i = 0; while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; } return (i ? n.toFixed(1) : n) + " " + u[i]; }
function ms(v) { if (v == null) return "–"; return v < 1 ? (v * 1000).toFixed(0) + " µs" : v < 100 ? v.toFixed(2) + " ms" : v.toFixed(0) + " ms"; }
function num(v, digits) { return v == null ? "–" : Number(v).toLocaleString("en-US", {maximumFractionDigits: digits || 0}); }
function duration(s) { s = Math.floor(s); const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60); return d ? d + "d " + h + "h" : h ? h + "h " + m + "m" : m + "m " + (s % 60) + "s"; }

async function api(path, options) {
  const headers = Object.assign({}, (options && options.headers) || {});
  if (token) headers["Authorization"] = "Bearer " + token;
  const response = await fetch("/dashboard/api/" + path, Object.assign({}, options || {}, {headers}));
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error((body && body.status && body.status.error) || ("HTTP " + response.status));
  return body.result;
}

function sparkline(counts) {
  const w = 150, h = 24, max = Math.max(1, ...counts);
  const step = counts.length > 1 ? w / (counts.length - 1) : w;
  const points = counts.map((c, i) => (i * step).toFixed(1) + "," + (h - 2 - (c / max) * (h - 4)).toFixed(1)).join(" ");
  return '<svg class="spark" width="' + w + '" height="' + h + '"><polyline fill="none" stroke="#4fb3ff" stroke-width="1.5" points="' + points + '"/></svg>';
}

function drawTraffic(requests, slotSeconds) {
  const svg = $("traffic-chart"), W = 1000, H = 170, pad = 28;
  const counts = requests.counts, p95 = requests.p95_series_ms, n = counts.length;
  const maxCount = Math.max(1, ...counts), maxP95 = Math.max(0.001, ...p95);
  const bw = (W - 2 * pad) / n;
  let out = "";
  for (let g = 0; g <= 4; g++) { const y = pad / 2 + (H - pad - pad / 2) * g / 4; out += '<line x1="' + pad + '" x2="' + (W - pad) + '" y1="' + y + '" y2="' + y + '" stroke="#263241"/>'; }
  counts.forEach((c, i) => { const bh = (H - pad - pad / 2) * c / maxCount; out += '<rect class="req-bar" x="' + (pad + i * bw + 1).toFixed(1) + '" y="' + (H - pad - bh).toFixed(1) + '" width="' + Math.max(1, bw - 2).toFixed(1) + '" height="' + bh.toFixed(1) + '" fill="#4fb3ff" opacity="0.75"><title>' + c + ' requests</title></rect>'; });
  const line = p95.map((v, i) => (pad + i * bw + bw / 2).toFixed(1) + "," + (H - pad - (H - pad - pad / 2) * v / maxP95).toFixed(1)).join(" ");
  out += '<polyline fill="none" stroke="#f0b44c" stroke-width="2" points="' + line + '"/>';
  out += '<text x="' + pad + '" y="10">' + maxCount + ' req / ' + slotSeconds + ' s</text><text x="' + (W - pad) + '" y="10" text-anchor="end">p95 ' + ms(maxP95) + '</text>';
  out += '<text x="' + pad + '" y="' + (H - 8) + '">-' + (n * slotSeconds / 60).toFixed(0) + ' min</text><text x="' + (W - pad) + '" y="' + (H - 8) + '" text-anchor="end">now</text>';
  svg.innerHTML = out;
}

function seriesRows(items, empty) {
  if (!items.length) return '<tr><td colspan="8" class="muted">' + empty + '</td></tr>';
  return items.map((r) => '<tr><td class="name" title="' + esc(r.name) + '">' + esc(r.name) + '</td><td class="num">' + num(r.rate_per_second, 2) + '</td><td class="num">' + num(r.count) +
    '</td><td class="num ' + (r.failures ? "bad" : "") + '">' + num(r.failures) + '</td><td class="num">' + ms(r.p50_ms) + '</td><td class="num">' + ms(r.p95_ms) + '</td><td class="num">' + ms(r.p99_ms) +
    '</td><td>' + sparkline(r.counts) + '</td></tr>').join("");
}

async function jobAction(id, action) {
  try { await api("jobs/" + encodeURIComponent(id) + "/" + action, {method: "POST"}); showError(""); refresh(); }
  catch (e) { showError(action + " " + id + ": " + e.message); }
}
window.jobAction = jobAction;

function showError(text) { const box = $("error"); box.textContent = text; box.style.display = text ? "block" : "none"; }

// The search box: a Qdrant Query API call with server-side inference. Every dense vector of 384 dimensions gets
// the text embedded by all-MiniLM-L6-v2, every sparse vector its qdrant/bm25 terms; two or more prefetches are
// fused with RRF.
async function runSearch() {
  const name = $("search-collection").value, text = $("search-text").value.trim();
  if (!name || !text) return;
  $("search-status").textContent = "searching…";
  try {
    const info = await (await fetch("/collections/" + encodeURIComponent(name))).json();
    const params = info.result.config.params;
    const dense = params.vectors && params.vectors.size !== undefined ? {"": params.vectors} : (params.vectors || {});
    const prefetch = [];
    for (const [using, v] of Object.entries(dense)) {
      if (v.size === 384) prefetch.push(Object.assign({query: {text, model: "sentence-transformers/all-MiniLM-L6-v2"}, limit: 30}, using ? {using} : {}));
    }
    for (const using of Object.keys(params.sparse_vectors || {})) prefetch.push({query: {text, model: "qdrant/bm25"}, using, limit: 30});
    if (!prefetch.length) throw new Error("this collection has no 384-d dense or sparse vector to search with text");
    const body = prefetch.length === 1 ? Object.assign({}, prefetch[0], {limit: 10, with_payload: true})
                                       : {prefetch, query: {fusion: "rrf"}, limit: 10, with_payload: true};
    const started = performance.now();
    const response = await fetch("/collections/" + encodeURIComponent(name) + "/points/query", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
    const answer = await response.json();
    if (!response.ok) throw new Error((answer.status && answer.status.error) || ("HTTP " + response.status));
    const points = answer.result.points;
    const snippet = (p) => { const pl = p.payload || {}; const t = pl.content || pl.text || Object.values(pl).find((x) => typeof x === "string") || JSON.stringify(pl); return String(t).slice(0, 240); };
    $("search-results").tBodies[0].innerHTML = points.length ? points.map((p) => '<tr class="hit"><td class="num">' + Number(p.score).toFixed(4) + '</td><td class="name">' + esc(p.id) + '</td><td>' + esc(snippet(p)) + '</td></tr>').join("")
      : '<tr><td colspan="3" class="muted">no results</td></tr>';
    $("search-status").textContent = points.length + " results in " + (performance.now() - started).toFixed(1) + " ms" + (prefetch.length > 1 ? " (hybrid)" : "");
  } catch (e) {
    $("search-status").textContent = "";
    $("search-results").tBodies[0].innerHTML = '<tr><td colspan="3" class="bad">' + esc(e.message) + '</td></tr>';
  }
}

async function refresh() {
  try {
    const [overview, routes, jobs, collections, caches] = await Promise.all([api("overview"), api("routes"), api("jobs"), api("collections"), api("caches")]);
    showError("");
    $("uptime").textContent = duration(overview.uptime_seconds);
    if (overview.process) { $("rss").textContent = bytes(overview.process.resident_memory_bytes); $("cpu").textContent = num(overview.process.cpu_seconds, 1) + " s"; $("threads").textContent = num(overview.process.threads); $("fds").textContent = num(overview.process.open_fds); }
    const r = overview.requests;
    $("window").textContent = Math.round(overview.window_seconds / 60);
    $("req-rate").textContent = num(r.rate_per_second, 2); $("req-count").textContent = num(r.count);
    $("req-p50").textContent = ms(r.p50_ms); $("req-p95").textContent = ms(r.p95_ms); $("req-p99").textContent = ms(r.p99_ms);
    $("req-errors").textContent = num(r.failures); $("req-errors").className = "v " + (r.failures ? "bad" : "");
    drawTraffic(r, overview.slot_seconds);
    if (overview.storage) {
      $("storage-used").textContent = bytes(overview.storage.used_bytes); $("storage-map").textContent = bytes(overview.storage.map_size_bytes);
      $("storage-readers").textContent = num(overview.storage.readers);
      $("storage-commits").textContent = num(overview.storage.group_commits);
      $("storage-batch").textContent = overview.storage.group_commits ? num(overview.storage.group_commit_writes / overview.storage.group_commits, 1) : "–";
      $("storage-bar").style.width = (100 * overview.storage.used_bytes / Math.max(1, overview.storage.map_size_bytes)).toFixed(1) + "%";
    }
    $("routes-table").tBodies[0].innerHTML = seriesRows(routes.routes, "no requests yet");
    $("procedures-table").tBodies[0].innerHTML = seriesRows(routes.procedures, "no tRPC calls yet");
    const states = ["waiting", "delayed", "active", "completed", "failed", "cancelled"];
    const queues = Object.keys(jobs.queues);
    $("queues-table").tBodies[0].innerHTML = queues.length ? queues.map((q) => '<tr><td>' + esc(q) + '</td>' + states.map((s) => '<td class="num ' + (s === "failed" && jobs.queues[q][s] ? "bad" : "") + '">' + num(jobs.queues[q][s]) + '</td>').join("") + '</tr>').join("") : '<tr><td colspan="7" class="muted">no jobs yet</td></tr>';
    $("failed-table").tBodies[0].innerHTML = jobs.failed.length ? jobs.failed.map((j) => '<tr><td class="name" title="' + esc(j.id) + '">' + esc(j.id) + '</td><td>' + esc(j.type) + '</td><td class="name bad" title="' + esc(j.error || "") + '">' + esc(j.error || "") +
      '</td><td><button onclick="jobAction(\'' + esc(j.id) + '\', \'retry\')">retry</button></td></tr>').join("") : '<tr><td colspan="4" class="muted">no failed jobs</td></tr>';
    $("collections-table").tBodies[0].innerHTML = collections.collections.length ? collections.collections.map((c) => '<tr><td class="name">' + esc(c.name) + '</td><td class="num">' + num(c.points) + '</td><td class="num">' + num(c.indexed_vectors) +
      '</td><td class="num">' + num(c.indexing_backlog) + '</td><td class="num">' + bytes(c.memory_bytes) +
      '</td><td class="' + (c.status === "green" ? "ok" : "bad") + '" title="' + esc(c.reason || "") + '">' + esc(c.status) + '</td></tr>').join("") : '<tr><td colspan="6" class="muted">no collections</td></tr>';
    const select = $("search-collection"), chosen = select.value, names = collections.collections.map((c) => c.name);
    if (select.options.length !== names.length || names.some((n, i) => select.options[i].value !== n)) {
      select.innerHTML = names.map((n) => '<option value="' + esc(n) + '">' + esc(n) + '</option>').join("");
      if (names.includes(chosen)) select.value = chosen;
    }
    $("caches-table").tBodies[0].innerHTML = caches.caches.length ? caches.caches.map((c) => '<tr><td>' + esc(c.name) + '</td><td class="num">' + num(c.hits) + '</td><td class="num">' + num(c.misses) +
      '</td><td><div class="bar" title="' + (c.hit_rate == null ? "no lookups" : (100 * c.hit_rate).toFixed(1) + "%") + '"><span style="width:' + (c.hit_rate == null ? 0 : 100 * c.hit_rate).toFixed(1) + '%"></span></div> <span class="hit-rate">' + (c.hit_rate == null ? "–" : (100 * c.hit_rate).toFixed(1) + "%") + '</span></td><td class="num">' + num(c.entries) + '</td><td class="num">' + bytes(c.bytes) + '</td></tr>').join("") : '<tr><td colspan="6" class="muted">no caches</td></tr>';
    document.body.dataset.loaded = "1";
  } catch (e) {
    showError(e.message);
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
"""#
}
