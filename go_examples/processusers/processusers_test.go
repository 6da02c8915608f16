// Benchmarks for the guide's processUsers before/after example with
// 100 names. Results go to package-level sinks so they are kept.
package main

import (
	"strconv"
	"testing"
)

var (
	names   = makeNames(100)
	ptrSink []*User
	valSink []User
)

func makeNames(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = "user" + strconv.Itoa(i)
	}
	return s
}

func BenchmarkProcessUsers(b *testing.B) {
	for i := 0; i < b.N; i++ {
		ptrSink = processUsers(names)
	}
}

func BenchmarkProcessUsersOptimized(b *testing.B) {
	for i := 0; i < b.N; i++ {
		valSink = processUsersOptimized(names)
	}
}
