// Reproduces the guide's "Common Pitfalls and Best Practices" profiling
// snippet: importing net/http/pprof for its side effect registers the
// /debug/pprof/ handlers on http.DefaultServeMux, and a background
// goroutine serves them.
//
// Changes so that it compiles and ends by itself: the listener defaults to
// "localhost:0" (a free port, chosen by the OS) instead of the fixed
// "localhost:6060" (override with -addr), the program fetches its own
// profiles once to show the endpoints work, and then shuts the server down
// after -serve (default 100ms). It fetches both the heap profile (in-use
// memory as of the last GC) and the allocs profile (everything allocated so far,
// which is where short-lived garbage shows). The chosen address goes to
// stderr; stdout is deterministic.
//
// While it runs (for example with -addr localhost:6060 -serve 1m) you can
// run: go tool pprof -sample_index=alloc_space http://localhost:6060/debug/pprof/allocs
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "localhost:0", "address to serve pprof on")
	serve := flag.Duration("serve", 100*time.Millisecond, "how long to keep serving")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: nil} // nil handler: http.DefaultServeMux, where pprof registered
	go func() {
		_ = srv.Serve(ln) // the guide's http.ListenAndServe, on our listener
	}()
	fmt.Fprintf(os.Stderr, "pprof at http://%s/debug/pprof/\n", ln.Addr())

	// ... your application code ...
	var keep [][]byte
	for i := 0; i < 100; i++ {
		keep = append(keep, make([]byte, 1024))
	}

	// heap: what was in use at the last GC (and, as alloc_space, all allocated so far);
	// allocs: the same samples, shown as everything allocated so far.
	client := &http.Client{Timeout: time.Second}
	for _, profile := range []string{"heap", "allocs"} {
		resp, err := client.Get("http://" + ln.Addr().String() + "/debug/pprof/" + profile)
		if err != nil {
			log.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		fmt.Printf("GET /debug/pprof/%s: %s (profile non-empty: %t)\n", profile, resp.Status, n > 0)
	}

	time.Sleep(*serve)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println("server stopped; kept", len(keep), "buffers")
}
