// Headless Chromium driven over the Chrome DevTools Protocol on the pipe that
// --remote-debugging-pipe opens (Chromium reads commands on fd 3 and writes replies and events on
// fd 4, each a JSON text ended by a NUL byte). Node's own modules only: no npm package, no
// WebSocket, no browser download.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class Connection {
  constructor(commands, replies) {
    this.commands = commands;
    this.nextId = 1;
    this.waiting = new Map();
    this.listeners = new Set();
    let pending = "";
    replies.setEncoding("utf8");
    replies.on("data", (chunk) => {
      const parts = (pending + chunk).split("\0");
      pending = parts.pop();
      for (const part of parts) this.dispatch(JSON.parse(part));
    });
  }

  dispatch(message) {
    if (message.id !== undefined) {
      const call = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (!call) return;
      if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}`));
      else call.resolve(message.result);
    } else {
      for (const listener of this.listeners) listener(message);
    }
  }

  send(method, params = {}, sessionId = undefined) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { method, resolve, reject });
      this.commands.write(JSON.stringify({ id, method, params, sessionId }) + "\0");
    });
  }

  // Resolves with the first event `method` of `sessionId` after this call.
  next(method, sessionId, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no ${method} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const listener = (m) => {
        if (m.method !== method || m.sessionId !== sessionId) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(m.params);
      };
      this.listeners.add(listener);
    });
  }

  failAll(why) {
    for (const call of this.waiting.values()) call.reject(new Error(`${call.method}: ${why}`));
    this.waiting.clear();
  }
}

// One tab.
export class Page {
  constructor(connection, sessionId) {
    this.connection = connection;
    this.sessionId = sessionId;
    this.errors = [];  // uncaught script exceptions, as the console prints them
    connection.listeners.add((m) => {
      if (m.sessionId !== sessionId || m.method !== "Runtime.exceptionThrown") return;
      const details = m.params.exceptionDetails;
      this.errors.push((details.exception && details.exception.description) || details.text);
    });
  }

  send(method, params = {}) {
    return this.connection.send(method, params, this.sessionId);
  }

  // The value of a JavaScript expression in the page (a promise is awaited).
  async evaluate(expression) {
    const r = await this.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) {
      const e = r.exceptionDetails;
      throw new Error(`in the page: ${(e.exception && e.exception.description) || e.text}`);
    }
    return r.result.value;
  }

  // Polls `expression` until it is truthy and returns its value.
  async waitFor(expression, timeoutMs, what = expression) {
    const started = Date.now();
    for (;;) {
      const value = await this.evaluate(expression);
      if (value) return value;
      if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  }

  async setViewport({ width, height, deviceScaleFactor = 1, mobile = false }) {
    await this.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor, mobile });
    await this.send("Emulation.setTouchEmulationEnabled", { enabled: mobile });
  }

  async goto(url) {
    const loaded = this.connection.next("Page.loadEventFired", this.sessionId, 30000);
    const r = await this.send("Page.navigate", { url });
    if (r.errorText) throw new Error(`cannot open ${url}: ${r.errorText}`);
    await loaded;
  }

  // Chooses files in an <input type=file> as a user would (input and change events follow).
  async chooseFiles(selector, files) {
    const { root } = await this.send("DOM.getDocument", { depth: 0 });
    const { nodeId } = await this.send("DOM.querySelector", { nodeId: root.nodeId, selector });
    if (!nodeId) throw new Error(`no ${selector} in the page`);
    await this.send("DOM.setFileInputFiles", { nodeId, files });
  }

  // Focuses the field and types text into it as keyboard input.
  async type(selector, text) {
    await this.evaluate(`document.querySelector(${JSON.stringify(selector)}).focus()`);
    await this.send("Input.insertText", { text });
  }

  async click(selector) {
    await this.evaluate(`document.querySelector(${JSON.stringify(selector)}).click()`);
  }

  // The whole page, not only the viewport, as a PNG file.
  async screenshot(path) {
    const { cssContentSize } = await this.send("Page.getLayoutMetrics");
    const { data } = await this.send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: cssContentSize.width, height: cssContentSize.height, scale: 1 },
    });
    writeFileSync(path, Buffer.from(data, "base64"));
  }
}

export class Browser {
  // Starts Chromium; throws when it cannot start (no binary, no sandbox support, ...).
  static async launch(executable, extraArgs = []) {
    const profile = mkdtempSync(join(tmpdir(), "viva-chromium-"));
    const child = spawn(executable, [
      "--headless", "--remote-debugging-pipe", `--user-data-dir=${profile}`, "--no-first-run",
      "--no-default-browser-check", ...extraArgs, "about:blank",
    ], { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => { stderr += d; });
    child.stdio[3].on("error", () => {});  // writes after Chromium exited; its exit says why
    const connection = new Connection(child.stdio[3], child.stdio[4]);
    const exited = new Promise((resolve) => child.on("close", resolve));
    const browser = new Browser(child, connection, profile, exited);
    child.on("error", (e) => connection.failAll(e.message));
    exited.then(() => connection.failAll("Chromium exited" + (stderr ? ": " + stderr.trim().split("\n").pop() : "")));
    try {
      await Promise.race([
        connection.send("Browser.getVersion"),
        sleep(30000).then(() => { throw new Error("Chromium did not answer within 30 s"); }),
      ]);
    } catch (e) {
      await browser.close();
      throw e;
    }
    return browser;
  }

  constructor(child, connection, profile, exited) {
    this.child = child;
    this.connection = connection;
    this.profile = profile;
    this.exited = exited;
  }

  async newPage() {
    const { targetId } = await this.connection.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await this.connection.send("Target.attachToTarget", { targetId, flatten: true });
    const page = new Page(this.connection, sessionId);
    await page.send("Page.enable");
    await page.send("Runtime.enable");
    return page;
  }

  async close() {
    if (this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      this.connection.send("Browser.close").catch(() => {});
      const killer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await this.exited;
      clearTimeout(killer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }
}
