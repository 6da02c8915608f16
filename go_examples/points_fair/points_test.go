// Benchmarks for the fair comparison: the same 1000 non-inlined calls, the
// results kept (b.Loop keeps the call's result alive, and it goes to sink).
package main

import "testing"

var sink float64

func BenchmarkValues(b *testing.B) {
	for b.Loop() {
		sink = sumValues(1000)
	}
}

func BenchmarkPointers(b *testing.B) {
	for b.Loop() {
		sink = sumPointers(1000)
	}
}
