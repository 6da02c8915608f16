// golab lite: run the Go compiler (cmd/compile built for GOOS=wasip1) in the
// browser, on an in-memory file system, synchronously, from Pyodide.
//
// golab.lite.backend evaluates this file in the kernel's Web Worker and calls
//   const c = golabCompiler(BASE)       // BASE: URL of the site's static/golab/
//   c.manifestText()                    // manifest.json (Go version, export data, Binder link)
//   c.compileSync(files, argv)          // files: {relative path: Uint8Array} mounted at /work
//     -> {exitCode, stdout, stderr, written: {path: Uint8Array}, error, ms, loadMs}
//
// The compiler module (compile.wasm) is fetched once per page: from the Cache
// API when an earlier visit stored it there, else from the site (and then
// stored), compiled while it streams in: Python waits for load() with
// Pyodide's run_sync where the browser has JavaScript promise integration
// (JSPI).  Elsewhere a worker may block, so the first call fetches it with a
// synchronous request and compiles it synchronously (Chromium only refuses
// that on the main thread), and stores it for the next visit.  Each call runs a fresh
// instance (a wasip1 program runs _start once) with GOOS=linux GOARCH=amd64,
// the target of the export data, and PWD=/work.  The WASI preview1 calls
// the Go runtime makes are implemented here on plain objects: a directory is
// {dir: Map(name -> node)}, a file {data: Uint8Array, size}.
// Note: cmd/compile prints -m diagnostics and compile errors on stdout.
//
// options.getSync(url, binary) replaces the synchronous request (Node has no
// XMLHttpRequest: golab's node runner reads files instead), and
// options.background = true starts loading the compiler at once.
function golabCompiler(base, options = {}) {
  const CACHE = "golab-lite-compiler";
  const state = { module: null, loading: null, manifest: null, manifestText: null, pkgs: new Map(), loadMs: 0,
                  background: !!options.background, createdAt: performance.now() };

  const getSync = options.getSync || xhrGetSync;

  function xhrGetSync(url, binary) {
    const xhr = new XMLHttpRequest();
    xhr.open("GET", url, false);
    if (binary) xhr.responseType = "arraybuffer";
    xhr.send(null);
    if (xhr.status !== 200) throw new Error(`GET ${url}: HTTP ${xhr.status}`);
    return binary ? new Uint8Array(xhr.response) : xhr.responseText;
  }

  function manifestText() {
    if (state.manifestText === null) {
      state.manifestText = getSync(base + "manifest.json", false);
      state.manifest = JSON.parse(state.manifestText);
    }
    return state.manifestText;
  }

  function wasmUrl() {
    manifestText();
    return base + "compile.wasm?v=" + encodeURIComponent(state.manifest.compiler_sha256 || state.manifest.goversion);
  }

  // The asynchronous load: the Cache API first (a second visit downloads
  // nothing), then the network; streaming compilation.  One load per page.
  // load(true): a compile waits for it, so the background warm-up gives way
  // (it would only run before that compile and delay it by its own length).
  function load(forCompile = false) {
    if (forCompile) state.awaited = true;
    if (!state.loading) state.loading = loadAsync();
    return state.loading;
  }

  async function loadAsync() {
    const t0 = performance.now();
    state.loadStartedAt = t0;
    const url = wasmUrl();
    let response = null;
    let cache = null;
    try {
      cache = await caches.open(CACHE);
      response = await cache.match(url);
      if (response) state.cached = true;
    } catch (e) { cache = null; }
    if (!response) {
      response = await fetch(url);
      if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
      if (cache) {
        try {
          const absolute = new URL(url, self.location.href).href;
          for (const old of await cache.keys()) if (old.url !== absolute) await cache.delete(old);
          await cache.put(url, response.clone());
        } catch (e) { /* a full or refused cache only costs a download next time */ }
      }
    }
    let module;
    try {
      module = await WebAssembly.compileStreaming(response.clone());
    } catch (e) {  // a server that does not say application/wasm
      module = await WebAssembly.compile(await response.arrayBuffer());
    }
    if (!state.module) { state.module = module; state.loadMs = performance.now() - t0; state.from = state.cached ? "cache" : "network"; }
    return true;
  }

  function moduleSync() {
    if (state.module) return state.module;
    const t0 = performance.now();
    const bytes = getSync(wasmUrl(), true);
    state.module = new WebAssembly.Module(bytes);
    state.loadMs = performance.now() - t0;
    state.from = "sync";
    // keep it for the next visit (asynchronously; nothing waits for this)
    try {
      caches.open(CACHE).then((c) => c.put(wasmUrl(), new Response(bytes, { headers: { "Content-Type": "application/wasm" } }))).catch(() => {});
    } catch (e) { /* no Cache API */ }
    return state.module;
  }

  function exportData(path) {  // "/pkg/fmt.a" -> bytes, fetched once
    let bytes = state.pkgs.get(path);
    if (!bytes) {
      bytes = getSync(base + "pkg/" + path.slice("/pkg/".length), true);
      state.pkgs.set(path, bytes);
    }
    return bytes;
  }

  // ------------------------------------------------------------ WASI preview1
  const E = { SUCCESS: 0, BADF: 8, EXIST: 20, INVAL: 28, ISDIR: 31, NOENT: 44, NOSYS: 52, NOTDIR: 54, NOTEMPTY: 55 };
  const FT = { CHAR: 2, DIR: 3, FILE: 4 };
  const enc = new TextEncoder();
  const dec = new TextDecoder();

  class Exit { constructor(code) { this.code = code; } }

  function runCompiler(files, argv) {
    const module = moduleSync();
    const root = { dir: new Map() };
    const work = { dir: new Map() };
    const pkg = { dir: new Map() };
    root.dir.set("work", work);
    root.dir.set("pkg", pkg);
    for (const [name, data] of Object.entries(files)) {
      const parts = name.split("/");
      let d = work;
      for (const p of parts.slice(0, -1)) {
        if (!d.dir.has(p)) d.dir.set(p, { dir: new Map() });
        d = d.dir.get(p);
      }
      d.dir.set(parts[parts.length - 1], { data: new Uint8Array(data), size: data.length });
    }
    // export data named by the importcfg, fetched on demand
    const cfg = files["importcfg"] ? dec.decode(files["importcfg"]) : "";
    for (const line of cfg.split("\n")) {
      const m = /^packagefile [^=]+=(\/pkg\/.+)$/.exec(line.trim());
      if (m) { const b = exportData(m[1]); pkg.dir.set(m[1].slice(5), { data: b, size: b.length, readonly: true }); }
    }
    const args = ["compile", ...argv];
    const env = ["GOOS=linux", "GOARCH=amd64", "PWD=/work"];
    const out = [], err = [];
    const fds = [
      { stream: null }, { stream: out }, { stream: err },
      { node: root, preopen: "/", pos: 0 },
    ];
    let mem = null;
    const view = () => new DataView(mem.buffer);
    const bytes = () => new Uint8Array(mem.buffer);
    const str = (ptr, len) => dec.decode(bytes().slice(ptr, ptr + len));

    function resolve(fd, path, create) {  // -> {node, parent, name} or errno
      const base = fds[fd];
      if (!base || !base.node || !base.node.dir) return E.BADF;
      const stack = [base.node];
      const parts = path.split("/").filter((p) => p && p !== ".");
      let parent = null, name = "";
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        const cur = stack[stack.length - 1];
        if (!cur.dir) return E.NOTDIR;
        if (p === "..") { if (stack.length > 1) stack.pop(); continue; }
        const next = cur.dir.get(p);
        if (!next) {
          if (i === parts.length - 1) return { node: null, parent: cur, name: p };
          return E.NOENT;
        }
        parent = cur; name = p;
        stack.push(next);
      }
      return { node: stack[stack.length - 1], parent, name };
    }

    function filestat(node, ptr) {
      const v = view();
      for (let i = 0; i < 64; i += 8) v.setBigUint64(ptr + i, 0n, true);
      v.setBigUint64(ptr + 8, BigInt(node.ino || (node.ino = Math.floor(Math.random() * 2 ** 31))), true);
      v.setUint8(ptr + 16, node.dir ? FT.DIR : FT.FILE);
      v.setBigUint64(ptr + 24, 1n, true);
      v.setBigUint64(ptr + 32, BigInt(node.dir ? 0 : node.size), true);
    }

    function iovecs(iovs, n) {
      const v = view();
      const list = [];
      for (let i = 0; i < n; i++) list.push([v.getUint32(iovs + 8 * i, true), v.getUint32(iovs + 8 * i + 4, true)]);
      return list;
    }

    function readInto(f, iovs, n, pos) {
      let total = 0;
      const data = f.node.data;
      for (const [buf, len] of iovecs(iovs, n)) {
        const take = Math.max(0, Math.min(len, f.node.size - pos));
        bytes().set(data.subarray(pos, pos + take), buf);
        pos += take; total += take;
        if (take < len) break;
      }
      return [total, pos];
    }

    function writeFrom(f, iovs, n, pos) {
      let total = 0;
      for (const [buf, len] of iovecs(iovs, n)) {
        const chunk = bytes().slice(buf, buf + len);
        if (f.stream) { f.stream.push(chunk); total += len; continue; }
        const node = f.node;
        if (pos + len > node.data.length) {
          const grown = new Uint8Array(Math.max(pos + len, node.data.length * 2, 4096));
          grown.set(node.data.subarray(0, node.size));
          node.data = grown;
        }
        node.data.set(chunk, pos);
        pos += len; total += len;
        node.size = Math.max(node.size, pos);
      }
      return [total, pos];
    }

    const wasi = {
      args_sizes_get(argc, size) {
        view().setUint32(argc, args.length, true);
        view().setUint32(size, args.reduce((a, s) => a + enc.encode(s).length + 1, 0), true);
        return 0;
      },
      args_get(argvp, buf) { return putStrings(args, argvp, buf); },
      environ_sizes_get(count, size) {
        view().setUint32(count, env.length, true);
        view().setUint32(size, env.reduce((a, s) => a + enc.encode(s).length + 1, 0), true);
        return 0;
      },
      environ_get(envp, buf) { return putStrings(env, envp, buf); },
      clock_res_get(id, ptr) { view().setBigUint64(ptr, 1000n, true); return 0; },
      clock_time_get(id, precision, ptr) {
        const ns = id === 0 ? BigInt(Date.now()) * 1000000n : BigInt(Math.round(performance.now() * 1e6));
        view().setBigUint64(ptr, ns, true);
        return 0;
      },
      random_get(buf, len) {
        for (let o = 0; o < len; o += 65536) crypto.getRandomValues(bytes().subarray(buf + o, buf + Math.min(len, o + 65536)));
        return 0;
      },
      fd_prestat_get(fd, ptr) {
        const f = fds[fd];
        if (!f || !f.preopen) return E.BADF;
        view().setUint8(ptr, 0);
        view().setUint32(ptr + 4, enc.encode(f.preopen).length, true);
        return 0;
      },
      fd_prestat_dir_name(fd, ptr, len) {
        const f = fds[fd];
        if (!f || !f.preopen) return E.BADF;
        bytes().set(enc.encode(f.preopen).subarray(0, len), ptr);
        return 0;
      },
      fd_fdstat_get(fd, ptr) {
        const f = fds[fd];
        if (!f) return E.BADF;
        const v = view();
        v.setUint8(ptr, f.node ? (f.node.dir ? FT.DIR : FT.FILE) : FT.CHAR);
        v.setUint16(ptr + 2, 0, true);
        v.setBigUint64(ptr + 8, 0xffffffffffffffffn, true);
        v.setBigUint64(ptr + 16, 0xffffffffffffffffn, true);
        return 0;
      },
      fd_fdstat_set_flags() { return 0; },
      fd_filestat_get(fd, ptr) {
        const f = fds[fd];
        if (!f) return E.BADF;
        if (!f.node) { for (let i = 0; i < 64; i += 8) view().setBigUint64(ptr + i, 0n, true); view().setUint8(ptr + 16, FT.CHAR); return 0; }
        filestat(f.node, ptr);
        return 0;
      },
      fd_filestat_set_size(fd, size) {
        const f = fds[fd];
        if (!f || !f.node || f.node.dir) return E.BADF;
        const n = Number(size);
        if (n > f.node.data.length) { const g = new Uint8Array(n); g.set(f.node.data.subarray(0, f.node.size)); f.node.data = g; }
        f.node.size = n;
        return 0;
      },
      fd_filestat_set_times() { return 0; },
      path_filestat_get(fd, flags, p, plen, ptr) {
        const r = resolve(fd, str(p, plen));
        if (typeof r === "number") return r;
        if (!r.node) return E.NOENT;
        filestat(r.node, ptr);
        return 0;
      },
      path_filestat_set_times() { return 0; },
      path_open(fd, dirflags, p, plen, oflags, rightsBase, rightsInh, fdflags, fdPtr) {
        const r = resolve(fd, str(p, plen));
        if (typeof r === "number") return r;
        let node = r.node;
        if (!node) {
          if (!(oflags & 1)) return E.NOENT;  // O_CREAT
          node = { data: new Uint8Array(0), size: 0 };
          r.parent.dir.set(r.name, node);
        } else if (oflags & 4) return E.EXIST;  // O_EXCL
        if ((oflags & 2) && !node.dir) return E.NOTDIR;  // O_DIRECTORY
        if ((oflags & 8) && !node.dir) node.size = 0;  // O_TRUNC
        const f = { node, pos: 0, append: !!(fdflags & 1) };
        let n = fds.indexOf(undefined, 4);
        if (n < 0) n = fds.length;
        fds[n] = f;
        view().setUint32(fdPtr, n, true);
        return 0;
      },
      path_create_directory(fd, p, plen) {
        const r = resolve(fd, str(p, plen));
        if (typeof r === "number") return r;
        if (r.node) return E.EXIST;
        r.parent.dir.set(r.name, { dir: new Map() });
        return 0;
      },
      path_unlink_file(fd, p, plen) {
        const r = resolve(fd, str(p, plen));
        if (typeof r === "number") return r;
        if (!r.node) return E.NOENT;
        if (r.node.dir) return E.ISDIR;
        r.parent.dir.delete(r.name);
        return 0;
      },
      path_remove_directory(fd, p, plen) {
        const r = resolve(fd, str(p, plen));
        if (typeof r === "number") return r;
        if (!r.node) return E.NOENT;
        if (!r.node.dir) return E.NOTDIR;
        if (r.node.dir.size) return E.NOTEMPTY;
        r.parent.dir.delete(r.name);
        return 0;
      },
      path_rename(fd, p, plen, fd2, q, qlen) {
        const a = resolve(fd, str(p, plen)), b = resolve(fd2, str(q, qlen));
        if (typeof a === "number") return a;
        if (typeof b === "number") return b;
        if (!a.node) return E.NOENT;
        a.parent.dir.delete(a.name);
        b.parent.dir.set(b.name, a.node);
        return 0;
      },
      fd_read(fd, iovs, n, nread) {
        const f = fds[fd];
        if (!f) return E.BADF;
        if (!f.node) { view().setUint32(nread, 0, true); return 0; }  // stdin: empty
        if (f.node.dir) return E.ISDIR;
        const [total, pos] = readInto(f, iovs, n, f.pos);
        f.pos = pos;
        view().setUint32(nread, total, true);
        return 0;
      },
      fd_pread(fd, iovs, n, offset, nread) {
        const f = fds[fd];
        if (!f || !f.node || f.node.dir) return E.BADF;
        view().setUint32(nread, readInto(f, iovs, n, Number(offset))[0], true);
        return 0;
      },
      fd_write(fd, iovs, n, nwritten) {
        const f = fds[fd];
        if (!f || (!f.stream && !f.node) || (f.node && f.node.dir)) return E.BADF;
        const [total, pos] = writeFrom(f, iovs, n, f.append && f.node ? f.node.size : f.pos);
        f.pos = pos;
        view().setUint32(nwritten, total, true);
        return 0;
      },
      fd_pwrite(fd, iovs, n, offset, nwritten) {
        const f = fds[fd];
        if (!f || !f.node || f.node.dir) return E.BADF;
        view().setUint32(nwritten, writeFrom(f, iovs, n, Number(offset))[0], true);
        return 0;
      },
      fd_seek(fd, offset, whence, ptr) {
        const f = fds[fd];
        if (!f || !f.node) return E.BADF;
        const o = Number(offset);
        const pos = whence === 0 ? o : whence === 1 ? f.pos + o : f.node.size + o;
        if (pos < 0) return E.INVAL;
        f.pos = pos;
        view().setBigUint64(ptr, BigInt(pos), true);
        return 0;
      },
      fd_tell(fd, ptr) {
        const f = fds[fd];
        if (!f || !f.node) return E.BADF;
        view().setBigUint64(ptr, BigInt(f.pos), true);
        return 0;
      },
      fd_close(fd) {
        if (!fds[fd] || fd < 3) return fds[fd] ? 0 : E.BADF;
        fds[fd] = undefined;
        return 0;
      },
      fd_readdir(fd, buf, len, cookie, used) {
        const f = fds[fd];
        if (!f || !f.node || !f.node.dir) return E.BADF;
        const names = [...f.node.dir.keys()];
        let o = 0;
        for (let i = Number(cookie); i < names.length; i++) {
          const name = enc.encode(names[i]);
          const ent = new Uint8Array(24 + name.length);
          const dv = new DataView(ent.buffer);
          dv.setBigUint64(0, BigInt(i + 1), true);
          dv.setUint32(16, name.length, true);
          dv.setUint8(20, f.node.dir.get(names[i]).dir ? FT.DIR : FT.FILE);
          ent.set(name, 24);
          const take = Math.min(ent.length, len - o);
          bytes().set(ent.subarray(0, take), buf + o);
          o += take;
          if (o >= len) break;
        }
        view().setUint32(used, o, true);
        return 0;
      },
      fd_sync() { return 0; },
      fd_datasync() { return 0; },
      fd_advise() { return 0; },
      fd_allocate() { return 0; },
      sched_yield() { return 0; },
      poll_oneoff(inp, outp, nsubs, nevents) {  // every subscription fires at once
        const v = view();
        for (let i = 0; i < nsubs; i++) {
          v.setBigUint64(outp + 32 * i, v.getBigUint64(inp + 48 * i, true), true);
          v.setUint16(outp + 32 * i + 8, 0, true);
          v.setUint8(outp + 32 * i + 10, v.getUint8(inp + 48 * i + 8));
        }
        v.setUint32(nevents, nsubs, true);
        return 0;
      },
      proc_exit(code) { throw new Exit(code); },
    };
    function putStrings(list, ptrs, buf) {
      let o = buf;
      list.forEach((s, i) => {
        const b = enc.encode(s);
        view().setUint32(ptrs + 4 * i, o, true);
        bytes().set(b, o);
        bytes()[o + b.length] = 0;
        o += b.length + 1;
      });
      return 0;
    }
    const imports = {};
    for (const { module: m, name, kind } of WebAssembly.Module.imports(module)) {
      if (kind !== "function") continue;
      (imports[m] ||= {})[name] = wasi[name] || (() => E.NOSYS);
    }
    const instance = new WebAssembly.Instance(module, imports);
    mem = instance.exports.memory;
    let exitCode = 0;
    try {
      instance.exports._start();
    } catch (e) {
      if (e instanceof Exit) exitCode = e.code;
      else throw e;
    }
    // files the compiler wrote under /work (diagnostics), except the object file
    const written = {};
    (function walk(node, prefix) {
      for (const [name, child] of node.dir) {
        const path = prefix + name;
        if (child.dir) walk(child, path + "/");
        else if (!(path in files) && !path.endsWith(".o")) written[path] = child.data.slice(0, child.size);
      }
    })(work, "");
    const join = (chunks) => {
      const all = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
      let o = 0;
      for (const c of chunks) { all.set(c, o); o += c.length; }
      return dec.decode(all);  // once: the -m=2 output has UTF-8 arrows
    };
    return { exitCode, stdout: join(out), stderr: join(err), written };
  }

  function compileSync(files, argv) {
    const t0 = performance.now();
    state.used = true;
    if (files && typeof files.toJs === "function") files = files.toJs({ dict_converter: Object.fromEntries });
    if (argv && typeof argv.toJs === "function") argv = argv.toJs();
    try {
      const r = runCompiler(files, Array.from(argv, String));
      r.ms = performance.now() - t0;
      r.loadMs = state.loadMs;
      r.from = state.from;
      return r;
    } catch (e) {
      return { exitCode: -1, stdout: "", stderr: "", written: {}, error: String(e && e.stack || e), ms: performance.now() - t0 };
    }
  }

  // options.background: start loading the compiler now (where the caller can
  // later wait for it: Pyodide's run_sync).  Without it, the first compile
  // loads it synchronously, once.
  // options.warmup ({files, argv}): once loaded, compile it once in the
  // background, while the learner reads.
  if (options.background) {
    load().then(() => new Promise((r) => setTimeout(r, 0))).then(() => {
      if (options.warmup && !state.used && !state.awaited) {
        const t0 = performance.now();
        state.warmupStartedAt = t0;
        const files = {};
        for (const [k, v] of Object.entries(options.warmup.files)) files[k] = enc.encode(v);
        const r = compileSync(files, options.warmup.argv);
        state.warmupMs = performance.now() - t0;
        state.warmupExit = r.exitCode;
      }
    }).catch((e) => { state.loadError = String(e); });
  }

  function isLoaded() { return state.module !== null; }

  return { base, manifestText, compileSync, load, isLoaded, state };
}
