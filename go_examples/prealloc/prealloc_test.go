// Benchmarks for the guide's slice preallocation example (count 1000).
// The returned slices are stored in a package-level sink so that the
// backing arrays must live on the heap, as they would in real code that
// uses the result.
package main

import "testing"

var sink []int

func BenchmarkBuildList(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = buildList(1000)
	}
}

func BenchmarkBuildListOptimized(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = buildListOptimized(1000)
	}
}
