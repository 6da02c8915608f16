// Two decisions at one position, each with its own flow.
package main

func two(p *int) (*int, *int) { return p, p }

var sinkAny any

func mix(n int) []int {
	i := n; s := make([]int, n); sinkAny = i
	return s
}

func main() {
	x := 1
	a, b := two(&x)
	println(a, b, len(mix(3)))
}
