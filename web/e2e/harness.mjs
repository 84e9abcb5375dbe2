// Helpers for the browser tests: a real `parley serve` on a loopback port
// with a temporary SQLite file, and Debian's Chromium driven by playwright-core.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { once } from "node:events";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { deflateSync } from "node:zlib";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { chromium } from "playwright-core";

const repoRoot = resolve(import.meta.dirname, "../..");
const chromiumPath = process.env.PARLEY_CHROMIUM ?? "/usr/bin/chromium";
const parleyBin = process.env.PARLEY_BIN ?? join(repoRoot, "bin/parley");

/** Why the browser suites cannot run here, or null. */
function missingPrerequisite() {
  if (!existsSync(chromiumPath)) return `no Chromium at ${chromiumPath} (apt-get install chromium)`;
  if (!existsSync(parleyBin)) return `no ${parleyBin} (run make build)`;
  return null;
}

/**
 * A suite's describe() skip option: false, or why the suite cannot run here
 * (logged). With CI=true a missing prerequisite throws instead, while the
 * file loads, so CI fails rather than passing on a skip.
 */
export function browserSkip() {
  const missing = missingPrerequisite();
  if (missing && process.env.CI === "true") throw new Error(`browser tests cannot run with CI=true: ${missing}`);
  if (missing) console.log(`# browser tests skipped: ${missing}`);
  return missing ?? false;
}

/**
 * What a suite runs against: a temporary directory, a `parley serve` on a
 * fresh database in it (serverArgs added to its flags) and a headless
 * Chromium (browserArgs added to chromiumArgs). Playwright gives the browser
 * a fresh temporary profile and removes it on close. close() undoes it all,
 * last made first; if a start fails, what did start is closed before the
 * error goes on, since the suite never gets a close to call.
 */
export async function startWorld({ serverArgs = [], browserArgs = [] } = {}) {
  const port = await freePort();
  const tmp = tempDir();
  const server = new ParleyServer(port, join(tmp.dir, "parley.db"), serverArgs);
  let browser = null;
  const close = async () => {
    await browser?.close();
    await server.stop();
    tmp.remove();
  };
  try {
    await server.start();
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: [...chromiumArgs, ...browserArgs] });
  } catch (e) {
    await close();
    throw e;
  }
  return { tmp, server, browser, close };
}

function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), "parley-browser-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function freePort() {
  const srv = createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address();
  srv.close();
  await once(srv, "close");
  return port;
}

/**
 * One `parley serve` process. `restart` stops it (SIGTERM: it drains the
 * WebSockets with close code 4000) and starts a new one on the same port
 * and database. `flags` are added to the command line (limits a test needs).
 */
class ParleyServer {
  constructor(port, db, flags = []) {
    this.port = port;
    this.db = db;
    this.flags = flags;
    this.base = `http://127.0.0.1:${port}`;
    this.proc = null;
    this.log = "";
  }

  async start() {
    const args = ["serve", "--addr", `127.0.0.1:${this.port}`, "--db", this.db, "--log-level", "warn",
      // The tests seed history over REST faster than a person types.
      "--messages-per-second", "500", "--message-burst", "1000", "--shutdown-timeout", "5s",
      // Their people are strangers who put each other in rooms, as before
      // consent; consent.test.mjs passes "--default-who-may-add friends" (a
      // later flag wins) to test the real default. Every person signs up
      // from 127.0.0.1.
      "--default-who-may-add", "anyone", "--signups-per-address", "1000", ...this.flags];
    const proc = spawn(parleyBin, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = proc;
    proc.stdout.on("data", (b) => (this.log += b));
    proc.stderr.on("data", (b) => (this.log += b));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`parley exited with ${proc.exitCode}:\n${this.log}`);
      try {
        const res = await fetch(`${this.base}/healthz`);
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await sleep(50);
    }
    throw new Error(`parley did not answer /healthz within 20 s:\n${this.log}`);
  }

  async stop() {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = once(proc, "exit");
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  /** A REST call as a program would make it. */
  async api(method, path, token, body) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(`${this.base}/api/v1${path}`, { method, headers, body: body && JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Uploads bytes as a file named `name` (POST /attachments); returns the attachment. */
  async upload(token, name, bytes) {
    const form = new FormData();
    form.append("file", new Blob([bytes]), name);
    const res = await fetch(`${this.base}/api/v1/attachments`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: form });
    const text = await res.text();
    if (!res.ok) throw new Error(`upload ${name}: ${res.status} ${text}`);
    return JSON.parse(text);
  }

  async signup(username, displayName, password = "password-" + username) {
    await this.api("POST", "/auth/signup", null, { username, password, display_name: displayName });
    const { token, user } = await this.api("POST", "/auth/login", null, { username, password });
    return { token, user };
  }

  /** Signs each [username, display name] up in turn; returns their signup answers by username. */
  async signups(people) {
    const answers = {};
    for (const [username, displayName] of people) answers[username] = await this.signup(username, displayName);
    return answers;
  }
}

const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-quic",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
];

/** Polls fn until it stops throwing, or rethrows its last error after timeout. */
export async function eventually(fn, timeout = 10_000, what = "condition") {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      last.message = `${what}: ${last.message}`;
      throw last;
    }
    await sleep(100);
  }
}

/** The seqs the message list shows, in order. */
export const seqsShown = (page) => page.$$eval(".message-list [data-seq]", (els) => els.map((e) => Number(e.dataset.seq)));

/** Every seq from the first shown to the last exactly once, in order. */
export function assertContiguous(seqs, what) {
  assert.ok(seqs.length > 0, `${what}: no messages shown`);
  const want = Array.from({ length: seqs.length }, (_, i) => seqs[0] + i);
  assert.deepEqual(seqs, want, `${what}: messages missing or shown twice`);
}

/** A phone: 390×844, touch, no hover (pass to newPerson after the viewport). */
export const phone = { isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const phoneViewport = { width: 390, height: 844 };

/** A person in a browser context of their own: a fresh profile, dialogs accepted, page errors reported. */
export async function newPerson(browser, name, viewport = { width: 1200, height: 800 }, options = {}) {
  const context = await browser.newContext({ viewport, locale: "en-GB", timezoneId: "UTC", ...options });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  watchPage(page, name);
  return { context, page };
}

/** Makes two people (signup answers: { token, user }) friends over REST: each asks the other. */
export async function befriend(server, a, b) {
  await server.api("POST", "/friends/requests", a.token, { username: b.user.username });
  await server.api("POST", "/friends/requests", b.token, { username: a.user.username });
}

/** Every WebSocket URL a page opened, for checking that no token is ever put in one. */
export const webSocketURLs = [];

export function watchPage(page, name) {
  page.on("websocket", (ws) => void webSocketURLs.push(ws.url()));
  page.on("dialog", (d) => void d.accept());
  page.on("pageerror", (e) => console.log(`# ${name} page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/WebSocket|Failed to load resource/.test(m.text())) console.log(`# ${name} console: ${m.text()}`);
  });
}

// A message by its own text (not the text of a message it quotes).
export const message = (page, text) => page.locator('[data-testid="message"]').filter({ has: page.locator(".bubble > .text", { hasText: text }) });
export const roomItem = (page, title) => page.locator(".room-item", { hasText: title });

/**
 * Logs in through the page and waits for the room list: from the front page
 * at base, or with base null on the page already open (an invite link's, say).
 */
export async function logIn(page, base, username, password = `password-${username}`) {
  if (base) await page.goto(base);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("navigation", { name: "Conversations" }).waitFor();
}

/** Opens a message's menu as a mouse user does: hover, then its "⋯" button. Returns the menu. */
export async function openMessageMenu(page, msg) {
  await msg.hover();
  await msg.getByRole("button", { name: "Message actions" }).click();
  const menu = page.getByRole("menu", { name: "Message actions" });
  await menu.waitFor();
  return menu;
}

/**
 * A touch long press on `target`, held through DevTools touch events until
 * `until` (a locator) shows, then lifted: a real touch, no sleeping.
 */
export async function longPress(page, target, until) {
  const box = await target.boundingBox();
  const point = { x: box.x + box.width / 2, y: box.y + Math.min(box.height / 2, 12) };
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [point] });
  try {
    await until.waitFor();
  } finally {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    await cdp.detach();
  }
}

export async function send(page, text) {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
}

/**
 * Light or dark as the system says; the client follows it live (its theme
 * choice is "system" unless the test picked one in the profile). Before the
 * first page load it only sets what the page will find.
 */
export async function useTheme(page, theme) {
  await page.emulateMedia({ colorScheme: theme });
  if (page.url() !== "about:blank") await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
}

// Read on first use: a harness import must not need axe-core (only access.test.mjs does).
let axeSource = null;

/**
 * axe-core's serious and critical findings on the page as it is now, one
 * readable line each (rule, what is wrong, where). The script goes in over
 * the DevTools protocol, which the page's CSP does not govern.
 */
export async function accessProblems(page) {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(" ")} — ${n.failureSummary.replace(/\s+/g, " ")}`));
  });
}

/**
 * Where screenshots go: docs/screenshots with UPDATE_SCREENSHOTS=1 (make
 * screenshots), else fallback (a test's temp dir), so every run still takes them.
 */
export function screenshotDir(fallback) {
  const dir = process.env.UPDATE_SCREENSHOTS === "1" ? join(repoRoot, "docs/screenshots") : fallback;
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function shot(page, dir, name) {
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A real PNG (8-bit RGB) of width × height, each pixel from colour(x, y) →
 * [r, g, b]: images the server decodes, thumbnails and re-encodes.
 */
export function png(width, height, colour) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) raw.set(colour(x, y), row + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
