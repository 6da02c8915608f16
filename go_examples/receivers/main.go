// Reproduces the guide's "Use value receivers when possible" strategy:
// Point.Distance (value receiver) and User.UpdateEmail (pointer receiver).
//
// DistancePtr and WithEmail are added only so receivers_test.go can
// compare value and pointer receivers for the same work. On Go 1.27 none
// of the four methods' receivers escapes (with inlining on or off, -l), so
// none of them allocates: the receiver kind by itself does not cause heap
// allocation; what matters is whether the receiver's address escapes.
package main

import (
	"fmt"
	"math"
)

type Point struct {
	X, Y, Z float64
}

type User struct {
	Name  string
	Email string
	Age   int
}

// Causes less heap allocation
func (p Point) Distance() float64 { // want "^can inline Point\.Distance "
	return math.Sqrt(p.X*p.X + p.Y*p.Y + p.Z*p.Z)
}

// Use pointer receivers only when needed (large structs, mutations)
func (u *User) UpdateEmail(email string) { // want "^can inline \(\*User\)\.UpdateEmail " "^u does not escape$" "^leaking param: email$"
	u.Email = email
}

// DistancePtr is Distance with a pointer receiver (added for comparison).
func (p *Point) DistancePtr() float64 { // want "^can inline \(\*Point\)\.DistancePtr " "^p does not escape$"
	return math.Sqrt(p.X*p.X + p.Y*p.Y + p.Z*p.Z)
}

// WithEmail is UpdateEmail with a value receiver (added for comparison):
// it returns a modified copy instead of mutating in place.
func (u User) WithEmail(email string) User { // want "^can inline User\.WithEmail " "^leaking param: u to result ~r0 level=0$" "^leaking param: email to result ~r0 level=0$"
	u.Email = email
	return u
}

func main() {
	p := Point{X: 2, Y: 3, Z: 6}
	u := &User{Name: "Ada"} // want "^&User\{\.\.\.\} does not escape$"
	u.UpdateEmail("ada@example.com")
	v := u.WithEmail("lovelace@example.com")
	fmt.Println(p.Distance(), p.DistancePtr(), u.Email, v.Email)
}
