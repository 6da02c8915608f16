// Closures: captured by value and by reference, returned, called at once,
// run as goroutines.
package main

import "sync"

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

func main() {
	c := makeCounter()
	c()
	println(c(), sum([]int{1, 2, 3}), parallel())
}
