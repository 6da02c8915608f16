// The words of `go build -gcflags=-m`, one function each (for lesson 02).
//
// The rule behind every line: a value can stay in its function's stack
// frame only if the compiler can prove that nothing refers to it after the
// function returns, and its size is known at compile time and small
// enough. What the compiler cannot prove goes to the heap.
package main

import "fmt"

type point struct{ x, y int }

// A variable whose address outlives the call: "moved to heap".
func newPoint(x, y int) *point { // want "^can inline newPoint "
	p := point{x, y} // want "^moved to heap: p$"
	return &p
}

// Storage made by &T{}, new, make or a closure that outlives the call: "escapes to heap".
func newPointLit(x, y int) *point { // want "^can inline newPointLit "
	return &point{x, y} // want "^&point\{\.\.\.\} escapes to heap$"
}

// The same allocation, used only inside the call: "does not escape".
func sumLit(x, y int) int { // want "^can inline sumLit "
	p := &point{x, y} // want "^&point\{\.\.\.\} does not escape$"
	return p.x + p.y
}

var last *point

// A parameter the function keeps: "leaking param". Every caller's argument
// must then be on the heap.
func remember(p *point) { // want "^leaking param: p$"
	last = p
}

// A parameter the function only reads: "p does not escape". Callers may
// pass the address of a stack variable.
func read(p *point) int { // want "^p does not escape$"
	return p.x
}

// A parameter that comes back as the result: the caller decides.
func same(p *point) *point { // want "^leaking param: p to result ~r0 level=0$"
	return p
}

func main() {
	a := point{1, 2} // want "^moved to heap: a$"
	remember(&a)
	b := point{3, 4} // want !"heap"
	fmt.Println(newPoint(1, 2).x, newPointLit(3, 4).y, sumLit(5, 6), read(&b), same(&b).y)
}
