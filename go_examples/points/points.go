// Reproduces the guide's "Performance Implications" section: Point,
// sumPointsStack and sumPointsHeap (benchmarks in points_test.go).
//
// It demonstrates that the guide's "heap" version does NOT allocate on
// Go 1.27: p never leaves sumPointsHeap (it is only dereferenced), so
// escape analysis reports "&Point{...} does not escape" and the Point lives
// on the stack, exactly like the value version. Both benchmarks report
// 0 B/op and 0 allocs/op. See ../points_alloc for a version whose heap
// variant really allocates.
package main

import "fmt"

type Point struct {
	X, Y, Z float64
}

// Stack allocation version
func sumPointsStack(count int) float64 { // want "^can inline sumPointsStack "
	sum := 0.0
	for i := 0; i < count; i++ {
		p := Point{X: 1.0, Y: 2.0, Z: 3.0} // guide "stack allocated" want !"heap"
		sum += p.X + p.Y + p.Z
	}
	return sum
}

// Heap allocation version
func sumPointsHeap(count int) float64 { // want "^can inline sumPointsHeap "
	sum := 0.0
	for i := 0; i < count; i++ {
		p := &Point{X: 1.0, Y: 2.0, Z: 3.0} // guide "heap allocated" want "^&Point\{\.\.\.\} does not escape$" !"escapes to heap"
		sum += p.X + p.Y + p.Z
	}
	return sum
}

func main() {
	fmt.Println(sumPointsStack(1000), sumPointsHeap(1000))
}
