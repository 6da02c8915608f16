// Package shapes is the PGO lesson's hot loop: a constructor too big to
// inline by default, and an interface call, both called millions of times.
package shapes

// Point is what newPoint returns: a pointer, so the value escapes from
// newPoint unless newPoint is inlined where its result stays local.
type Point struct{ X, Y, Z int }

// newPoint costs more than the inliner's default budget of 80.
func newPoint(seed int) *Point {
	p := &Point{X: seed, Y: seed * 2, Z: seed * 3}
	for i := 0; i < 3; i++ {
		switch (seed + i) % 4 {
		case 0:
			p.X += i
		case 1:
			p.Y -= i
		case 2:
			p.Z ^= i
		default:
			p.X = p.Y - p.X
		}
	}
	if p.X > 1000 {
		p.X %= 1000
	}
	if p.Y < -1000 {
		p.Y = -p.Y % 1000
	}
	return p
}

// sumPoints is the hot caller: each result is used once and dropped.
// (go:noinline keeps it a function of its own, as a bigger caller would be.)
//
//go:noinline
func sumPoints(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		p := newPoint(i)
		s += p.X + p.Y + p.Z
	}
	return s
}

// Shape is an interface: calls through it go to whatever type is inside.
type Shape interface{ Area() int }

// Quad is a four-cornered shape; Area uses the shoelace formula.
type Quad struct{ X, Y [4]int }

func (q Quad) Area() int {
	a := 0
	for i := 0; i < 4; i++ {
		j := (i + 1) % 4
		a += q.X[i]*q.Y[j] - q.X[j]*q.Y[i]
	}
	if a < 0 {
		a = -a
	}
	return a / 2
}

type Rect struct{ W, H int }

func (r Rect) Area() int { return r.W * r.H }

// totalArea calls Area through the interface; in the benchmark almost
// every shape is a Quad.
//
//go:noinline
func totalArea(shapes []Shape) int {
	t := 0
	for _, s := range shapes {
		t += s.Area()
	}
	return t
}
