// A fair version of the guide's stack vs heap benchmark.
//
// In the guide's benchmark the "stack" loop does almost nothing: the
// compiler inlines sumPointsStack, the Point's fields are constants and the
// result is thrown away, so the loop that remains only counts to 1000.
// Here both versions have the same call shape: one call per element to a
// function the compiler may not inline (//go:noinline), which builds a
// Point from the loop index. The only difference is where that Point lives:
// newPoint returns it by value (in registers, on the stack), newPointPtr
// returns its address, so the Point must be on the heap. The ratio of the
// two benchmarks is the price of one 24-byte heap allocation, measured
// against the same work done without one.
package main

import "fmt"

type Point struct {
	X, Y, Z float64
}

//go:noinline
func newPoint(i int) Point { // want "^cannot inline newPoint: marked go:noinline$"
	return Point{X: float64(i), Y: 2, Z: 3} // want !"heap"
}

//go:noinline
func newPointPtr(i int) *Point { // want "^cannot inline newPointPtr: marked go:noinline$"
	return &Point{X: float64(i), Y: 2, Z: 3} // want "^&Point\{\.\.\.\} escapes to heap$"
}

func sumValues(count int) float64 { // want "^cannot inline sumValues: "
	sum := 0.0
	for i := 0; i < count; i++ {
		p := newPoint(i)
		sum += p.X + p.Y + p.Z
	}
	return sum
}

func sumPointers(count int) float64 { // want "^cannot inline sumPointers: "
	sum := 0.0
	for i := 0; i < count; i++ {
		p := newPointPtr(i)
		sum += p.X + p.Y + p.Z
	}
	return sum
}

func main() {
	fmt.Println(sumValues(1000), sumPointers(1000))
}
