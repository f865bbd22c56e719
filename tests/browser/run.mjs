// Runs the suites of tests/node/ on one hardened output in headless Chromium.
//
//   node tests/browser/run.mjs --chromium /usr/bin/chromium --out DIR \
//     --target web|no-modules --reset auto|manual [--stress-rounds N]
//     [--panic abort|unwind] [--panic-rounds N]
//
// Serves DIR at /out/, tests/node at /node/ and tests/browser at /browser/
// from a localhost server on an ephemeral port, opens suite.html in Chromium
// (one page per suite file, like one process per file under node --test)
// and prints one line per test. Exits 0 when every suite finished and no
// test failed, 1 otherwise. tests/hosts.rs runs it from `cargo test`.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    chromium: { type: "string" },
    out: { type: "string" },
    target: { type: "string" },
    reset: { type: "string", default: "auto" },
    "stress-rounds": { type: "string", default: "2000" },
    panic: { type: "string", default: "abort" },
    "panic-rounds": { type: "string", default: "1000" },
  },
});
for (const key of ["chromium", "out", "target"]) {
  if (!args[key]) throw new Error(`--${key} is required`);
}

/**
 * No event from the page for this long means it hangs. The longest test is
 * a stress suite at 100,000 rounds (~45 s here); at the usual 2,000, ~1 s.
 */
const SILENCE_MS = 120_000;
const tests = resolve(import.meta.dirname, "..");
const roots = { out: resolve(args.out), node: join(tests, "node"), browser: join(tests, "browser") };
const suites = readdirSync(roots.node)
  .filter((f) => f.endsWith(".test.mjs"))
  .sort();
const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
};

/** The file a GET path names, or null when it is outside the three roots. */
function fileFor(urlPath) {
  const [, root, ...rest] = decodeURIComponent(urlPath).split("/");
  if (!Object.hasOwn(roots, root)) return null;
  const file = normalize(join(roots[root], ...rest));
  return file.startsWith(roots[root]) ? file : null;
}

const results = [];
let finished = false;
let running = null;
let onChange = () => {};

const server = createServer((request, response) => {
  const url = new URL(request.url, "http://localhost");
  if (request.method === "POST" && url.pathname === "/event") {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const event = JSON.parse(body);
      if (event.status === "finished") finished = true;
      else if (event.status === "start") running = `${event.file} > ${event.name}`;
      else {
        results.push(event);
        running = null;
      }
      response.end();
      onChange();
    });
    return;
  }
  const file = fileFor(url.pathname);
  if (request.method !== "GET" || file === null || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
    response.writeHead(404).end();
    return;
  }
  const headers = {
    "content-type": types[extname(file)] ?? "application/octet-stream",
    "cache-control": "no-store",
  };
  let body = readFileSync(file);
  if (extname(file) === ".html") {
    // The page runs under a strict Content Security Policy: scripts only from
    // this server or the page's own nonced tags, wasm compilation allowed
    // ('wasm-unsafe-eval'), but no 'unsafe-eval': a hardened glue that
    // evaluated a string as code would be blocked, and suite.html reports
    // every violation as a failed test.
    const nonce = randomBytes(16).toString("base64");
    body = Buffer.from(body.toString("utf8").replaceAll("<script", `<script nonce="${nonce}"`));
    headers["content-security-policy"] =
      `default-src 'self'; script-src 'self' 'nonce-${nonce}' 'wasm-unsafe-eval'; ` +
      "connect-src 'self'; object-src 'none'; base-uri 'none'";
  }
  response.writeHead(200, headers);
  response.end(body);
});
await new Promise((ready) => server.listen(0, "127.0.0.1", ready));

const query = new URLSearchParams({
  suites: suites.join(","),
  index: "0",
  RECOVER_DIR: "/out/",
  RECOVER_TARGET: args.target,
  RECOVER_RESET: args.reset,
  RECOVER_STRESS_ROUNDS: args["stress-rounds"],
  RECOVER_PANIC: args.panic,
  RECOVER_PANIC_ROUNDS: args["panic-rounds"],
});
const page = `http://127.0.0.1:${server.address().port}/browser/suite.html?${query}`;
const profile = mkdtempSync(join(tmpdir(), "wasm-recover-chromium-"));
// Without the background-networking flags Chromium dials out at start, and the
// refused connections of a closed network slow it down.
const chromium = spawn(
  args.chromium,
  [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Containers often mount a 64 MB /dev/shm, too small for Chromium's shared memory.
    "--disable-dev-shm-usage",
    `--user-data-dir=${profile}`,
    "--js-flags=--expose-gc",
    page,
  ],
  { detached: true, stdio: ["ignore", "ignore", "pipe"] },
);
let chromiumLog = "";
chromium.stderr.on("data", (chunk) => (chromiumLog = (chromiumLog + chunk).slice(-8000)));
let exited = null;
chromium.on("exit", (code, signal) => {
  exited = `Chromium exited (${signal ?? code})`;
  onChange();
});
chromium.on("error", (error) => {
  exited = `cannot run ${args.chromium}: ${error.message}`;
  onChange();
});

// Wait until the last suite reports, Chromium dies, or the page falls silent.
let timer;
const problem = await new Promise((done) => {
  const silence = () => {
    clearTimeout(timer);
    timer = setTimeout(() => done(`no result for ${SILENCE_MS / 1000} s; ${running ? `running: ${running}` : "no test was running"}`), SILENCE_MS);
  };
  onChange = () => {
    if (finished) done(null);
    else if (exited) done(exited);
    else silence();
  };
  silence();
}).finally(() => {
  clearTimeout(timer);
  onChange = () => {};
});

if (chromium.pid !== undefined && chromium.exitCode === null && chromium.signalCode === null) {
  // Chromium runs detached in its own process group: end the whole group.
  const end = (signal) => {
    try {
      process.kill(-chromium.pid, signal);
    } catch {
      // already gone
    }
  };
  const gone = new Promise((resolve) => chromium.once("exit", resolve));
  end("SIGTERM");
  const stubborn = setTimeout(() => end("SIGKILL"), 5000);
  await gone;
  clearTimeout(stubborn);
}
server.close();
rmSync(profile, { recursive: true, force: true });

let failed = 0;
for (const r of results) {
  const name = `${r.file} > ${r.name}`;
  const time = r.ms === undefined ? "" : ` (${r.ms} ms)`;
  if (r.status === "pass") console.log(`ok    ${name}${time}`);
  else if (r.status === "skip") console.log(`skip  ${name}${time} # ${r.message}`);
  else {
    failed++;
    console.log(`FAIL  ${name}${time}\n${r.message.replace(/^/gm, "      ")}`);
  }
}
const files = new Set(results.map((r) => r.file));
for (const file of suites) {
  if (!files.has(file)) {
    failed++;
    console.log(`FAIL  ${file}: reported no test`);
  }
}
if (problem !== null) {
  failed++;
  // D-Bus complaints are noise in a container; the rest may explain a crash.
  const log = chromiumLog.split("\n").filter((line) => !line.includes("dbus/"));
  console.log(`FAIL  ${problem}\nChromium's log (tail):\n${log.join("\n")}`);
}
const count = (status) => results.filter((r) => r.status === status).length;
console.log(`${count("pass")} passed, ${failed} failed, ${count("skip")} skipped (chromium, ${args.target}, reset=${args.reset})`);
process.exitCode = failed === 0 ? 0 : 1;
