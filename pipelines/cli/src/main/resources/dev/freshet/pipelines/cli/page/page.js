// The live page: asks the server for /api/state every 2 s and draws it. Plain JavaScript and the
// vendored uPlot; no build step. window.freshetPage counts what is drawn (for tests and curious users).
"use strict";

const REFRESH_MS = 2000;
const COLORS = { served: "#1f77b4", static: "#d62728", promoted: "#2ca02c", rolled_back: "#ff7f0e",
  rate: "#1f77b4", p99: "#9467bd" };
const CHANGES = ["promoted", "rolled_back"];

window.freshetPage = { updates: 0, nePoints: 0, markers: 0, promotions: 0, trafficSamples: 0, error: null };

let neChart = null;
let trafficChart = null;
let last = null;

const $ = (id) => document.getElementById(id);
const fmt = (v, digits = 4) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));
const int = (v) => (v === null || v === undefined ? "–" : Number(v).toLocaleString("en-US"));
const iso = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
const esc = (s) => String(s ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC");

function chartWidth(el) {
  return Math.max(320, el.parentElement.clientWidth);
}

// ---- online NE ---------------------------------------------------------------------------------

function neData(ne) {
  const pts = ne.points;
  // The static model first: the served line is drawn over it where the two agree.
  return [pts.map((p) => (p.start_millis + p.end_millis) / 2000), pts.map((p) => p.static_ne), pts.map((p) => p.served_ne)];
}

function xRange(u, min, max) {
  const s = last;
  const xs = [];
  if (Number.isFinite(min)) xs.push(min, max);
  if (s) {
    if (s.drift_onset_millis) xs.push(s.drift_onset_millis / 1000);
    if (s.stream_now_millis) xs.push(s.stream_now_millis / 1000);
    s.markers.filter((m) => CHANGES.includes(m.type)).forEach((m) => xs.push(m.x_millis / 1000));
  }
  if (!xs.length) return [min, max];
  const lo = Math.min(...xs), hi = Math.max(...xs);
  const pad = Math.max(3600, (hi - lo) * 0.02);
  return [lo - pad, hi + pad];
}

function vline(u, ctx, xSeconds, color, dash) {
  const x = u.valToPos(xSeconds, "x", true);
  if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5 * devicePixelRatio;
  ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
  ctx.beginPath();
  ctx.moveTo(x, u.bbox.top);
  ctx.lineTo(x, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.restore();
}

function drawLines(u) {
  const s = last;
  if (!s) return;
  const ctx = u.ctx;
  if (s.drift_onset_millis) vline(u, ctx, s.drift_onset_millis / 1000, "#888", [6, 4]);
  if (s.stream_now_millis) vline(u, ctx, s.stream_now_millis / 1000, "#bbb", [2, 3]);
  s.markers.filter((m) => CHANGES.includes(m.type)).forEach((m) => vline(u, ctx, m.x_millis / 1000, COLORS[m.type], []));
  placeMarkers(u);
}

// One hoverable element per change of production, over the plot, with the decision's evidence.
function placeMarkers(u) {
  const s = last;
  u.over.querySelectorAll(".marker").forEach((e) => e.remove());
  s.markers.filter((m) => CHANGES.includes(m.type)).forEach((m) => {
    const el = document.createElement("div");
    el.className = "marker " + m.type;
    el.style.left = u.valToPos(m.x_millis / 1000, "x") + "px";
    el.dataset.version = m.version;
    el.innerHTML = `<span class="flag">${esc(m.name)} ${m.type === "promoted" ? "promoted" : "rolled back"}</span>`;
    const text = `${m.evidence}\n\nannounced ${m.at}; ${s.ne.x_axis}: ${iso(m.x_millis)}`;
    el.setAttribute("aria-label", text);
    el.addEventListener("mouseenter", (ev) => showTooltip(ev, text));
    el.addEventListener("mousemove", (ev) => showTooltip(ev, text));
    el.addEventListener("mouseleave", () => ($("tooltip").hidden = true));
    u.over.appendChild(el);
  });
}

function showTooltip(ev, text) {
  const tip = $("tooltip");
  const box = tip.parentElement.getBoundingClientRect();
  tip.textContent = text;
  tip.hidden = false;
  const left = Math.min(ev.clientX - box.left + 12, box.width - 530);
  tip.style.left = Math.max(0, left) + "px";
  tip.style.top = ev.clientY - box.top + 12 + "px";
}

function drawNe(s) {
  const el = $("ne-chart");
  if (!neChart) {
    neChart = new uPlot(
      {
        width: chartWidth(el),
        height: 380,
        tzDate: utc,
        scales: { x: { time: true, range: xRange }, y: { range: (u, min, max) => [0, Math.max(0.1, (max || 0) * 1.1)] } },
        axes: [
          { label: s.ne.x_axis },
          { label: "normalized entropy (lower is better)", size: 60 },
        ],
        series: [
          { label: "x", value: (u, v) => (v == null ? "–" : iso(v * 1000)) },
          { label: s.ne.static_name, stroke: COLORS.static, width: 2, dash: [8, 4], points: { show: true, size: 6 }, value: (u, v) => fmt(v) },
          { label: s.ne.served_name, stroke: COLORS.served, width: 2, points: { show: true, size: 6 }, value: (u, v) => fmt(v) },
        ],
        hooks: { draw: [drawLines] },
      },
      neData(s.ne),
      el,
    );
  } else {
    neChart.setData(neData(s.ne));
  }
  const empty = $("ne-empty");
  empty.hidden = s.ne.points.length > 0;
  empty.textContent = s.ne.empty_note || "no labelled predictions yet";
  $("ne-counts").textContent = s.traffic ? `${int(s.ne.labelled)} predictions labelled, ${int(s.ne.pending)} waiting for their label.` : "";
}

// ---- throughput and latency --------------------------------------------------------------------

function drawTraffic(s) {
  const el = $("traffic-chart");
  const empty = $("traffic-empty");
  const samples = s.traffic ? s.traffic.samples : [];
  empty.hidden = samples.length > 0;
  empty.textContent = s.traffic ? "no samples yet (one a second)" : "not measured here: this page does not see the predictions";
  const data = [samples.map((x) => x.seconds), samples.map((x) => x.predictions_per_second), samples.map((x) => x.p99_millis)];
  if (!trafficChart) {
    trafficChart = new uPlot(
      {
        width: chartWidth(el),
        height: 220,
        scales: { x: { time: false }, rate: { range: (u, min, max) => [0, Math.max(10, (max || 0) * 1.1)] }, ms: { range: (u, min, max) => [0, Math.max(10, (max || 0) * 1.1)] } },
        axes: [
          { label: "wall clock, seconds since the page's server started" },
          { scale: "rate", label: "predictions / s", size: 60 },
          { scale: "ms", side: 1, label: "p99 latency, ms", grid: { show: false }, size: 60 },
        ],
        series: [
          { label: "s" },
          { label: "predictions / s", scale: "rate", stroke: COLORS.rate, width: 2, value: (u, v) => (v == null ? "–" : v.toFixed(0)) },
          { label: "p99 latency (ms)", scale: "ms", stroke: COLORS.p99, width: 1.5, value: (u, v) => (v == null ? "–" : v.toFixed(0)) },
        ],
      },
      data,
      el,
    );
  } else {
    trafficChart.setData(data);
  }
}

// ---- cards, tables, lists ----------------------------------------------------------------------

function versionCard(id, v, sinceLabel, names) {
  const body = $(id).querySelector(".body");
  if (!v) {
    body.innerHTML = `<span class="muted">none</span>`;
    return;
  }
  const name = names[v.version] ? `<span class="big">${esc(names[v.version])}</span> ` : "";
  const off = v.offline || {};
  let online = `<span class="muted">${esc(v.online_note || "")}</span>`;
  if (v.online) {
    const o = v.online;
    const base = names[o.base.version] || o.base.version;
    online = `online (latest look): NE ${fmt(o.other.ne)} against ${esc(base)}'s ${fmt(o.base.ne)}` +
      ` over ${int(o.other.labelled)} labelled predictions`;
  }
  body.innerHTML = `${name}<code>${esc(v.version)}</code><br>${sinceLabel} ${esc(v.since)}<br>` +
    `offline (${esc(off.source || "?")}): NE ${fmt(off.ne)}, AUC ${fmt(off.auc)}<br>${online}`;
}

function trafficCard(t) {
  const body = $("traffic").querySelector(".body");
  if (!t) {
    body.innerHTML = `<span class="muted">not measured here (the page does not see the predictions)</span>`;
    return;
  }
  const recent = t.samples.length ? t.samples[t.samples.length - 1] : null;
  body.innerHTML = `<span class="big">${recent ? int(Math.round(recent.predictions_per_second)) : "–"}</span> predictions/s now<br>` +
    `sent ${int(t.sent)}, predictions ${int(t.predictions)}, dead letters ${int(t.dead_letters)}<br>` +
    `latency send &rarr; prediction read back: p50 ${fmt(t.p50_millis, 0)} ms, p99 ${fmt(t.p99_millis, 0)} ms (whole run)`;
}

function lagCard(status) {
  const body = $("lag").querySelector(".body");
  const lag = status && status.serve_lag;
  if (!lag) {
    body.innerHTML = `<span class="muted">unknown</span>`;
    return;
  }
  body.innerHTML = lag.total === null
    ? `<span class="muted">${esc(lag.unknown_reason)}</span>`
    : `<span class="big">${int(lag.total)}</span> events behind the end of ${esc(lag.topic)}<br><span class="muted">consumer group ${esc(lag.group)} (as fresh as its last auto-commit)</span>`;
}

function driftTable(status) {
  const el = $("drift");
  if (!status || !status.drift) {
    el.innerHTML = `<span class="muted">unknown (needs model-events)</span>`;
    return;
  }
  if (!status.drift.length) {
    el.innerHTML = `<span class="muted">no drift events for the production version yet</span>`;
    return;
  }
  const rows = status.drift.map((d) => `<tr class="${d.alerting ? "alerting" : ""}"><td>${d.alerting ? "&#9888; " : ""}${esc(d.feature)}</td>` +
    `<td class="num">${fmt(d.psi)}</td><td class="num">${fmt(d.ks)}</td><td class="num">${fmt(d.threshold)}</td>` +
    `<td>${esc(d.window_end)}</td><td>${esc(d.out_of_range || "–")}</td></tr>`).join("");
  el.innerHTML = `<table><thead><tr><th>feature</th><th>PSI</th><th>KS</th><th>threshold</th><th>window end</th><th>out of range</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function decisionsList(s, names) {
  const el = $("decisions");
  let items;
  if (s.markers.length) {
    items = s.markers.slice().reverse().map((m) => `<li><span class="type">${esc(m.type)}</span> ${esc(m.name)} ` +
      `<span class="muted">(${esc(m.at)})</span><br>${esc(m.evidence)}</li>`);
  } else if (s.status && s.status.decisions.length) {
    items = s.status.decisions.map((d) => `<li><span class="type">${esc(d.type)}</span> ${esc(names[d.version] || d.version)} ` +
      `<span class="muted">(${esc(d.at)})</span><br>${esc(d.reason || "")}</li>`);
  } else {
    items = [`<li class="muted">none yet</li>`];
  }
  el.innerHTML = items.join("");
}

function render(s) {
  last = s;
  const names = {};
  s.markers.forEach((m) => (names[m.version] = m.name));
  const status = s.status;
  const prod = status && status.production ? names[status.production.version] || "" : "";
  $("subtitle").textContent = `${s.source}, updated ${s.at}` +
    (s.stream_now_millis ? `; stream time ${iso(s.stream_now_millis)}` : "; the stream has not started") +
    (prod ? `; production ${prod}` : "") + (status ? `; registry ${status.registry}` : "");
  const err = s.status_error || null;
  $("error").hidden = !err;
  $("error").textContent = err || "";
  versionCard("production", status && status.production, "since", names);
  versionCard("challenger", status && status.challenger, "registered", names);
  trafficCard(s.traffic);
  lagCard(status);
  driftTable(status);
  decisionsList(s, names);
  drawNe(s);
  drawTraffic(s);
  $("notes").innerHTML = s.notes.concat(status ? status.notes : []).map((n) => `<li>${esc(n)}</li>`).join("");

  const fp = window.freshetPage;
  fp.updates += 1;
  fp.nePoints = s.ne.points.filter((p) => p.served_ne !== null).length;
  fp.markers = document.querySelectorAll("#ne-chart .marker").length;
  fp.promotions = document.querySelectorAll("#ne-chart .marker.promoted").length;
  fp.trafficSamples = s.traffic ? s.traffic.samples.length : 0;
  fp.error = err;
  document.body.dataset.state = "live";
}

async function refresh() {
  try {
    const response = await fetch("api/state", { cache: "no-store" });
    const s = await response.json();
    if (s.error) throw new Error(s.error);
    render(s);
  } catch (e) {
    window.freshetPage.error = String(e);
    $("error").hidden = false;
    $("error").textContent = `No state from the server (${e.message}): the run may have ended. Retrying every ${REFRESH_MS / 1000} s.`;
    document.body.dataset.state = "unreachable";
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

window.addEventListener("resize", () => {
  if (neChart) neChart.setSize({ width: chartWidth($("ne-chart")), height: 380 });
  if (trafficChart) trafficChart.setSize({ width: chartWidth($("traffic-chart")), height: 220 });
});

refresh();
