// viva serve's page in headless Chromium (Debian's, driven over the DevTools pipe by
// headless_chromium.mjs): it loads at a phone's width without sideways scrolling, takes the
// shipped sample and an instruction, shows the job running, and plays the edit at the sample's
// size and duration. Saves a screenshot.
//   node page_test.mjs VIVA MODEL SAMPLE OUT_DIR
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Browser } from "./headless_chromium.mjs";

const [viva, model, sample, out] = process.argv.slice(2);
const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);
const fail = (why) => { console.error("page test: " + why); process.exitCode = 1; };

// The sample's frames and rate, as viva reads them.
const info = execFileSync(viva, ["video", "info", sample]).toString();
const frames = Number(/frames\s+(\d+)/.exec(info)[1]), fps = Number(/fps\s+([\d.]+)/.exec(info)[1]);
const [width, height] = /size\s+(\d+)x(\d+)/.exec(info).slice(1).map(Number);

const jobs = mkdtempSync(join(tmpdir(), "viva-page-test-"));
const server = spawn(viva, ["serve", "--port", "0", "--model", model, "--jobs", jobs], { stdio: ["ignore", "pipe", "inherit"] });
const port = await new Promise((resolve, reject) => {
  let text = "";
  server.stdout.on("data", (d) => {
    text += d;
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
    if (m) resolve(Number(m[1]));
  });
  server.on("exit", (code) => reject(new Error("viva serve exited with " + code)));
  setTimeout(() => reject(new Error("viva serve did not start in 60 s")), 60000).unref();
});

let browser;
try {
  try {
    if (!chromium) throw new Error("not installed");
    browser = await Browser.launch(chromium,
      ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required"]);
  } catch (e) {
    console.log("SKIP: Chromium cannot start here (" + (chromium || "not installed") + "): " + e.message.split("\n")[0]);
    process.exit(77);
  }
  const page = await browser.newPage();

  // A phone: everything fits the width.
  await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 2, mobile: true });
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitFor(`document.readyState === "complete"`, 30000, "the page loaded");
  const overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
  if (overflow > 0) fail(`the page is ${overflow}px wider than a phone's screen`);

  await page.setViewport({ width: 1100, height: 900 });
  await page.chooseFiles("#video", [sample]);
  await page.type("#instruction", "Replace the background with a sandy beach.");
  await page.click("#submit");
  const seen = new Set();
  const started = Date.now();
  while (!(await page.evaluate(`document.body.hasAttribute("data-done")`))) {
    const status = await page.evaluate(`document.querySelector("#status").textContent`);
    seen.add(status.split(":")[0].split("…")[0]);
    if (status.startsWith("Failed") || status.startsWith("Lost")) throw new Error("the edit failed: " + status);
    if (Date.now() - started > 300000) throw new Error("no result after 300 s; last status: " + status);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!seen.has("Running") && !seen.has("Queued") && !seen.has("Submitted"))
    fail("the page never showed the job's progress: " + [...seen].join(", "));

  // The edit plays: its metadata is the sample's, and time moves.
  const result = await page.waitFor(`(() => {
    const v = document.getElementById("result");
    return v.readyState >= 1 && { duration: v.duration, width: v.videoWidth, height: v.videoHeight };
  })()`, 30000, "the edit's metadata");
  const expected = frames / fps;
  if (Math.abs(result.duration - expected) > 1.5 / fps) fail(`the edit lasts ${result.duration} s, not ${expected} s`);
  if (result.width !== width || result.height !== height)
    fail(`the edit is ${result.width}x${result.height}, not ${width}x${height}`);
  const played = await page.evaluate(`(async () => {
    const v = document.getElementById("result");
    await v.play();
    await new Promise((r) => setTimeout(r, 600));
    return v.currentTime > 0 || v.ended || v.played.length > 0;
  })()`);
  if (!played) fail("the edit does not play");
  const sbs = await page.evaluate(`document.querySelector("#side-by-side").src.startsWith("blob:")`);
  if (!sbs) fail("no side-by-side shown");
  const download = await page.evaluate(`document.querySelector("#download").href.startsWith("blob:")`);
  if (!download) fail("no download link");
  if (page.errors.length) fail("script errors: " + page.errors.join("; "));

  // Every shown video loaded and paused on a frame, for a steady picture.
  await page.waitFor(`[...document.querySelectorAll("figure:not([hidden]) video")].every((v) => v.readyState >= 2)`,
                     30000, "every shown video loaded");
  await page.evaluate(`(async () => {
    for (const v of document.querySelectorAll("video")) { v.pause(); v.currentTime = v.duration / 2 || 0; }
    await new Promise((r) => setTimeout(r, 500));
  })()`);
  mkdirSync(out, { recursive: true });
  await page.screenshot(join(out, "serve-page.png"));
  console.log(`page test: edit of ${width}x${height}, ${result.duration.toFixed(3)} s played; statuses seen: ` +
              [...seen].join(", ") + `; screenshot ${join(out, "serve-page.png")}`);
} catch (e) {
  fail(e.message);
} finally {
  if (browser) await browser.close();
  const exited = new Promise((r) => server.on("exit", r));
  server.kill("SIGTERM");
  await exited;
  rmSync(jobs, { recursive: true, force: true });
}
