// Two files: the callees live here, their call sites in main.go.
package main

type Box struct{ W, H int }

func NewBox(w, h int) *Box { return &Box{w, h} }

func (b *Box) Grow(n int) *Box {
	b.W += n
	return b
}

func boxes(n int) []*Box {
	out := make([]*Box, 0, n)
	for i := range n {
		out = append(out, NewBox(i, i))
	}
	return out
}
