// Methods: value and pointer receivers, method values, embedding.
package main

type Point struct{ X, Y int }

func (p Point) Add(q Point) Point { return Point{p.X + q.X, p.Y + q.Y} }

func (p *Point) Scale(k int) *Point {
	p.X *= k
	p.Y *= k
	return p
}

func NewPoint(x, y int) *Point { return &Point{x, y} }

type Named struct {
	Point
	Name string
}

func (n *Named) Label() string { return n.Name }

var keep func(int) *Point

func main() {
	p := NewPoint(1, 2)
	q := p.Add(Point{3, 4})
	r := q.Scale(2)
	keep = p.Scale
	n := &Named{Point{1, 1}, "n"}
	println(r.X, n.Label(), n.Add(*p).X)
}
