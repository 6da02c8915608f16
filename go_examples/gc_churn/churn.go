// Package main holds the garbage collector lesson's workloads: functions
// golab.gc_experiment calls once with a size, while it samples the
// runtime's GC metrics.
package main

// record is one small heap object with a pointer in it: 128 bytes.
type record struct {
	next *record
	data [120]byte
}

// ring holds the chains that stay live; everything else is garbage as
// soon as the loop moves on.
var ring []*record

// chain allocates 8 linked records: about 1 KiB.
func chain(seed int) *record {
	var head *record
	for j := 0; j < 8; j++ {
		head = &record{next: head}
		head.data[0] = byte(seed + j)
	}
	return head
}

// churnWith builds n chains, each replacing one of the `live` chains kept
// in the ring: once the ring is full (after `live` chains) the live heap
// stays at about `live` KiB, and everything else is garbage.
func churnWith(n, live int) int {
	ring = make([]*record, live)
	sum := 0
	for i := 0; i < n; i++ {
		c := chain(i)
		sum += int(c.data[0])
		ring[i%live] = c
	}
	return sum
}

// churn: the lesson's workload, about 16 MiB live.
func churn(n int) { churnWith(n, 16<<10) }

// smallLive and bigLive allocate exactly the same: only how much of it
// stays live differs (about 1 MiB against about 64 MiB).
func smallLive(n int) { churnWith(n, 1<<10) }
func bigLive(n int)   { churnWith(n, 64<<10) }
