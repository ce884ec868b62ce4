// Parses HCL files with @cdktf/hcl2json (HashiCorp's HCL parser, compiled to WebAssembly) and
// prints {"<file>": <the file as JSON>} on stdout. Used by tests/test_hcl_review.py.
"use strict";
const fs = require("fs");
const { parse } = require("@cdktf/hcl2json");

(async () => {
  const parsed = {};
  for (const file of process.argv.slice(2)) {
    parsed[file] = await parse(file, fs.readFileSync(file, "utf8"));
  }
  process.stdout.write(JSON.stringify(parsed));
})().catch((error) => {
  process.stderr.write(`hcl2json: ${error}\n`);
  process.exit(1);
});
