// Reproduces the guide's "Before optimization" / "After optimization"
// example: processUsers returns []*User (one heap object per user plus
// the growing slice), processUsersOptimized returns []User (a single
// backing array). Benchmarks in processusers_test.go.
package main

import "fmt"

type User struct {
	Name  string
	Email string
	Age   int
}

func processUsers(users []string) []*User { // want "^can inline processUsers " "^leaking param content: users$"
	result := []*User{} // want "^\[\]\*User\{\} escapes to heap$"
	for _, name := range users {
		u := &User{Name: name}     // guide "heap allocation" want "^&User\{\.\.\.\} escapes to heap$"
		result = append(result, u) // want "^append escapes to heap$"
	}
	return result
}

func processUsersOptimized(users []string) []User { // want "^can inline processUsersOptimized " "^leaking param content: users$"
	result := make([]User, len(users)) // want "^make\(\[\]User, len\(users\)\) escapes to heap$"
	for i, name := range users {
		result[i] = User{Name: name} // want !"heap" (the guide: "stack allocated, then copied"; the fields are stored into the heap array of line 25)
	}
	return result
}

func main() {
	names := []string{"Ada", "Grace", "Ken"}
	a, b := processUsers(names), processUsersOptimized(names) // want "^&User\{\.\.\.\} escapes to heap$" "^make\(\[\]User, 3\) does not escape$"
	fmt.Println(len(a), a[1].Name, len(b), b[2].Name)
}
