// A callee with several decisions of the same subject: each call-site copy
// must come from the right one.
package main

type T struct{ a, b int }

func pair() (*T, *T) {
	x := &T{1, 2}
	y := &T{3, 4}
	return x, nil_or(y)
}

func nil_or(t *T) *T {
	if t.a > 10 {
		return t
	}
	return nil
}

func keepFirst() *T {
	x, _ := pair()
	return x
}

func variadic(xs ...int) int { return len(xs) }

func main() {
	a, b := pair()
	c := keepFirst()
	println(a, b, c, variadic(1, 2, 3))
}
