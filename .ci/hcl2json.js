// Parses every .tf file under the given folders with @cdktf/hcl2json (HashiCorp's HCL parser,
// compiled to WebAssembly) and prints one JSON object, keyed by file, of what each file holds.
// Exits 1, naming file, line and message, when a file is not valid HCL.
//   node .ci/hcl2json.js <folder>... > terraform.json
"use strict";
const fs = require("fs");
const path = require("path");
const { parse } = require("@cdktf/hcl2json");

function tfFiles(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== ".terraform" && entry.name !== "node_modules") {
      found.push(...tfFiles(full));
    } else if (entry.isFile() && entry.name.endsWith(".tf")) {
      found.push(full);
    }
  }
  return found.sort();
}

async function main(dirs) {
  if (dirs.length === 0) {
    console.error("usage: node .ci/hcl2json.js <folder>...");
    return 2;
  }
  const out = {};
  let failed = 0;
  for (const dir of dirs) {
    const files = tfFiles(dir);
    if (files.length === 0) {
      console.error(`hcl syntax: no .tf file under ${dir}`);
      failed++;
    }
    for (const file of files) {
      try {
        out[file] = await parse(file, fs.readFileSync(file, "utf8"));
      } catch (e) {
        console.error(`hcl syntax: ${String(e.message || e).trim()}`);
        failed++;
      }
    }
  }
  if (failed > 0) {
    return 1;
  }
  process.stdout.write(JSON.stringify(out, null, 1) + "\n");
  console.error(`hcl syntax: OK (${Object.keys(out).length} files)`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
