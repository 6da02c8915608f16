// Benchmarks for the guide's sync.Pool example: pooled vs non-pooled
// bytes.Buffer. Results go to a package-level sink so they are kept.
package main

import (
	"strings"
	"testing"
)

var sink string

var payload = strings.Repeat("x", 1024)

func BenchmarkWithPool(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = processRequest(payload)
	}
}

func BenchmarkNoPool(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink = processRequestNoPool(payload)
	}
}
