// Run the WebAssembly Go compiler once under Node, through the same
// compiler.js (its WASI implementation and in-memory file system) that the
// browser runs, the way golab.lite.backend's "node" runner asks:
//
//   node --liftoff-only node_compile.mjs ASSETS WORKDIR ARG...
//
// ASSETS is a folder laid out like the site's static/golab/ (compile.wasm,
// manifest.json, pkg/); the files of WORKDIR are mounted at /work (the
// compiler's working folder); ARG... are the compiler's arguments.  What the
// compiler prints goes to this process's stdout and stderr, the files it
// writes into WORKDIR (except the object file), and its exit status is this
// process's.  Tests and benchmarks use it to check golab lite without a browser.
import { readFileSync, writeFileSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const [assets, workDir, ...args] = process.argv.slice(2);
if (!assets || !workDir) {
  console.error("usage: node_compile.mjs ASSETS WORKDIR ARG...");
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const golabCompiler = new Function(readFileSync(join(here, "compiler.js"), "utf8") + "\nreturn golabCompiler;")();
const base = "file:" + assets.replace(/\/?$/, "/");
const compiler = golabCompiler(base, {
  background: false,
  getSync(url, binary) {
    const path = decodeURIComponent(new URL(url).pathname);
    return binary ? new Uint8Array(readFileSync(path)) : readFileSync(path, "utf8");
  },
});
const files = {};
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else files[relative(workDir, path)] = new Uint8Array(readFileSync(path));
  }
})(workDir);
const r = compiler.compileSync(files, args);
if (r.error) {
  console.error("golab lite: the compiler could not run: " + r.error);
  process.exit(125);
}
for (const [name, data] of Object.entries(r.written)) {
  mkdirSync(dirname(join(workDir, name)), { recursive: true });
  writeFileSync(join(workDir, name), data);
}
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
process.exitCode = r.exitCode;
