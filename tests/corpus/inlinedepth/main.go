// Inlining depth 1 to 4: each level repeats the callee's decision at its
// own call site, at the position of the outermost call.
package main

type Node struct{ v int }

func (n *Node) String() string { return "node" }

// depth 1: newNode's &Node escapes in newNode, not in main
func newNode() *Node { return &Node{v: 1} }

// depth 3: leaf returns &x, mid returns leaf(), top returns mid()
func leaf() *int {
	x := 1
	return &x
}

func mid() *int { return leaf() }

func top() *int { return mid() }

// depth 4
func d1() *[4]int {
	var a [4]int
	return &a
}
func d2() *[4]int { return d1() }
func d3() *[4]int { return d2() }
func d4() *[4]int { return d3() }

var sink *int

// a result converted to an interface inside an inlined body, then again
func leafN(n int) int { return n * 2 }
func midAny(n int) any { return leafN(n) }
func topAny(n int) any { return midAny(n) }

var sinkAny any

func main() {
	n := newNode()
	sink = top()
	p := d4()
	sinkAny = topAny(len(n.String()))
	println(n.v, p[0], *sink)
}
