// Standard-library functions inlined into user code, variadic calls,
// append, maps, large and variable-sized allocations.
package main

import (
	"bytes"
	"fmt"
	"strings"
)

func read(s string) int {
	r := strings.NewReader(s)
	return r.Len()
}

func build(parts ...string) string {
	var b bytes.Buffer
	for _, p := range parts {
		b.WriteString(p)
	}
	return b.String()
}

func big() int {
	var a [1 << 20]byte
	return len(a)
}

func sized(n int) []int { return make([]int, n) }

func grow() []int {
	var s []int
	for i := range 10 {
		s = append(s, i)
	}
	return s
}

func index(words []string) map[string]int {
	m := map[string]int{}
	for i, w := range words {
		m[w] = i
	}
	return m
}

func main() {
	fmt.Println(read("abc"), build("a", "b"), big(), len(sized(3)), len(grow()), len(index([]string{"a"})))
}
