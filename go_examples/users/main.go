// Reproduces the guide's "Heap Allocation Fundamentals" section: the User
// type, createUser (returns a pointer to a local, so the User escapes) and
// createUsers (a slice of pointers whose backing array and elements are
// all returned to the caller, so they escape too).
package main

import "fmt"

type User struct {
	Name  string
	Email string
	Age   int
}

func createUser(name string) *User { // want "^can inline createUser " "^leaking param: name$"
	user := &User{Name: name} // guide "escapes to heap" want "^&User\{\.\.\.\} escapes to heap$"
	return user
}

func createUsers(count int) []*User { // want "^cannot inline createUsers: function too complex"
	users := make([]*User, 0, count) // guide "slice header on stack, backing array on heap" want "^make\(\[\]\*User, 0, count\) escapes to heap$"
	for i := 0; i < count; i++ {
		u := &User{Name: fmt.Sprintf("User%d", i)} // guide "each User escapes to heap" want "^&User\{\.\.\.\} escapes to heap$" "^i escapes to heap$"
		users = append(users, u)                   // want "^append escapes to heap$"
	}
	return users
}

func main() {
	u := createUser("Ada") // want "^inlining call to createUser$" "^&User\{\.\.\.\} does not escape$"
	us := createUsers(3)
	fmt.Println(u.Name, len(us), us[2].Name)
}
