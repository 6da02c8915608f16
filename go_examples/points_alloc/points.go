// Corrected variant of the guide's "Performance Implications" benchmark.
//
// In the guide's sumPointsHeap the pointer never leaves the function, so
// Go's escape analysis keeps the Point on the stack and nothing is
// allocated. To make the "heap" version really allocate once per
// iteration, this variant stores each pointer in a package-level variable
// (sink). A package-level variable outlives every call, so the compiler
// must put each Point on the heap: "&Point{...} escapes to heap".
// On linux/amd64 a Point is 24 bytes, so sumPointsHeap(1000) performs
// 1000 allocations totalling 24000 bytes, which is what the guide's
// benchmark table claims.
package main

import "fmt"

type Point struct {
	X, Y, Z float64
}

// sink is written by sumPointsHeap; being global, anything stored here
// escapes to the heap.
var sink *Point

// Stack allocation version (unchanged from the guide).
func sumPointsStack(count int) float64 { // want "^can inline sumPointsStack "
	sum := 0.0
	for i := 0; i < count; i++ {
		p := Point{X: 1.0, Y: 2.0, Z: 3.0} // guide "stack allocated" want !"heap"
		sum += p.X + p.Y + p.Z
	}
	return sum
}

// Heap allocation version that truly allocates: each p is published in
// the package-level sink.
func sumPointsHeap(count int) float64 { // want "^can inline sumPointsHeap "
	sum := 0.0
	for i := 0; i < count; i++ {
		p := &Point{X: 1.0, Y: 2.0, Z: 3.0} // guide "heap allocated" want "^&Point\{\.\.\.\} escapes to heap$"
		sink = p
		sum += p.X + p.Y + p.Z
	}
	return sum
}

func main() {
	fmt.Println(sumPointsStack(1000), sumPointsHeap(1000))
}
