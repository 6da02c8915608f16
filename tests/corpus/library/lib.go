// A package that is not main: exported functions, a type with methods.
package library

import "errors"

type Stack struct{ items []int }

func New() *Stack { return &Stack{} }

func (s *Stack) Push(v int) { s.items = append(s.items, v) }

func (s *Stack) Pop() (int, error) {
	if len(s.items) == 0 {
		return 0, errors.New("empty")
	}
	v := s.items[len(s.items)-1]
	s.items = s.items[:len(s.items)-1]
	return v, nil
}

func Fill(n int) *Stack {
	s := New()
	for i := range n {
		s.Push(i)
	}
	return s
}
