// Package main holds the garbage collector lesson's workloads: functions
// golab.gc_experiment calls once with a size, while it samples the
// runtime's GC metrics.
package main

// record is one small heap object with a pointer in it: 128 bytes.
type record struct {
	next *record
	data [120]byte
}

// ring holds the records that stay live; everything else is garbage as
// soon as the loop moves on.
var ring []*record

// churnWith builds n short chains of 8 records (about 1 KiB each) and keeps
// every 4th chain in a ring of `live` slots, overwriting the oldest: the
// ring is the live heap (up to live KiB), the rest is garbage.
func churnWith(n, live int) int {
	ring = make([]*record, live)
	sum := 0
	for i := 0; i < n; i++ {
		var head *record
		for j := 0; j < 8; j++ {
			head = &record{next: head}
			head.data[0] = byte(i + j)
		}
		sum += int(head.data[0])
		if i%4 == 0 {
			ring[(i/4)%live] = head
		}
	}
	return sum
}

// churn: the lesson's workload, with up to 16 MiB live.
func churn(n int) { churnWith(n, 16<<10) }

// smallLive and bigLive allocate exactly the same: only how much of it
// stays live differs (up to 1 MiB against up to 64 MiB).
func smallLive(n int) { churnWith(n, 1<<10) }
func bigLive(n int)   { churnWith(n, 64<<10) }
