// Generic functions: shape instantiations print names with spaces.
package main

func Id[T any](v T) T { return v }

func Ptr[T any](v T) *T { return &v }

type Pair[K comparable, V any] struct {
	Key K
	Val V
}

func (p *Pair[K, V]) Swap() *Pair[K, V] { return &Pair[K, V]{Key: p.Key, Val: p.Val} }

func Map[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func main() {
	a := Id(struct{ A int }{1})
	b := Ptr(3)
	c := Ptr("s")
	p := &Pair[string, int]{"k", 1}
	q := p.Swap()
	m := Map([]int{1, 2}, func(i int) string { return string(rune('a' + i)) })
	println(a.A, *b, *c, q.Key, len(m))
}

// a generic closure capturing a variable of a type parameter
func Counter[T int | float64](start T) func() T {
	n := start
	return func() T {
		n++
		return n
	}
}

var tick = Counter(1.5)
