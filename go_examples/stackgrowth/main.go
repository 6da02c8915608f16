// Illustrates the guide's "Stack Allocation Fundamentals" claim that
// "each goroutine gets its own stack, starting at 2KB and growing as
// needed": a fresh goroutine recurses to -maxdepth through frames that each
// hold a [128]byte array, and the program reports, at every depth, how many
// stack bytes are in use and whether the runtime has just moved (grown)
// the stack.
//
// How it measures, using public APIs only:
//   - The goroutine's outermost frame owns `anchor`; every frame receives
//     a *byte pointing at it. When the runtime grows a stack it copies it
//     to a new, twice as large, block and adjusts every pointer into the
//     stack, including that *byte. Integers (uintptr) are NOT adjusted.
//   - At each depth we record uintptr(anchor pointer) and uintptr(address
//     of this frame's array). used = anchor - array (stacks grow down).
//     moved = the anchor's address differs from the one recorded at the
//     previous depth.
//   - The starting stack size comes from runtime/metrics
//     ("/gc/stack/starting-size:bytes"), and is cross-checked against the
//     growth events: stacks are powers of two and, for frames as small as
//     these, double on each growth, so the size in force before a growth is
//     the next power of two above the bytes used just before it (reliable
//     once the stack is >= 4 KiB, i.e. when the runtime's stack guard area
//     is < half the stack). A frame larger than the doubled stack makes the
//     runtime double again before it copies (newstack in runtime/stack.go),
//     so the "stack" column below assumes frames far smaller than the stack.
//   - The starting size is read with the GC off: each GC may change it
//     (the adaptive starting stack size, GODEBUG=adaptivestackstart).
//
// Recording happens into a preallocated slice and printing happens
// afterwards, with the GC disabled, so nothing allocates or shrinks the
// stack while measuring; the output is deterministic for a given Go
// toolchain and GOARCH.
//
// Output (one per line): start_stack=<bytes> (from runtime/metrics),
// start_stack_estimate=<bytes> (from the growth events, or "unknown"),
// frame=<bytes> (stack bytes per recursion level), then
// depth=<n> used=<bytes> moved=<bool> stack=<bytes> for n = 0..maxdepth,
// where stack is the stack size in force at that depth, and finally
// stack_inuse_delta=<bytes>: runtime.MemStats.StackInuse read while the
// goroutine sits at its deepest point minus the value before it started.
// StackInuse counts whole stack spans: stacks smaller than 32 KiB are
// carved from shared 32 KiB spans (so small stacks show up as 0 or 32768),
// larger stacks get their own span (so the delta equals the final stack).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"unsafe"
)

type sample struct {
	anchor uintptr // current address of the outermost frame's anchor
	local  uintptr // address of this frame's array
}

// samples is allocated before the measurement starts; recurse only
// writes into it.
var samples []sample

// Handshake between the deepest frame and main.
var (
	reached = make(chan struct{})
	release = make(chan struct{})
)

// recurse uses a [128]byte local array so every level has a real stack
// frame; pad stays on the stack because only its address converted to an
// integer is kept. It is not inlined (it is recursive anyway), and the array is
// read back after the recursive call so it cannot be optimised away.
//
//go:noinline
func recurse(depth, maxDepth int, anchor *byte) byte { // want "^cannot inline recurse: marked go:noinline$" "^anchor does not escape$"
	var pad [128]byte // want !"heap"
	pad[depth%len(pad)] = byte(depth)
	samples[depth] = sample{
		anchor: uintptr(unsafe.Pointer(anchor)),
		local:  uintptr(unsafe.Pointer(&pad[0])),
	}
	if depth < maxDepth {
		pad[0] ^= recurse(depth+1, maxDepth, anchor)
	} else {
		// Deepest level: let main read the memory statistics while this
		// goroutine's stack is at its largest.
		reached <- struct{}{}
		<-release
	}
	return pad[0] ^ pad[depth%len(pad)]
}

func startingStackSize() uint64 {
	s := []metrics.Sample{{Name: "/gc/stack/starting-size:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

func nextPow2(n uint64) uint64 {
	p := uint64(1)
	for p < n {
		p <<= 1
	}
	return p
}

func main() {
	maxDepth := flag.Int("maxdepth", 256, "deepest recursion level to measure")
	flag.Parse()
	if *maxDepth < 1 {
		fmt.Fprintln(os.Stderr, "-maxdepth must be >= 1")
		os.Exit(2)
	}

	// No GC while measuring: a GC could shrink the stack, and it also
	// feeds the adaptive starting stack size (GODEBUG=adaptivestackstart).
	debug.SetGCPercent(-1)
	samples = make([]sample, *maxDepth+1)
	start := startingStackSize()

	var before, deepest runtime.MemStats
	runtime.ReadMemStats(&before)
	done := make(chan struct{})
	go func() {
		var anchor byte // want !"moved to heap"
		recurse(0, *maxDepth, &anchor)
		close(done)
	}()
	<-reached
	runtime.ReadMemStats(&deepest)
	close(release)
	<-done

	// used is measured from depth 0's array, so depth 0 reports 0.
	base := samples[0].anchor - samples[0].local
	used := make([]uint64, len(samples))
	moved := make([]bool, len(samples))
	var growths []int // depths at which a move was observed
	for d, s := range samples {
		used[d] = uint64(s.anchor - s.local - base)
		if d > 0 && s.anchor != samples[d-1].anchor {
			moved[d] = true
			growths = append(growths, d)
		}
	}

	// Estimate the starting size from the last growth event: the stack
	// in force just before it is the next power of two above the bytes
	// used at the previous depth, and each earlier growth doubled it.
	estimate := "unknown"
	if n := len(growths); n > 0 {
		before := nextPow2(used[growths[n-1]-1] + 1)
		if before >= 4096 {
			estimate = fmt.Sprint(before >> (n - 1))
		}
	}

	fmt.Printf("start_stack=%d\n", start)
	fmt.Printf("start_stack_estimate=%s\n", estimate)
	fmt.Printf("frame=%d\n", used[1])
	size := start
	for d := range samples {
		if moved[d] {
			size *= 2
		}
		fmt.Printf("depth=%d used=%d moved=%t stack=%d\n", d, used[d], moved[d], size)
	}
	fmt.Printf("stack_inuse_delta=%d\n", int64(deepest.StackInuse)-int64(before.StackInuse))
}
