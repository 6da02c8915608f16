// Run the WebAssembly Go compiler (cmd/compile built for wasip1) once under
// Node's built-in WASI, the way golab.lite.backend's "node" runner asks:
//
//   node --no-warnings --liftoff-only node_compile.mjs COMPILE_WASM WORKDIR PKGDIR ARG...
//
// WORKDIR is mounted at /work (the compiler's working directory, PWD), PKGDIR
// (the export data) at /pkg; ARG... are the compiler's arguments.  The
// compiler targets linux/amd64 like the export data.  Its stdout and stderr
// are this process's; the exit status is the compiler's.  Used by tests and
// benchmarks to check the WebAssembly compiler without a browser.
import { readFile } from "node:fs/promises";
import { WASI } from "node:wasi";

const [wasmPath, workDir, pkgDir, ...args] = process.argv.slice(2);
if (!wasmPath || !workDir || !pkgDir) {
  console.error("usage: node_compile.mjs COMPILE_WASM WORKDIR PKGDIR ARG...");
  process.exit(2);
}
const wasi = new WASI({
  version: "preview1",
  returnOnExit: true,
  args: ["compile", ...args],
  env: { GOOS: "linux", GOARCH: "amd64", PWD: "/work" },
  preopens: { "/work": workDir, "/pkg": pkgDir },
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
process.exitCode = wasi.start(instance);
