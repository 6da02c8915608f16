package flaws

import "testing"

var sink int

func BenchmarkPrintValue(b *testing.B) {
	for i := 0; i < b.N; i++ {
		printValue(1000 + i%1000)
	}
}

func BenchmarkPointerInSlice(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += pointerInSlice()
	}
}

func BenchmarkBufferInMethod(b *testing.B) {
	w := Writer{name: "gopher"}
	for i := 0; i < b.N; i++ {
		sink += w.render()
	}
}

func BenchmarkClosureCalledAtOnce(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += calledAtOnce()
	}
}

func BenchmarkFieldOfPointerParam(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += fieldOfPointerParam()
	}
}

func BenchmarkMakeSizedByArgument(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += sizedByArgument(8 + i%8)
	}
}

func BenchmarkAppendFew(b *testing.B) {
	xs := []int{1, 2, 3}
	for i := 0; i < b.N; i++ {
		sink += appendFew(xs)
	}
}

func BenchmarkLoopVariableClosures(b *testing.B) {
	for i := 0; i < b.N; i++ {
		sink += closures()
	}
}
