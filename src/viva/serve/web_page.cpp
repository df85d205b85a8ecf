#include "viva/serve/web_page.h"

namespace viva {

const std::string& web_page_html() {
  static const std::string page = R"PAGE(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>viva: edit a video by instruction</title>
<style>
  :root { color-scheme: light dark; --accent: #2f6fde; }
  body { font: 16px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .2rem; }
  p.lead { margin: 0 0 1rem; opacity: .8; }
  form { display: grid; gap: .8rem; }
  label { display: grid; gap: .25rem; font-weight: 600; }
  label span.hint { font-weight: 400; opacity: .75; font-size: .9rem; }
  input[type=text], input[type=number], input[type=password] { font: inherit; padding: .5rem; border-radius: .4rem;
    border: 1px solid #8886; }
  .row { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; }
  .row > label { flex: 1 1 8rem; }
  button { font: inherit; padding: .6rem 1.1rem; border-radius: .4rem; border: 0; background: var(--accent);
    color: white; cursor: pointer; }
  button.secondary { background: #8883; color: inherit; }
  button:disabled { opacity: .5; cursor: default; }
  #status { padding: .7rem; border-radius: .4rem; background: #8881; min-height: 1.5rem; }
  #status.failed { background: #d334; }
  progress { width: 100%; height: 1rem; }
  .videos { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 1rem; margin-top: 1rem; }
  figure { margin: 0; }
  figcaption { font-size: .9rem; opacity: .8; }
  video { width: 100%; background: #000; border-radius: .4rem; image-rendering: pixelated; }
  details { border: 1px solid #8884; border-radius: .4rem; padding: .5rem .8rem; }
  [hidden] { display: none !important; }
</style>
</head>
<body>
<h1>viva</h1>
<p class="lead">Edit a video by instruction: pick a clip, say what to change, and get the edit back with
everything else kept.</p>
<form id="form">
  <label>Video <span class="hint">any file FFmpeg reads; long clips are edited in overlapping windows</span>
    <div class="row">
      <input id="video" name="video" type="file" accept="video/*,image/*">
      <button id="use-sample" class="secondary" type="button">Use the sample clip</button>
    </div>
    <span id="chosen" class="hint"></span>
  </label>
  <label>Instruction
    <input id="instruction" name="instruction" type="text" required placeholder="Replace the background with a sandy beach.">
  </label>
  <label>Reference image <span class="hint">optional: what the edit should look like</span>
    <input id="reference" name="reference" type="file" accept="image/*">
  </label>
  <details>
    <summary>Sampling</summary>
    <div class="row">
      <label>Steps <input id="steps" type="number" min="1" max="200" placeholder="model's"></label>
      <label>Guidance <input id="cfg" type="number" min="0" max="30" step="0.5" placeholder="model's"></label>
      <label>Seed <input id="seed" type="number" min="0" placeholder="model's"></label>
    </div>
  </details>
  <label id="key-row" hidden>API key <input id="key" type="password" autocomplete="off"></label>
  <div class="row"><button id="submit" type="submit">Edit</button>
    <button id="cancel" class="secondary" type="button" hidden>Cancel</button></div>
</form>
<div id="status" role="status" aria-live="polite">Ready.</div>
<progress id="progress" value="0" max="1" hidden></progress>
<div class="videos">
  <figure id="source-figure" hidden><video id="source" controls muted playsinline loop></video>
    <figcaption>Source</figcaption></figure>
  <figure id="result-figure" hidden><video id="result" controls playsinline loop></video>
    <figcaption>Edit · <a id="download" download="edited.mp4">download</a></figcaption></figure>
  <figure id="sbs-figure" hidden><video id="side-by-side" controls muted playsinline loop></video>
    <figcaption>Source | edit · <a id="download-sbs" download="side_by_side.mp4">download</a></figcaption></figure>
</div>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let chosen = null, job = null, timer = null;

function headers() {
  const key = $("key").value || localStorage.getItem("viva-key") || "";
  return key ? { "Authorization": "Bearer " + key } : {};
}
function say(text, failed) {
  $("status").textContent = text;
  $("status").classList.toggle("failed", !!failed);
}
async function call(path, options) {
  const res = await fetch(path, Object.assign({ headers: headers() }, options || {}));
  const type = res.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await res.json() : await res.blob();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}
function showSource(blob, name) {
  chosen = { blob, name };
  $("chosen").textContent = name + " (" + Math.round(blob.size / 1024) + " kB)";
  $("source").src = URL.createObjectURL(blob);
  $("source-figure").hidden = false;
}
// A source the browser cannot play (FFV1, say) is still edited; the side-by-side shows it then.
$("source").addEventListener("error", () => { $("source-figure").hidden = true; });
function seconds(s) {
  return s < 90 ? Math.round(s) + " s" : Math.round(s / 60) + " min";
}
async function poll() {
  try {
    const j = await call("/v1/edits/" + job);
    if (j.state === "queued") say("Queued…");
    if (j.state === "running") {
      const p = j.progress || { done: 0, total: 0 };
      $("progress").hidden = !p.total;
      if (p.total) { $("progress").max = p.total; $("progress").value = p.done; }
      say("Running: " + j.stage + (p.total ? " " + p.done + "/" + p.total + " steps" : "") +
          (j.eta_s !== undefined ? ", about " + seconds(j.eta_s) + " left" : ""));
    }
    if (j.state === "done") return finished(j);
    if (j.state === "failed" || j.state === "cancelled") {
      stop();
      return say(j.state === "failed" ? "Failed: " + j.error : "Cancelled.", j.state === "failed");
    }
  } catch (e) {
    say("Lost the job: " + e.message, true);
    return stop();
  }
  timer = setTimeout(poll, 700);
}
function stop() {
  $("submit").disabled = false;
  $("cancel").hidden = true;
  $("progress").hidden = true;
  clearTimeout(timer);
}
async function finished(j) {
  stop();
  say("Done.");
  const edited = await call(j.links.video), sbs = await call(j.links.side_by_side);
  $("result").src = $("download").href = URL.createObjectURL(edited);
  $("side-by-side").src = $("download-sbs").href = URL.createObjectURL(sbs);
  $("result-figure").hidden = $("sbs-figure").hidden = false;
  document.body.dataset.done = job;
}
$("video").addEventListener("change", () => {
  const f = $("video").files[0];
  if (f) showSource(f, f.name);
});
$("use-sample").addEventListener("click", async () => {
  try { showSource(await call("/v1/sample"), "the sample clip"); } catch (e) { say(e.message, true); }
});
$("key").addEventListener("change", () => localStorage.setItem("viva-key", $("key").value));
$("cancel").addEventListener("click", () => job && call("/v1/edits/" + job, { method: "DELETE" }).catch(() => {}));
$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!chosen) return say("Pick a video first (or use the sample).", true);
  const form = new FormData();
  form.append("video", chosen.blob, "video");
  form.append("instruction", $("instruction").value);
  if ($("reference").files[0]) form.append("reference", $("reference").files[0], "reference");
  for (const k of ["steps", "cfg", "seed"]) if ($(k).value) form.append(k, $(k).value);
  $("submit").disabled = true;
  $("result-figure").hidden = $("sbs-figure").hidden = true;
  delete document.body.dataset.done;
  try {
    job = (await call("/v1/edits", { method: "POST", body: form })).id;
    $("cancel").hidden = false;
    say("Submitted.");
    poll();
  } catch (e) {
    stop();
    say(e.message, true);
  }
});
call("/v1/health").then((h) => { $("key-row").hidden = !h.auth_required; }).catch(() => {});
</script>
</body>
</html>
)PAGE";
  return page;
}

}  // namespace viva
