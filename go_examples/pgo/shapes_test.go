package shapes

import "testing"

func BenchmarkHot(b *testing.B) {
	shapes := make([]Shape, 2000)
	for i := range shapes {
		shapes[i] = Quad{X: [4]int{0, i, i, 0}, Y: [4]int{0, 0, i, i}}
	}
	shapes[7] = Rect{W: 2, H: 3}
	for b.Loop() {
		sumPoints(1000)
		totalArea(shapes)
	}
}
