#!/usr/bin/env node
// Run Python inside Pyodide 0.27.7 under Node, from a local runtime folder and with no network.
//
//   node site/node/run_in_pyodide.mjs [options] (-c CODE | FILE.py) [ARGS...]
//
//   --runtime DIR     folder built by `python site/runtime.py --out DIR` (default: build/site)
//   --package NAME    a Pyodide lock package to load from DIR/pyodide/ (repeatable; numpy and
//                     micropip are always loaded)
//   --wheel FILE      a pure-Python wheel to micropip-install (deps=False) from the Pyodide file
//                     system (repeatable; default: every wheel in DIR/wheels/)
//   --copy HOST:DEST  copy a host file or folder into the Pyodide file system (repeatable;
//                     __pycache__ folders are skipped)
//   --cwd DIR         working directory inside Pyodide (default /home/pyodide)
//   --report FILE     write {"network_attempts": n, "blocked": [...], "status": ..., "timings": ...}
//                     as JSON to FILE (also when Pyodide itself fails to start)
//
// Python's stdout and stderr go to Node's; the exit status is Python's (SystemExit(n) → n, an
// uncaught exception → 1), or 3 when anything tried to reach the network.
//
// Every way out to the network that Pyodide or micropip could take (fetch, XMLHttpRequest,
// WebSocket, node:http/https/net/tls/dns) is replaced before Pyodide loads: local files are
// served, anything else is refused and counted. Pyodide itself reads its files with node:fs when
// indexURL is a local path, and falls back to the jsDelivr CDN (through fetch) for a package
// missing from that folder: that fallback is exactly what the counter catches.

import fs from "node:fs";
import { createRequire, syncBuiltinESMExports } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const PYODIDE_VERSION = "0.27.7";

// -- the network guard ---------------------------------------------------------------------------

const network = { network_attempts: 0, blocked: [] };

function refuse(kind, target) {
  network.network_attempts += 1;
  network.blocked.push(`${kind} ${String(target)}`);
  process.stderr.write(`[run_in_pyodide] blocked network request: ${kind} ${String(target)}\n`);
  return new Error(`network access is disabled in run_in_pyodide (${kind} ${String(target)})`);
}

function localPath(url) {
  const s = url instanceof URL ? url.href : typeof url === "string" ? url : url && url.url;
  if (typeof s !== "string") return null;
  if (s.startsWith("file://")) return fileURLToPath(s);
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) return s; // a plain path, no scheme
  return null;
}

globalThis.fetch = async function guardedFetch(url) {
  const local = localPath(url);
  if (local === null) throw refuse("fetch", url instanceof URL ? url.href : (url?.url ?? url));
  const body = await fs.promises.readFile(local);
  return new Response(body, { status: 200, headers: { "Content-Type": "application/octet-stream" } });
};

globalThis.XMLHttpRequest = class XMLHttpRequest {
  open(method, url) {
    this._url = url;
  }
  send() {
    throw refuse("XMLHttpRequest", this._url);
  }
  setRequestHeader() {}
};

globalThis.WebSocket = class WebSocket {
  constructor(url) {
    throw refuse("WebSocket", url);
  }
};

for (const [mod, names] of [
  ["node:http", ["request", "get"]],
  ["node:https", ["request", "get"]],
  ["node:net", ["connect", "createConnection"]],
  ["node:tls", ["connect"]],
  ["node:dns", ["lookup", "resolve", "resolve4", "resolve6"]],
]) {
  const m = require(mod);
  for (const name of names) {
    m[name] = (target) => {
      throw refuse(`${mod}.${name}`, typeof target === "object" ? JSON.stringify(target) : target);
    };
  }
}
syncBuiltinESMExports();

// -- arguments -----------------------------------------------------------------------------------

function usage(msg) {
  process.stderr.write(`run_in_pyodide: ${msg}\nusage: node run_in_pyodide.mjs [--runtime DIR] ` +
    `[--package NAME] [--wheel FILE] [--copy HOST:DEST] [--cwd DIR] [--report FILE] (-c CODE | FILE.py) [ARGS...]\n`);
  process.exit(2);
}

const opts = { runtime: path.resolve(HERE, "..", "..", "build", "site"), packages: [], wheels: [], copies: [],
  cwd: "/home/pyodide", report: null, code: null, file: null, args: [] };
const argv = process.argv.slice(2);
while (argv.length) {
  const a = argv.shift();
  const value = () => (argv.length ? argv.shift() : usage(`${a} needs a value`));
  if (a === "--runtime") opts.runtime = path.resolve(value());
  else if (a === "--package") opts.packages.push(value());
  else if (a === "--wheel") opts.wheels.push(path.resolve(value()));
  else if (a === "--copy") {
    const v = value();
    const i = v.lastIndexOf(":");
    if (i <= 0) usage(`--copy wants HOST:DEST, got ${v}`);
    opts.copies.push([path.resolve(v.slice(0, i)), v.slice(i + 1)]);
  } else if (a === "--cwd") opts.cwd = value();
  else if (a === "--report") opts.report = path.resolve(value());
  else if (a === "-c") {
    opts.code = value();
    opts.args = argv.splice(0);
  } else if (a.startsWith("-")) usage(`unknown option ${a}`);
  else {
    opts.file = path.resolve(a);
    opts.args = argv.splice(0);
  }
}
if (opts.code === null && opts.file === null) usage("give -c CODE or a Python file");

const indexURL = path.join(opts.runtime, "pyodide") + path.sep;
if (!fs.existsSync(path.join(indexURL, "pyodide-lock.json"))) {
  usage(`no Pyodide runtime in ${indexURL}; build it with: python site/runtime.py --out ${opts.runtime}`);
}
if (!opts.wheels.length) {
  const dir = path.join(opts.runtime, "wheels");
  if (fs.existsSync(dir)) {
    opts.wheels = fs.readdirSync(dir).filter((f) => f.endsWith(".whl")).sort().map((f) => path.join(dir, f));
  }
}

function writeReport(extra = {}) {
  if (opts.report) fs.writeFileSync(opts.report, JSON.stringify({ ...network, ...extra }, null, 1) + "\n");
}

// -- run -----------------------------------------------------------------------------------------

function copyInto(FS, host, dest) {
  const st = fs.statSync(host);
  if (st.isDirectory()) {
    FS.mkdirTree(dest);
    for (const name of fs.readdirSync(host)) {
      if (name === "__pycache__" || name === "node_modules" || name === ".pytest_cache") continue;
      copyInto(FS, path.join(host, name), `${dest}/${name}`);
    }
  } else {
    FS.mkdirTree(path.posix.dirname(dest));
    FS.writeFile(dest, fs.readFileSync(host));
  }
}

const timings = {};
let t = performance.now();
const lap = (name) => {
  const now = performance.now();
  timings[name] = Math.round(now - t);
  t = now;
};

async function run() {
  const { loadPyodide, version } = await import("pyodide");
  if (version !== PYODIDE_VERSION) usage(`node_modules has pyodide ${version}, expected ${PYODIDE_VERSION} (npm ci)`);
  const write = (stream) => ({ write: (buf) => (stream.write(Buffer.from(buf)), buf.length) });
  const pyodide = await loadPyodide({
    indexURL,
    packageCacheDir: indexURL,
    lockFileURL: path.join(indexURL, "pyodide-lock.json"),
    stdout: (line) => process.stdout.write(line + "\n"),
    stderr: (line) => process.stderr.write(line + "\n"),
  });
  pyodide.setStdout(write(process.stdout));
  pyodide.setStderr(write(process.stderr));
  lap("boot_ms");
  const quiet = { messageCallback: () => {}, errorCallback: (m) => process.stderr.write(m + "\n") };
  await pyodide.loadPackage(["numpy", "micropip", ...opts.packages], quiet);
  lap("packages_ms");
  if (opts.wheels.length) {
    pyodide.FS.mkdirTree("/tmp/wheels");
    const urls = opts.wheels.map((w) => {
      const dest = `/tmp/wheels/${path.basename(w)}`;
      pyodide.FS.writeFile(dest, fs.readFileSync(w));
      return `emfs:${dest}`;
    });
    const micropip = pyodide.pyimport("micropip");
    await micropip.install.callKwargs(pyodide.toPy(urls), { deps: false });
    micropip.destroy();
  }
  lap("wheels_ms");
  for (const [host, dest] of opts.copies) copyInto(pyodide.FS, host, dest);
  pyodide.FS.mkdirTree(opts.cwd);
  pyodide.FS.chdir(opts.cwd);

  let main = "/tmp/__main__.py";
  if (opts.file) {
    main = `/tmp/${path.basename(opts.file)}`;
    pyodide.FS.writeFile(main, fs.readFileSync(opts.file));
  } else {
    pyodide.FS.writeFile(main, opts.code);
  }
  pyodide.globals.set("_gp_main", main);
  pyodide.globals.set("_gp_args", pyodide.toPy(opts.args));
  const status = pyodide.runPython(`
def _gp_run(main, args):
    import runpy, sys, traceback
    sys.argv = [main, *args]
    try:
        runpy.run_path(main, run_name="__main__")
        code = 0
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            code = e.code or 0
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code
_gp_run(_gp_main, list(_gp_args))
  `);
  lap("run_ms");
  return { status, timings, pyodide: version, indexURL, wheels: opts.wheels.map((w) => path.basename(w)) };
}

let result;
try {
  result = await run();
} catch (err) {
  process.stderr.write(`[run_in_pyodide] ${err && err.stack ? err.stack : err}\n`);
  result = { status: 1, error: String(err && err.message ? err.message : err), timings };
}
writeReport(result);
process.stderr.write(`[run_in_pyodide] network requests attempted: ${network.network_attempts}\n`);
process.exitCode = network.network_attempts ? 3 : result.status;
