// Reproduces the guide's BenchmarkStackAlloc and BenchmarkHeapAlloc
// verbatim (classic b.N loop). On Go 1.27 both report 0 allocs/op. The
// figures the guide prints for the heap version (24000 B/op, 1000
// allocs/op) do not happen, because &Point{...} does not escape
// sumPointsHeap.
package main

import "testing"

func BenchmarkStackAlloc(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sumPointsStack(1000)
	}
}

func BenchmarkHeapAlloc(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sumPointsHeap(1000)
	}
}
