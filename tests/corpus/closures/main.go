// Closures: captured by value and by reference, returned, called at once,
// run as goroutines.
package main

import (
	"fmt"
	"sync"
)

func makeCounter() func() int {
	count := 0
	return func() int {
		count++
		return count
	}
}

func sum(xs []int) int {
	total := 0
	func() {
		for _, x := range xs {
			total += x
		}
	}()
	return total
}

func parallel() int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	n := 0
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			n += i
			mu.Unlock()
		}()
	}
	wg.Wait()
	return n
}

// A func literal passed to an inlined function, beside another inlined call
// whose result is converted for fmt.Println: the ~r0 at each call is the
// caller's own, not a copy of something in the func literal (main.func1 lies
// inside main, but its body is the literal alone).
func apply(f func(*int), v int) int {
	f(&v)
	return v
}

func twice(v int) int { return v * 2 }

func main() {
	fmt.Println(apply(func(p *int) { *p++ }, 1), twice(2))
	c := makeCounter()
	c()
	println(c(), sum([]int{1, 2, 3}), parallel())
}
