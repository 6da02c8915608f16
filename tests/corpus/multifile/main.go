package main

var kept []*Box

func main() {
	b := NewBox(1, 2).Grow(3)
	kept = boxes(4)
	println(b.W, len(kept))
}
