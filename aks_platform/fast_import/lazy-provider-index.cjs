// Preloaded into the jsii kernel's Node processes (NODE_OPTIONS=--require) by
// aks_platform/fast_import/provider_loader.py: the Node half of the fast provider import.
//
// A prebuilt provider's lib/index.js is one line per resource module,
//   exports.kubernetesCluster = require("./kubernetes-cluster");
// so loading the package requires all of them (azurerm's 1,528). This rewrites
// those lines into getters that require a module when jsii first looks it up, and leaves
// the file untouched, with a warning, if any line does not have that exact shape.
"use strict";
const Module = require("module");

const INDEX = /[\\/]@cdktf[\\/]provider-[a-z0-9-]+[\\/]lib[\\/]index\.js$/;
const EXPORT_LINE = /^exports\.([A-Za-z_$][\w$]*) = require\(("\.\/[\w.-]+")\);$/;
const ALLOWED = [
  /^"use strict";$/,
  /^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$/,
  /^exports\.[\w$]+ = (exports\.[\w$]+ = )*void 0;$/,
  /^\/\/.*$/,
  /^\/\*\*$/,
  /^ \*.*$/,
  /^$/,
];

function lazyIndex(source) {
  const out = [];
  let exported = 0;
  for (const line of source.split("\n")) {
    const match = EXPORT_LINE.exec(line);
    if (match) {
      exported += 1;
      out.push(
        `Object.defineProperty(exports, ${JSON.stringify(match[1])}, ` +
          `{ enumerable: true, configurable: true, get: () => require(${match[2]}) });`
      );
    } else if (ALLOWED.some((pattern) => pattern.test(line))) {
      out.push(line);
    } else {
      return { source: null, reason: `unexpected line: ${line.slice(0, 80)}` };
    }
  }
  if (exported === 0) return { source: null, reason: "no export lines" };
  return { source: out.join("\n"), reason: null };
}

// The opt-out, read as provider_loader.enabled() reads it: NODE_OPTIONS may still carry this
// preload into a process started with AKS_FAST_PROVIDER_IMPORT=0 (a parent set it), and then
// every provider loads the standard way here too.
function enabled() {
  const value = (process.env.AKS_FAST_PROVIDER_IMPORT ?? "1").trim().toLowerCase();
  return !["0", "false", "no", "off"].includes(value);
}

const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) {
  if (!enabled()) return compile.call(this, content, filename);
  if (INDEX.test(filename)) {
    const { source, reason } = lazyIndex(content);
    if (source !== null) return compile.call(this, source, filename);
    process.emitWarning(`${filename}: loading every module (${reason})`, "LazyProviderIndex");
  }
  return compile.call(this, content, filename);
};
