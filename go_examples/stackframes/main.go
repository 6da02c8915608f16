// Reproduces the guide's "Stack Allocation Fundamentals" section:
// calculateSum and processData, whose locals (including a 1 KiB array)
// never leave their own stack frame, so escape analysis keeps them all
// on the goroutine stack.
//
// The guide's processData does not compile as written ("declared and not
// used: buffer"); the only change is the added `_ = buffer` line.
package main

import "fmt"

func calculateSum(a, b int) int { // want "^can inline calculateSum "
	result := a + b    // guide "stack allocated" want !"heap"
	temp := result * 2 // guide "also stack allocated" want !"heap"
	return temp
}

func processData(count int) { // want "^can inline processData "
	var buffer [1024]byte // guide "stack allocated array" want !"heap"
	total := 0            // guide "stack allocated" want !"heap"

	for i := 0; i < count; i++ {
		total += i
	}
	_ = buffer // added so the guide's code compiles
	// All variables automatically cleaned up when function returns
}

func main() {
	processData(10)
	fmt.Println("calculateSum(2, 3) =", calculateSum(2, 3))
}
