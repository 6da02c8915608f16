// Package flaws re-runs "escape analysis flaws" written up in the Go 1.10
// era, and newer changes (Go 1.22 loop variables, Go 1.25+ stack backing
// stores), so the versions lesson can measure allocs/op on each Go version.
package flaws

import (
	"bytes"
	"fmt"
	"io"
)

// printValue hands a value to fmt: the value is converted to an interface
// and fmt's parameters leak, so it escapes.
func printValue(n int) {
	fmt.Fprintln(io.Discard, n)
}

// pointerInSlice stores a pointer to a local in a slice that never leaves
// the function.
func pointerInSlice() int {
	x := 1
	s := make([]*int, 1)
	s[0] = &x
	return *s[0]
}

// Writer has a method that uses a local bytes.Buffer.
type Writer struct{ name string }

func (w Writer) render() int {
	var b bytes.Buffer
	b.WriteString("hello, ")
	b.WriteString(w.name)
	return b.Len()
}

// calledAtOnce passes a local's address to a closure called immediately.
func calledAtOnce() int {
	x := 0
	func(p *int) { *p = 42 }(&x)
	return x
}

// Holder keeps a pointer; store writes a pointer into a struct it was given.
type Holder struct{ p *int }

//go:noinline
func store(h *Holder, p *int) { h.p = p }

func fieldOfPointerParam() int {
	x := 7
	var h Holder
	store(&h, &x)
	return *h.p
}

// sizedByArgument makes a slice whose length is only known at run time.
func sizedByArgument(n int) int {
	s := make([]byte, n)
	return len(s)
}

// appendFew appends a few values to a slice that stays local.
func appendFew(xs []int) int {
	var s []int
	for _, x := range xs {
		s = append(s, x)
	}
	return len(s)
}

// closures captures each loop variable in a closure that outlives the iteration.
func closures() int {
	var fs []func() int
	for _, v := range []int{1, 2, 3} {
		fs = append(fs, func() int { return v })
	}
	sum := 0
	for _, f := range fs {
		sum += f()
	}
	return sum
}
