// Interfaces: conversions, dynamic calls, devirtualization.
package main

import "fmt"

type Shape interface{ Area() float64 }

type Circle struct{ R float64 }

func (c *Circle) Area() float64 { return 3 * c.R * c.R }

type Square struct{ S float64 }

func (s Square) Area() float64 { return s.S * s.S }

func total(shapes []Shape) float64 {
	t := 0.0
	for _, s := range shapes {
		t += s.Area()
	}
	return t
}

func direct() float64 {
	var s Shape = &Circle{R: 2}
	return s.Area()
}

func boxed(n int) any { return n }

func main() {
	shapes := []Shape{&Circle{1}, Square{2}}
	fmt.Println(total(shapes), direct(), boxed(4))
	var e error = fmt.Errorf("x %d", 1)
	fmt.Println(e)
}
