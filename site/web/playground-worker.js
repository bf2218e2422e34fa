// The Playground's Python side, in a web worker so the page stays responsive while it trains.
// site/build.py writes this file next to the page with CONFIG filled in. The protocol with the
// page (render, patch, idle, location, status) is Panel's pyodide-worker protocol: the page's
// half comes from `panel convert`'s handler, this half mirrors Panel's worker template.

const CONFIG = /*CONFIG*/ {};

function status(msg, error = false) {
  self.postMessage({ type: "status", msg: error ? `<b>The Playground could not start.</b> ${msg}` : msg });
  if (error) self.postMessage({ type: "gradplay-error", msg });
}

function sendPatch(patch, buffers) {
  self.postMessage({ type: "patch", patch: patch, buffers: buffers });
}

const started = performance.now();
const timings = {};
function lap(what) {
  timings[what] = Math.round(performance.now() - started);
  console.log(`gradplay timing ${what} ${timings[what]} ms`);
  self.postMessage({ type: "gradplay-timing", timings });
}

async function startApplication() {
  const pyodideBase = new URL(CONFIG.pyodideBase, self.location).href;
  // Ahead-of-time bytecode for the modules the app imports (site/pycache.py), fetched meanwhile.
  const pycache = CONFIG.pycache ? fetch(new URL(CONFIG.pycache, self.location)).catch(() => null) : null;
  // The pure-Python packages (gradplay, Panel, Bokeh, ...) as one archive of their installed files.
  const sitePackages = fetch(new URL(CONFIG.sitePackages, self.location)).catch((e) => e);
  status("Loading Python (Pyodide " + CONFIG.pyodideVersion + ")");
  try {
    importScripts(pyodideBase + "pyodide.js");
  } catch (e) {
    status(
      `The Python runtime could not be downloaded from <code>${pyodideBase}</code> (${e.message || e}). ` +
        (CONFIG.offline
          ? "This offline build expects it in the site's <code>pyodide/</code> folder: rebuild the site with " +
            "<code>python site/build.py --offline</code> and serve the whole folder."
          : "Check the internet connection (or a firewall blocking cdn.jsdelivr.net), or use the offline build: " +
            "<code>python site/build.py --offline</code> puts everything in the site's folder."),
      true,
    );
    return;
  }
  let pyodide;
  try {
    pyodide = self.pyodide = await loadPyodide({ indexURL: pyodideBase });
    lap("pyodide");
    status("Loading NumPy and the plotting libraries");
    await pyodide.loadPackage(CONFIG.lockPackages);
    lap("packages");
  } catch (e) {
    status(`Loading the Python runtime failed: ${e.message || e}. Reload the page; if it persists, the site's ` +
      "runtime files are incomplete (rebuild it with <code>python site/build.py</code>).", true);
    return;
  }
  pyodide.globals.set("sendPatch", sendPatch);
  const bytecode = pycache && (await pycache);
  if (bytecode && bytecode.ok) {
    pyodide.unpackArchive(await bytecode.arrayBuffer(), "zip", { extractDir: "/pycache" });
    pyodide.runPython("import sys; sys.pycache_prefix = '/pycache'");
    lap("bytecode");
  }
  status("Installing gradplay, Panel and Bokeh");
  pyodide.globals.set("panel_cdn_root", CONFIG.panelRoot ? new URL(CONFIG.panelRoot, self.location).href : null);
  try {
    const archive = await sitePackages;
    if (!(archive instanceof Response) || !archive.ok) {
      throw new Error(`${CONFIG.sitePackages}: ${archive instanceof Response ? archive.status : archive}`);
    }
    pyodide.unpackArchive(await archive.arrayBuffer(), "zip", { extractDir: "/" });
    await pyodide.runPythonAsync(`
import importlib, os
import pyodide.ffi
importlib.invalidate_caches()
if not hasattr(pyodide.ffi, "jsnull"):  # Panel 1.9 expects Pyodide >= 0.28; 0.27 turns null into None itself
    pyodide.ffi.jsnull = object()
if panel_cdn_root:
    os.environ["PANEL_CDN_ROOT"] = panel_cdn_root  # Panel's CSS from this site, not its CDN
`);
    lap("wheels");
  } catch (e) {
    status(`Installing the Python packages failed: ${e.message || e}. Reload the page; if it persists, rebuild ` +
      "the site (<code>python site/build.py</code>) and serve the whole folder.", true);
    return;
  }
  status("Starting the Playground");
  // The page passes its address's #fragment (the Playground's settings, a TF Playground link) in ours.
  pyodide.globals.set("page_hash", decodeURIComponent(self.location.hash || ""));
  try {
    const [docs_json, render_items, root_ids] = await pyodide.runPythonAsync(`
from panel.io.pyodide import init_doc, write_doc
init_doc()
from gradplay.app.playground import Playground
Playground(url=page_hash).servable()
await write_doc()
`);
    lap("app");
    self.postMessage({ type: "render", docs_json, render_items, root_ids });
  } catch (e) {
    const lines = `${e}`.trim().split("\n");
    status(`Python failed: ${lines[lines.length - 1]}`, true);
    throw e;
  }
}

self.onmessage = async (event) => {
  const msg = event.data;
  if (msg.type === "rendered") {
    self.pyodide.runPythonAsync(`
from panel.io.state import state
from panel.io.pyodide import _link_docs_worker
_link_docs_worker(state.curdoc, sendPatch, setter="js")
`);
    lap("rendered");
  } else if (msg.type === "patch") {
    // Always answer "idle": the page holds back further changes until it hears it.
    try {
      self.pyodide.globals.set("patch", msg.patch);
      await self.pyodide.runPythonAsync(`
from panel.io.state import state
from panel.io.pyodide import _convert_json_patch
state.curdoc.apply_json_patch(_convert_json_patch(patch), setter="js")
`);
    } catch (e) {
      console.error(`gradplay: a change from the page failed in Python: ${e}`);
    } finally {
      self.postMessage({ type: "idle" });
    }
  } else if (msg.type === "location") {
    self.pyodide.globals.set("location", msg.location);
    self.pyodide.runPythonAsync(`
import json
from panel.io.state import state
from panel.util import edit_readonly
if state.location:
    loc_data = json.loads(location)
    with edit_readonly(state.location):
        state.location.param.update({k: v for k, v in loc_data.items() if k in state.location.param})
`);
  }
};

startApplication();
