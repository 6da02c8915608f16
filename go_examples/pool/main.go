// Reproduces the guide's "Leverage sync.Pool for frequently allocated
// objects" strategy: bufferPool and processRequest. processRequestNoPool
// is added for comparison (benchmarks in pool_test.go).
//
// What the benchmarks show on Go 1.27: both versions still allocate the
// returned string (buf.String() copies the bytes). The pooled version
// reuses the bytes.Buffer and its grown backing array; the non-pooled
// version's bytes.Buffer value itself stays on the stack, but its backing
// array is allocated on every call.
package main

import (
	"bytes"
	"fmt"
	"sync"
)

var bufferPool = sync.Pool{
	New: func() interface{} { // want "^can inline init\.func1 "
		return new(bytes.Buffer) // want "^new\(bytes\.Buffer\) escapes to heap$"
	},
}

func processRequest(data string) string { // want "^cannot inline processRequest: unhandled op DEFER$" "^data does not escape$"
	buf := bufferPool.Get().(*bytes.Buffer) // want !"heap"
	defer bufferPool.Put(buf)
	buf.Reset() // want "^inlining call to bytes\.\(\*Buffer\)\.Reset$"

	buf.WriteString(data)
	// ... process ...
	return buf.String() // want "^inlining call to bytes\.\(\*Buffer\)\.String$" "^string\(bytes\.b\.buf\[bytes\.b\.off:\]\) escapes to heap$"
}

// processRequestNoPool is the same work without sync.Pool (added).
func processRequestNoPool(data string) string { // want "^cannot inline processRequestNoPool: " "^data does not escape$"
	var buf bytes.Buffer // want !"moved to heap"
	buf.WriteString(data)
	// ... process ...
	return buf.String() // want "^inlining call to bytes\.\(\*Buffer\)\.String$" "^string\(bytes\.b\.buf\[bytes\.b\.off:\]\) escapes to heap$"
}

func main() {
	fmt.Println(processRequest("hello"), processRequestNoPool("world"))
}
