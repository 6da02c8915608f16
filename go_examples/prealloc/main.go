// Reproduces the guide's "Preallocate slices with known capacity"
// strategy: buildList (append from a nil slice) vs buildListOptimized
// (make with the final capacity). Benchmarks in prealloc_test.go.
package main

import "fmt"

// Bad: causes multiple allocations as slice grows
func buildList(count int) []int { // want "^can inline buildList "
	var result []int // want !"heap"
	for i := 0; i < count; i++ {
		result = append(result, i) // want "^append escapes to heap$"
	}
	return result
}

// Good: single allocation
func buildListOptimized(count int) []int { // want "^can inline buildListOptimized "
	result := make([]int, 0, count) // want "^make\(\[\]int, 0, count\) escapes to heap$"
	for i := 0; i < count; i++ {
		result = append(result, i) // want "^append escapes to heap$"
	}
	return result
}

func main() {
	a, b := buildList(1000), buildListOptimized(1000) // want "^inlining call to buildList$" "^append does not escape$" "^make\(\[\]int, 0, 1000\) does not escape$"
	fmt.Println(len(a), cap(a), len(b), cap(b))
}
