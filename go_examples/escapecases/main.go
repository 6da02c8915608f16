package main

import "fmt"

// Example 1: Pointer return causes escape
func newInt() *int { // want "^can inline newInt "
	x := 42 // guide "escapes to heap" want "^moved to heap: x$"
	return &x
}

// Example 2: Value return keeps it on stack
func newIntValue() int { // want "^can inline newIntValue "
	x := 42 // guide "stays on stack" want !"heap"
	return x
}

// Example 3: Interface assignment causes escape
func printValue(v interface{}) { // want "^can inline printValue " "^leaking param: v$"
	fmt.Println(v) // want "^inlining call to fmt\.Println$" "^\.\.\. argument does not escape$"
}

func testInterface() { // want "^cannot inline testInterface: function too complex"
	x := 100      // guide "escapes to heap due to interface conversion" want !"heap"
	printValue(x) // want "^inlining call to printValue$" "^100 escapes to heap$"
}

// Example 4: Slice assignment
func createSlice() []int { // want "^can inline createSlice "
	s := make([]int, 100) // guide "backing array escapes to heap" want "^make\(\[\]int, 100\) escapes to heap$"
	return s
}

// Example 5: Closure capture
func makeCounter() func() int { // want "^can inline makeCounter "
	count := 0          // guide "escapes to heap (captured by closure)" want "^moved to heap: count$" "^makeCounter capturing by ref: count"
	return func() int { // want "^func literal escapes to heap$" "^can inline makeCounter\.func1 "
		count++
		return count
	}
}

// Example 6: Large local variable
func processLargeData() { // want "^can inline processLargeData "
	var data [1024 * 1024]byte // guide "likely escapes due to size" want "^moved to heap: data$"
	_ = data
}

// This file reproduces the guide's "Escape Analysis in Action" program
// (Examples 1 to 6). It has no header comment because lines 1-46 must keep
// the guide's layout, so that line numbers in `go build -gcflags=-m`
// output can be compared with the guide's. Note that the guide's printed
// output does not match its own listing on Go 1.27: the compiler reports
// "moved to heap: x" at 7:2 (guide: 6:2), "100 escapes to heap" at 24:13
// on the printValue(x) call (guide: 17:2), make at 29:11 (guide: 22:11),
// "moved to heap: count" at 35:2 (guide: 27:2) and "moved to heap: data"
// at 44:6 (guide: 35:6). main was added so the program runs.
func main() {
	fmt.Println(*newInt(), newIntValue())
	testInterface()
	fmt.Println(len(createSlice())) // want "^inlining call to createSlice$" "^make\(\[\]int, 100\) does not escape$"
	c := makeCounter()
	c()
	fmt.Println(c())
	processLargeData()
}
