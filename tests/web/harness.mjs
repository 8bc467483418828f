// Starts the real lockstepd on a free loopback port with a fresh database and two users, and
// launches Debian's Chromium through playwright-core. Paths come from the environment so CI can
// point them elsewhere:
//   LOCKSTEPD          the server binary   (default: build/release/bin/lockstepd of this checkout)
//   LOCKSTEP_WEB_DIST  the built board     (default: web/dist of this checkout)
//   CHROMIUM           the browser         (default: /usr/bin/chromium)
//   LOCKSTEP_SCREENSHOT_DIR  where the screenshots go (default: tests/web/test-output)
//   LOCKSTEP_TEST_OUTPUT     where metrics.json goes (default: tests/web/test-output)
import { execFileSync, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");

export const paths = {
  lockstepd: resolve(process.env.LOCKSTEPD || join(repo, "build/release/bin/lockstepd")),
  webDist: resolve(process.env.LOCKSTEP_WEB_DIST || join(repo, "web/dist")),
  chromium: process.env.CHROMIUM || "/usr/bin/chromium",
  screenshots: resolve(process.env.LOCKSTEP_SCREENSHOT_DIR || join(here, "test-output")),
  output: resolve(process.env.LOCKSTEP_TEST_OUTPUT || join(here, "test-output")),
};

function check(path, what, fix) {
  if (!existsSync(path)) throw new Error(`${what} not found at ${path}: ${fix}`);
}

/** A running lockstepd: { url, tokens: { alice, bob }, dir, stop() }. alice is an admin. */
export async function startServer() {
  check(paths.lockstepd, "lockstepd", "build it (cmake --build --preset release --target lockstepd) or set LOCKSTEPD");
  check(join(paths.webDist, "index.html"), "the built board", "run web/build.sh or set LOCKSTEP_WEB_DIST");
  const dir = mkdtempSync(join(tmpdir(), "lockstep-web-"));
  const db = join(dir, "board.db");
  const addUser = (name, admin) =>
    execFileSync(paths.lockstepd, ["user", "add", name, ...(admin ? ["--admin"] : []), "--create", "--db", db], { encoding: "utf8" }).trim();
  const tokens = { alice: addUser("alice", true), bob: addUser("bob", false) };

  const log = createWriteStream(join(dir, "server.log"));
  let child = null;
  const serve = async (listen) => {
    child = spawn(
      paths.lockstepd,
      ["serve", "--listen", listen, "--db", db, "--web-root", paths.webDist, "--rate-limit", "0"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const proc = child;
    const lines = createInterface({ input: proc.stderr });
    return new Promise((resolveAddr, reject) => {
      const timer = setTimeout(() => reject(new Error(`lockstepd did not say "listening" within 15 s (log: ${dir}/server.log)`)), 15000);
      proc.once("error", (err) => reject(new Error(`lockstepd could not be started: ${err.message}`)));
      proc.once("exit", (code) => reject(new Error(`lockstepd exited with ${code} before listening (log: ${dir}/server.log)`)));
      lines.on("line", (line) => {
        log.write(`${line}\n`);
        try {
          const msg = JSON.parse(line);
          if (msg.msg === "listening" && typeof msg.address === "string") {
            clearTimeout(timer);
            resolveAddr(msg.address);
          }
        } catch {
          // not a JSON line
        }
      });
    });
  };
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(killer);
    }
  };
  const address = await serve("127.0.0.1:0");
  if (!address.startsWith("127.0.0.1:")) throw new Error(`lockstepd listens on ${address}, not loopback`);
  return {
    url: `http://${address}`,
    tokens,
    dir,
    /** Stops the server (every connection drops) and starts it again on the same port and database. */
    async restart() {
      await stop();
      await serve(address);
    },
    async stop() {
      await stop();
      log.end();
      if (!process.env.LOCKSTEP_KEEP_TEST_DIR) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  check(paths.chromium, "Chromium", "apt-get install chromium, or set CHROMIUM");
  return chromium.launch({
    executablePath: paths.chromium,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
      "--disable-dev-shm-usage",
    ],
  });
}

/** Plain HTTP to the API, as another program would write (not through the board). */
export function apiClient(baseUrl, token) {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
}

export function screenshotPath(name) {
  mkdirSync(paths.screenshots, { recursive: true });
  return join(paths.screenshots, name);
}

export function outputPath(name) {
  mkdirSync(paths.output, { recursive: true });
  return join(paths.output, name);
}
