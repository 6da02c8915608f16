// What escape analysis cannot see through: calls whose target is only known
// at run time. The compiler analyses each function once, bottom-up, and
// records for each parameter whether it leaks (the "escape tags" it also
// writes into a package's export data, which is how it knows what fmt or
// bytes do with your values). A call through a func value or an interface
// method has no single target, so the compiler must assume the worst: the
// argument leaks to the heap.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// Through a func value: f could be any function, including one that keeps p.
func apply(f func(*int), v int) int { // want "^moved to heap: v$"
	f(&v)
	return v
}

// The same work with a direct call: the compiler knows double keeps nothing.
func applyDouble(v int) int {
	double(&v) // want !"heap"
	return v
}

func double(p *int) { // want "^p does not escape$"
	*p *= 2
}

// Through an interface method: w.Write could be any Write method.
func send(w io.Writer, msg string) {
	buf := []byte(msg) // want "^\(\[\]byte\)\(msg\) escapes to heap$"
	w.Write(buf)
}

// The same call on a concrete type: bytes.(*Buffer).Write copies p and keeps
// nothing, as its escape tags in the bytes package's export data say.
func sendLocal(msg string) int {
	buf := []byte(msg) // want "^\(\[\]byte\)\(msg\) does not escape$"
	var b bytes.Buffer
	b.Write(buf)
	return b.Len()
}

func main() {
	fmt.Println(apply(func(p *int) { *p++ }, 1), applyDouble(2))
	send(os.Stdout, "hello\n")
	fmt.Println(sendLocal("world"))
}
