// Veracity web page: plain DOM, no framework, no external resources. Text from reports is only ever set as text.
"use strict";

const LABELS = {
  ai_generated: "AI-generated or manipulated",
  authentic: "No sign of manipulation",
  inconclusive: "Inconclusive",
};
const DIRECTION_WORDS = {
  synthetic: "points to AI / manipulation",
  authentic: "points to a real capture",
  neutral: "context",
};
const STATUS_WORDS = { queued: "Waiting in line", running: "Analysing", done: "Done", failed: "Failed" };
const STAGE_WORDS = {
  starting: "Starting", downloading: "Downloading the link", probing: "Reading the file",
  analysing: "Running the analyzers", "writing report": "Writing the report",
};
const POLL_MS = 700;
const HISTORY_PAGE = 20;

const $ = (sel) => document.querySelector(sel);
let token = sessionStorage.getItem("veracity-token") || "";
let pollTimer = null;
let currentId = null;
let historyOffset = 0;
const blobUrls = [];

// ---------- small helpers ----------
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(2)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
const pct = (p) => `${Math.round(p * 100)}%`;
const fmtTime = (s) => (s >= 60 ? `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, "0")}` : `${s.toFixed(1)} s`);
const when = (epochS) => new Date(epochS * 1000).toLocaleString();

function notice(text, isError) {
  const el = $("#notice");
  el.textContent = text || "";
  el.classList.toggle("error", Boolean(isError));
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  if (response.status === 401) {
    askToken();
    throw new Error("An access token is needed.");
  }
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      const body = await response.json();
      if (body && body.error) message = body.error.message;
    } catch (_) { /* not JSON */ }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return response;
}

async function blobUrl(path) {
  const response = await api(path);
  const url = URL.createObjectURL(await response.blob());
  blobUrls.push(url);
  return url;
}

function releaseBlobs() {
  while (blobUrls.length) URL.revokeObjectURL(blobUrls.pop());
}

function askToken() {
  const dialog = $("#token-dialog");
  if (!dialog.open) dialog.showModal();
}

// ---------- intake ----------
async function submitFile(file) {
  if (!file) return;
  notice(`Uploading ${file.name}…`);
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    const response = await api("/v1/analyses", { method: "POST", body: form });
    const body = await response.json();
    notice("");
    location.hash = `#/a/${body.id}`;
    loadHistory(true);
  } catch (err) {
    notice(`Could not upload: ${err.message}`, true);
  }
}

async function submitLink(url) {
  notice("Sending the link…");
  try {
    const response = await api("/v1/analyses", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ url }),
    });
    const body = await response.json();
    notice("");
    $("#link").value = "";
    location.hash = `#/a/${body.id}`;
    loadHistory(true);
  } catch (err) {
    notice(`Could not check this link: ${err.message}`, true);
  }
}

function setupIntake() {
  const drop = $("#drop");
  const input = $("#file");
  input.addEventListener("change", () => submitFile(input.files[0]).then(() => { input.value = ""; }));
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.remove("over"); });
  }
  drop.addEventListener("drop", (e) => submitFile(e.dataTransfer.files[0]));
  // The page as a whole accepts a drop too, so a near miss doesn't open the file in the browser.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => { e.preventDefault(); if (e.dataTransfer.files[0]) submitFile(e.dataTransfer.files[0]); });
  $("#link-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const url = $("#link").value.trim();
    if (!/^https?:\/\//i.test(url)) { notice("Paste a link that starts with http:// or https://", true); return; }
    submitLink(url);
  });
  $("#token-form").addEventListener("submit", () => {
    token = $("#token").value.trim();
    sessionStorage.setItem("veracity-token", token);
    route();
  });
}

// ---------- one analysis ----------
async function showJob(id) {
  clearTimeout(pollTimer);
  currentId = id;
  releaseBlobs();
  $("#job").hidden = false;
  $("#intake-title").textContent = "Check another file or link";
  window.scrollTo(0, 0);
  $("#result").replaceChildren();
  $("#progress").replaceChildren(h("p", { class: "muted", text: "Loading…" }));
  await poll(id, true);
}

async function poll(id, first) {
  if (id !== currentId) return;
  let job;
  try {
    job = await (await api(`/v1/analyses/${id}`)).json();
  } catch (err) {
    $("#progress").replaceChildren(h("p", { class: "error", text: err.message }));
    return;
  }
  if (id !== currentId) return;
  $("#job-title").textContent = job.name;
  if (job.status === "queued" || job.status === "running") {
    renderProgress(job);
    pollTimer = setTimeout(() => poll(id, false), POLL_MS);
    return;
  }
  $("#progress").replaceChildren();
  if (job.status === "failed") renderFailure(job);
  else await renderReport(job);
  if (!first) { loadHistory(true); $("#job-title").focus(); }
}

function renderProgress(job) {
  const p = job.progress || {};
  const total = p.total || 0;
  const done = p.done || 0;
  const stage = job.status === "queued" ? "Waiting for a free worker" : (STAGE_WORDS[p.stage] || "Analysing");
  const bar = h("progress", { max: Math.max(total, 1), value: total ? done : 0, "aria-label": "analysis progress" });
  if (!total) bar.removeAttribute("value");
  const items = Object.entries(p.analyzers || {}).map(([name, state]) =>
    h("li", { class: `state-${state}` }, h("span", { class: "dot", "aria-hidden": "true" }), `${name} — ${state}`));
  // replaceChildren() would print a null as the text "null": drop the parts that are absent.
  $("#progress").replaceChildren(...[
    h("p", { class: "stage" }, h("strong", { text: STATUS_WORDS[job.status] }), ` · ${stage}${total ? ` (${done} of ${total})` : ""}`),
    bar,
    items.length ? h("ul", { class: "analyzers-progress" }, items) : null,
    job.attempts > 1 ? h("p", { class: "muted small", text: `Attempt ${job.attempts} (the server restarted during an earlier one).` }) : null,
  ].filter(Boolean));
}

function renderFailure(job) {
  const err = job.error || { code: "failed", message: "" };
  $("#result").replaceChildren(
    h("section", { class: "verdict verdict-failed", "aria-label": "analysis failed" },
      h("div", { class: "label", text: "Could not analyse this file" }),
      h("p", { text: err.message }),
      h("p", { class: "small" }, h("code", { text: err.code }))),
    actions(job),
  );
}

function findingsOf(report) {
  const all = [];
  for (const result of report.results) {
    for (const finding of result.findings) all.push({ result, finding });
  }
  return all;
}

// Evidence in the order the verdict weighed it (report.verdict.evidence, computed by the fusion), then context.
function ordered(report) {
  const byId = new Map(report.results.map((r) => [r.analyzer_id, r]));
  const items = [];
  for (const ref of report.verdict.evidence || []) {
    const result = byId.get(ref.analyzer_id);
    const finding = result && result.findings[ref.finding_index];
    if (finding) items.push({ result, finding, logOdds: ref.log_odds, context: ref.context });
  }
  return items.map((item, index) => ({ ...item, index }));
}

const ZERO = 0.005;
const signed = (x) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(2)}`;

// Rounded to 2 places so the printed rows add up to the printed total (as fusion/_explain.shown_rounded does).
function shownRounded(values, total) {
  if (!values.length) return [];
  const scaled = values.map((x) => x * 100);
  const rounded = scaled.map((x) => Math.round(x));
  let gap = Math.round(total * 100) - rounded.reduce((a, b) => a + b, 0);
  const step = gap > 0 ? 1 : -1;
  for (; gap !== 0; gap -= step) {
    let best = 0;
    for (let k = 1; k < scaled.length; k++) if ((scaled[k] - rounded[k]) * step > (scaled[best] - rounded[best]) * step) best = k;
    rounded[best] += step;
  }
  return rounded.map((x) => x / 100);
}

// A details-table cell: long lists become a short summary instead of dozens of raw numbers.
function dataValue(v) {
  if (Array.isArray(v)) {
    const nums = v.filter((x) => typeof x === "number");
    if (v.length > 6 && nums.length === v.length) {
      const s = [...nums].sort((a, b) => a - b);
      return `${v.length} values, ${+s[0].toPrecision(4)} to ${+s[s.length - 1].toPrecision(4)} (median ${+s[Math.floor(s.length / 2)].toPrecision(4)})`;
    }
    if (v.length > 6) return `${v.slice(0, 6).join(", ")}, … (${v.length} in all)`;
    return v.join(", ");
  }
  if (v === null || v === undefined) return "–";
  if (typeof v === "number" && !Number.isInteger(v)) return String(+v.toPrecision(4));
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

async function renderReport(job) {
  const report = job.report;
  if (!report) { renderFailure({ ...job, error: { code: "missing_report", message: "The report file is missing." } }); return; }
  const all = findingsOf(report);
  const items = ordered(report);
  shownPictures.clear();
  const evidence = items.filter((item) => !item.context);
  const context = items.filter((item) => item.context);
  const root = $("#result");
  root.replaceChildren(...[
    verdictBanner(report),
    whyBlock(report),
    actions(job),
    timeline(report, items),
    audioStrip(report, job.waveform, items),
    h("h3", { text: "Evidence" }),
    h("p", { class: "muted small", text: "What weighed most in the verdict first. Open a card for its details; press a picture to enlarge it." }),
    h("div", { class: "cards", id: "cards" }, evidence.length ? evidence.map((item) => card(job, report, item)) : h("p", { text: "No finding weighed either way." })),
    context.length ? h("h3", { text: "Context" }) : null,
    context.length ? h("p", { class: "muted small", text: "Seen, but did not weigh in the verdict." }) : null,
    context.length ? h("div", { class: "cards", id: "context" }, context.map((item) => card(job, report, item))) : null,
    provenancePanel(all),
    analyzersTable(report),
    mediaTable(report),
  ].filter(Boolean));
  await loadPictures(root);
}

function verdictBanner(report) {
  const v = report.verdict;
  const [low, high] = v.inconclusive_band;
  return h("section", { class: `verdict verdict-${v.label}`, "aria-label": "verdict", id: "verdict" },
    h("div", { class: "label", text: LABELS[v.label] || v.label }),
    h("div", { class: "prob" }, "Probability AI-made or manipulated: ", h("strong", { text: pct(v.p_synthetic) }),
      h("span", { class: "band", text: ` (${pct(low)}–${pct(high)} is called inconclusive${v.judged_as ? ` for ${v.judged_as}` : ""})` })),
    h("p", { text: v.explanation }),
  );
}

// Why this verdict / why inconclusive: what pulled each way, what was missing, what would settle it, and the sum.
function whyBlock(report) {
  const v = report.verdict;
  const contributions = v.contributions || [];
  const weighed = contributions.filter((c) => Math.abs(c.log_odds) >= ZERO || c.decisive);
  const pulls = (list) => h("ul", {}, list.map((c) => h("li", {},
    h("strong", { text: c.name || c.analyzer_id }), " ", h("span", { class: "num", text: signed(c.log_odds) }),
    c.reason ? `: ${c.reason}` : "")));
  const ai = weighed.filter((c) => c.log_odds > 0);
  const real = weighed.filter((c) => c.log_odds < 0);
  const decisive = v.method.startsWith("decisive:");
  const title = v.label === "inconclusive" ? "Why inconclusive" : "Why this verdict";
  const printed = shownRounded([...contributions.map((c) => c.log_odds), ...(decisive ? [] : [v.prior_log_odds])], v.log_odds);
  const rows = contributions.map((c, i) => h("tr", {},
    h("td", {}, c.name || c.analyzer_id, " ", h("span", { class: "muted small", text: c.analyzer_id })),
    h("td", { text: c.p_synthetic === null ? "" : c.p_synthetic.toFixed(2) }),
    h("td", { text: c.decisive ? "decisive" : String(+c.weight.toPrecision(4)) }),
    h("td", { class: "num", text: signed(printed[i]) })));
  if (!decisive && contributions.length) {
    rows.push(h("tr", {}, h("td", { text: `Starting point of the model${v.judged_as ? ` for ${v.judged_as}` : ""}` }), h("td"), h("td"),
      h("td", { class: "num", text: signed(printed[printed.length - 1]) })));
  }
  if (contributions.length) {
    rows.push(h("tr", { class: "total" }, h("td", { text: `Total → ${(v.p_synthetic * 100).toFixed(1)}% likely AI-made` }), h("td"), h("td"),
      h("td", { class: "num", text: signed(v.log_odds) })));
  }
  const list = (title, lines) => [h("h4", { text: title }), h("ul", {}, lines.map((m) => h("li", { text: m })))];
  return h("section", { class: "why", id: "why", "aria-label": title.toLowerCase() },
    h("h3", { text: title }),
    ai.length ? [h("h4", { text: "Pulled towards AI-made" }), pulls(ai)] : null,
    real.length ? [h("h4", { text: "Pulled towards a real capture" }), pulls(real)] : null,
    !decisive && (v.missing || []).length ? list("What could not be checked", v.missing) : null,
    v.label === "inconclusive" && (v.would_settle || []).length ? list("What would settle it", v.would_settle) : null,
    contributions.length ? h("details", { class: "sum" },
      h("summary", { text: "How the probability was formed" }),
      h("table", {}, h("thead", {}, h("tr", {}, ["check", "its score", "weight", "adds (log-odds)"].map((t) => h("th", { text: t })))),
        h("tbody", {}, rows)),
      h("p", { class: "small muted", text: `Each check adds weight × log-odds of its score; the probability is 1 / (1 + e^−total). Method: ${v.method}.` })) : null,
  );
}

function download(path, filename) {
  return async (event) => {
    event.preventDefault();
    try {
      const url = await blobUrl(path);
      const link = h("a", { href: url, download: filename });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (err) { notice(`Download failed: ${err.message}`, true); }
  };
}

function actions(job) {
  const short = job.id.slice(0, 8);
  const links = job.links || {};
  return h("div", { class: "actions" },
    links.report_json ? h("a", { class: "button", href: `${links.report_json}?download=1`, onclick: download(`${links.report_json}?download=1`, `veracity-${short}.json`) }, "Download JSON") : null,
    links.report_html ? h("a", { class: "button", href: `${links.report_html}?download=1`, onclick: download(`${links.report_html}?download=1`, `veracity-${short}.html`) }, "Download HTML report") : null,
    h("button", { type: "button", class: "secondary danger", onclick: () => removeJob(job.id, job.name) }, "Delete"),
  );
}

async function removeJob(id, name) {
  if (!confirm(`Delete the analysis of “${name}” with its upload and report?`)) return;
  try {
    await api(`/v1/analyses/${id}`, { method: "DELETE" });
    if (id === currentId) { location.hash = "#/"; }
    loadHistory(true);
    notice(`Deleted the analysis of ${name}.`);
  } catch (err) { notice(`Could not delete: ${err.message}`, true); }
}

function locusWords(locus, fps, kind) {
  if (!locus) return [];
  const words = [];
  const timed = kind !== "image";
  if (timed && locus.start_s !== null && locus.start_s !== undefined) {
    const span = locus.end_s !== null && locus.end_s !== undefined && Math.abs(locus.end_s - locus.start_s) >= 0.005;
    words.push(`at ${fmtTime(locus.start_s)}${span ? `–${fmtTime(locus.end_s)}` : ""}`);
  } else if (timed && locus.frame_idx !== null && locus.frame_idx !== undefined) {
    words.push(`frame ${locus.frame_idx}${fps ? ` (${fmtTime(locus.frame_idx / fps)})` : ""}`);
  }
  if (locus.box_xyxy_px) words.push(`region ${locus.box_xyxy_px[0]},${locus.box_xyxy_px[1]} to ${locus.box_xyxy_px[2]},${locus.box_xyxy_px[3]}`);
  if (locus.face_track !== null && locus.face_track !== undefined) words.push(`face #${locus.face_track}`);
  return words;
}

function artifactFor(result, name) {
  return result.artifacts.find((a) => a.name === name) || null;
}

function basePicture(job, report, locus) {
  const links = job.links || {};
  if (report.media.kind === "image" && links.preview) return links.preview;
  if (locus && locus.frame_idx !== null && locus.frame_idx !== undefined) return (links.frames || {})[String(locus.frame_idx)] || null;
  return null;
}

// A picture several findings share is shown once; the later cards link to the first.
const shownPictures = new Map();

function figure(job, report, result, finding, index) {
  const locus = finding.locus;
  if (!locus || !locus.artifact) return null;
  const art = artifactFor(result, locus.artifact);
  if (!art || !art.path) return null;
  if (shownPictures.has(art.path)) {
    return h("p", { class: "muted small same-picture" },
      h("a", { href: `#card-${shownPictures.get(art.path)}`, text: art.description }), " (the same picture as above)");
  }
  shownPictures.set(art.path, index);
  const base = basePicture(job, report, locus);
  const heat = h("img", { "data-src": art.path, alt: art.description, class: "heat" });
  const fig = h("figure", { class: base ? "stack show-heat" : "" },
    base ? h("img", { "data-src": base, alt: "the analysed picture, without the heatmap", class: "base" }) : null,
    heat,
    h("figcaption", { text: art.description }));
  heat.addEventListener("click", () => enlarge(heat));
  heat.title = "Press to enlarge";
  heat.tabIndex = 0;
  heat.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); enlarge(heat); } });
  if (!base) return fig;
  const toggle = h("button", {
    type: "button", class: "secondary small toggle", "aria-pressed": "true", "aria-controls": `fig-${index}`,
    onclick: () => {
      const on = toggle.getAttribute("aria-pressed") !== "true";
      toggle.setAttribute("aria-pressed", String(on));
      toggle.textContent = on ? "Hide heatmap" : "Show heatmap";
      fig.classList.toggle("show-heat", on);
    },
  }, "Hide heatmap");
  fig.id = `fig-${index}`;
  return h("div", { class: "picture" }, fig, toggle);
}

// A plot or heatmap at full size in a dialog (Escape or a press closes it).
function enlarge(img) {
  if (!img.src) return;
  const dialog = $("#zoom");
  const big = dialog.querySelector("img");
  big.src = img.src;
  big.alt = img.alt;
  dialog.querySelector("p").textContent = img.alt;
  dialog.showModal();
}

function card(job, report, { result, finding, logOdds, context, index }) {
  const detailsId = `finding-${index}`;
  const weight = context ? null : finding.decisive ? "decisive" : Math.abs(logOdds) >= ZERO ? `adds ${signed(logOdds)}` : null;
  const where = locusWords(finding.locus, report.media.fps, report.media.kind);
  const data = Object.entries(finding.data || {});
  const details = h("div", { class: "details", id: detailsId, hidden: true },
    h("p", { class: "muted small" }, `${result.analyzer_id} ${result.analyzer_version} · `, h("code", { text: finding.code })),
    where.length ? h("p", { class: "small", text: `Where: ${where.join(", ")}` }) : null,
    data.length ? h("table", { class: "data" }, data.slice(0, 12).map(([k, v]) => h("tr", {}, h("th", { text: k }), h("td", { text: dataValue(v) })))) : null,
    data.length > 12 ? h("p", { class: "muted small", text: `${data.length - 12} more values in the JSON report.` }) : null,
  );
  const opener = h("button", {
    type: "button", class: "open", "aria-expanded": "false", "aria-controls": detailsId,
    onclick: () => {
      const open = opener.getAttribute("aria-expanded") !== "true";
      opener.setAttribute("aria-expanded", String(open));
      details.hidden = !open;
    },
  }, h("span", { class: "message", text: finding.message }), h("span", { class: "chev", "aria-hidden": "true", text: "▾" }));
  const kind = context ? "context" : shownDirection(finding, logOdds, context);
  const tag = context ? "context" : kind !== finding.direction ? `weighs towards ${kind === "synthetic" ? "AI / manipulation" : "a real capture"}` : DIRECTION_WORDS[finding.direction];
  return h("article", { class: `card dir-${kind}`, id: `card-${index}`, "data-code": finding.code },
    h("header", {}, h("span", { class: "tag", text: tag }),
      weight ? h("span", { class: "weight", text: weight }) : null),
    opener,
    figure(job, report, result, finding, index),
    details,
  );
}

function timeSpan(locus, fps) {
  if (!locus) return null;
  if (locus.start_s !== null && locus.start_s !== undefined) return [locus.start_s, locus.end_s ?? locus.start_s];
  if (locus.frame_range && fps) return [locus.frame_range[0] / fps, locus.frame_range[1] / fps];
  if (locus.frame_idx !== null && locus.frame_idx !== undefined && fps) return [locus.frame_idx / fps, locus.frame_idx / fps];
  return null;
}

// A neutral finding under Evidence is the reason its analyzer leaned one way: card and timeline show that way.
function shownDirection(finding, logOdds, context) {
  if (context) return "neutral";
  return finding.direction === "neutral" && Math.abs(logOdds) >= ZERO ? (logOdds > 0 ? "synthetic" : "authentic") : finding.direction;
}

function track(title, items, duration, fps) {
  return h("div", { class: "track" },
    h("span", { class: "track-title", text: title }),
    h("div", { class: "lane" }, items.map(({ finding, index, context, logOdds }) => {
      const [start, end] = timeSpan(finding.locus, fps);
      const left = Math.min(100, (start / duration) * 100);
      const width = Math.max(0.8, ((end - start) / duration) * 100);
      const seg = h("a", {
        class: `seg dir-${shownDirection(finding, logOdds, context)}`, href: `#card-${index}`,
        title: `${fmtTime(start)}: ${finding.message}`, "aria-label": `${fmtTime(start)}: ${finding.message}`,
        onclick: (e) => { e.preventDefault(); focusCard(index); },
      });
      // Set through the CSSOM: the page's CSP forbids inline style attributes.
      seg.style.left = `${left}%`;
      seg.style.width = `${Math.min(width, 100 - left)}%`;
      return seg;
    })));
}

function focusCard(index) {
  const el = document.getElementById(`card-${index}`);
  if (!el) return;
  el.scrollIntoView({ behavior: "smooth", block: "center" });
  const opener = el.querySelector("button.open");
  if (opener) { if (opener.getAttribute("aria-expanded") !== "true") opener.click(); opener.focus({ preventScroll: true }); }
}

function timeline(report, items) {
  const media = report.media;
  if (media.kind !== "video" || !media.duration_s) return null;
  const timed = items.filter(({ finding, result }) => timeSpan(finding.locus, media.fps) && !result.analyzer_id.startsWith("audio."));
  const faces = timed.filter(({ finding }) => finding.locus.face_track !== null && finding.locus.face_track !== undefined);
  const other = timed.filter((item) => !faces.includes(item));
  const byTrack = new Map();
  for (const item of faces) {
    const key = `face #${item.finding.locus.face_track}`;
    byTrack.set(key, [...(byTrack.get(key) || []), item]);
  }
  // Say how much of the clip each check saw when it sampled only part of it (its finding's data.covered_s).
  const notes = [];
  const names = new Map((report.verdict.contributions || []).map((c) => [c.analyzer_id, c.name || c.analyzer_id]));
  for (const { finding, result } of items) {
    const covered = finding.data ? finding.data.covered_s : null;
    if (!Array.isArray(covered) || covered.length !== 2) continue;
    const who = finding.code.startsWith("face.") ? "The face checks" : names.get(result.analyzer_id) || result.analyzer_id;
    notes.push(`${who} covered ${covered[0].toFixed(1)}–${covered[1].toFixed(1)} s of a ${media.duration_s.toFixed(1)}-s clip.`);
  }
  const spans = timed.map(({ finding }) => timeSpan(finding.locus, media.fps));
  if (spans.length) {
    const first = Math.min(...spans.map(([a]) => a));
    const last = Math.max(...spans.map(([, b]) => b));
    notes.push(`Findings placed in time cover ${fmtTime(first)}–${fmtTime(last)} of ${fmtTime(media.duration_s)}.`);
  }
  return h("section", { class: "timeline", "aria-label": "timeline" },
    h("h3", { text: "Timeline" }),
    timed.length ? null : h("p", { class: "muted small", text: "No finding points at a moment in the video." }),
    h("div", { class: "tracks" },
      track("suspicion", other, media.duration_s, media.fps),
      [...byTrack.entries()].map(([title, list]) => track(title, list, media.duration_s, media.fps)),
      h("div", { class: "axis" }, h("span", { text: "0 s" }), h("span", { text: fmtTime(media.duration_s) }))),
    notes.length ? h("p", { class: "muted small coverage", text: notes.join(" ") }) : null,
    h("p", { class: "legend small" }, h("span", { class: "key dir-synthetic" }), "points to AI / manipulation ",
      h("span", { class: "key dir-authentic" }), "points to a real capture ", h("span", { class: "key dir-neutral" }), "context"),
  );
}

function audioStrip(report, waveform, items) {
  if (!waveform || !waveform.peaks || !waveform.peaks.length) return null;
  const duration = report.media.duration_s || waveform.duration_s;
  const canvas = h("canvas", { class: "wave", width: 1200, height: 120, role: "img", "aria-label": "audio waveform" });
  const ctx = canvas.getContext("2d");
  if (ctx) {
    const peaks = waveform.peaks;
    const max = Math.max(...peaks, 1e-6);
    const step = canvas.width / peaks.length;
    ctx.fillStyle = "#5b6474";
    peaks.forEach((peak, i) => {
      const half = Math.max(1, (peak / max) * (canvas.height / 2 - 2));
      ctx.fillRect(i * step, canvas.height / 2 - half, Math.max(1, step - 0.5), half * 2);
    });
  }
  const heard = items.filter(({ finding, result }) =>
    (result.analyzer_id.startsWith("audio.") || report.media.kind === "audio") && timeSpan(finding.locus, null));
  return h("section", { class: "audio", "aria-label": "audio" },
    h("h3", { text: "Audio" }),
    h("div", { class: "wave-wrap" }, canvas, h("div", { class: "lane overlay" }, Array.from(track("", heard, duration, null).querySelector(".lane").childNodes))),
    h("div", { class: "axis" }, h("span", { text: "0 s" }), h("span", { text: fmtTime(duration) })),
    heard.length ? null : h("p", { class: "muted small", text: "No audio finding points at a moment in the track." }),
  );
}

function provenancePanel(all) {
  const summaries = all.filter(({ finding }) => finding.code.startsWith("provenance.") && finding.code.endsWith(".summary"));
  if (!summaries.length) return null;
  return h("section", { class: "provenance", "aria-label": "provenance and metadata" },
    h("h3", { text: "Provenance and metadata" }),
    summaries.map(({ result, finding }) => {
      const rows = Object.entries(finding.data || {});
      return h("details", { open: rows.length <= 12 },
        h("summary", {}, `${finding.message} `, h("span", { class: "muted small", text: `(${result.analyzer_id})` })),
        rows.length ? h("table", { class: "data" }, rows.map(([k, v]) => h("tr", {}, h("th", { text: k }), h("td", { text: String(v) })))) : h("p", { class: "muted", text: "Nothing recorded." }));
    }));
}

function analyzersTable(report) {
  return h("details", { class: "analyzers" },
    h("summary", { text: `Analyzers (${report.results.length})` }),
    h("table", {},
      h("thead", {}, h("tr", {}, ["analyzer", "status", "p_synthetic", "time", "note"].map((t) => h("th", { text: t })))),
      h("tbody", {}, report.results.map((r) => h("tr", { class: `status-${r.status}` },
        h("td", { text: `${r.analyzer_id} ${r.analyzer_version}` }), h("td", { text: r.status.replace("_", " ") }),
        h("td", { text: r.p_synthetic === null ? "" : r.p_synthetic.toFixed(2) }), h("td", { text: `${r.seconds.toFixed(2)} s` }),
        h("td", { text: [r.reason, r.hint].filter(Boolean).join(" — ") }))))));
}

function mediaTable(report) {
  const m = report.media;
  const rows = [
    ["kind", m.kind], ["format", m.container], ["size", `${m.size_bytes.toLocaleString()} bytes`],
    ["dimensions", m.width ? `${m.width}×${m.height}` : null], ["duration", m.duration_s ? fmtTime(m.duration_s) : null],
    ["frame rate", m.fps ? `${m.fps} fps` : null], ["audio", m.has_audio ? "yes" : null], ["sha256", m.sha256],
    ["analysed", `${report.created_at} in ${report.seconds.toFixed(2)} s (${report.profile} profile, Veracity ${report.tool_version})`],
  ].filter(([, v]) => v);
  return h("details", { class: "media" }, h("summary", { text: "The file" }),
    h("table", { class: "data" }, rows.map(([k, v]) => h("tr", {}, h("th", { text: k }), h("td", { text: v })))));
}

async function loadPictures(root) {
  await Promise.all([...root.querySelectorAll("img[data-src]")].map(async (img) => {
    try {
      img.src = await blobUrl(img.dataset.src);
      await img.decode();
    } catch (_) { img.alt = `${img.alt} (could not be loaded)`; }
  }));
  // The on/off toggle only makes sense for a heatmap laid over the whole picture: same shape as the picture.
  for (const fig of root.querySelectorAll("figure.stack")) {
    const base = fig.querySelector("img.base");
    const heat = fig.querySelector("img.heat");
    const ratio = (img) => (img.naturalHeight ? img.naturalWidth / img.naturalHeight : 0);
    if (base && heat && ratio(heat) && Math.abs(ratio(base) / ratio(heat) - 1) < 0.03) continue;
    if (base) base.remove();
    fig.classList.remove("stack", "show-heat");
    const toggle = fig.parentElement.querySelector("button.toggle");
    if (toggle) toggle.remove();
  }
}

// ---------- history ----------
let historySeq = 0;

async function loadHistory(reset) {
  const seq = ++historySeq;
  const offset = reset ? 0 : historyOffset;
  let page;
  try {
    page = await (await api(`/v1/analyses?limit=${HISTORY_PAGE}&offset=${offset}`)).json();
    if (seq !== historySeq) return; // a newer load superseded this one
  } catch (err) {
    $("#history-list").replaceChildren(h("li", { class: "muted", text: err.message }));
    return;
  }
  const items = page.items.map((job) => {
    const label = job.status === "done" && job.verdict ? LABELS[job.verdict.label] : STATUS_WORDS[job.status];
    const chipClass = job.status === "done" && job.verdict ? `chip chip-${job.verdict.label}` : `chip chip-${job.status}`;
    return h("li", {},
      h("a", { href: `#/a/${job.id}`, class: job.id === currentId ? "current" : "" },
        h("span", { class: "name", text: job.name }),
        h("span", { class: chipClass, text: job.verdict && job.status === "done" ? `${label} · ${pct(job.verdict.p_synthetic)}` : label }),
        h("span", { class: "when muted small", text: when(job.created_at) })));
  });
  const list = $("#history-list");
  if (reset) list.replaceChildren();
  list.append(...items);
  if (!list.children.length) list.append(h("li", { class: "muted", text: "Nothing analysed yet." }));
  historyOffset = offset + page.items.length;
  $("#history-more").hidden = historyOffset >= page.total;
}

// ---------- routing ----------
function route() {
  const match = /^#\/a\/([0-9a-f]{32})$/.exec(location.hash);
  if (match) showJob(match[1]);
  else {
    clearTimeout(pollTimer);
    currentId = null;
    releaseBlobs();
    $("#job").hidden = true;
    $("#intake-title").textContent = "Check a file or a link";
  }
  loadHistory(true);
}

document.addEventListener("DOMContentLoaded", () => {
  setupIntake();
  $("#history-more").addEventListener("click", () => loadHistory(false));
  $("#zoom").addEventListener("click", () => $("#zoom").close());
  window.addEventListener("hashchange", route);
  route();
});
