// Package kafka holds what pricewatch needs of Kafka beyond franz-go itself:
// the line placement shared by `produce` and file backfills, the producer of
// input events, the alert producer, topic creation and offset lookups.
package kafka

// Partition returns the partition of a record key among n partitions, as
// Kafka's default partitioner (and franz-go's StickyKeyPartitioner) places
// keyed records: murmur2 of the key, made positive, modulo n. pricewatch
// places a record without a key as if its key were empty, so that `produce`
// and `backfill` agree on every record.
func Partition(key []byte, n int) int32 {
	return int32((murmur2(key) & 0x7fffffff) % uint32(n))
}

// Partitions returns the partitions [from, to) a JSONL line goes to among
// n, given what schemas.Decoder.Route says of it: a heartbeat goes to every
// partition, any other line to its key's (Partition). `produce` and file
// backfills place lines with it, so that they agree on every partition and
// offset.
func Partitions(key []byte, heartbeat bool, n int) (from, to int32) {
	if heartbeat {
		return 0, int32(n)
	}
	p := Partition(key, n)
	return p, p + 1
}

// murmur2 is the 32-bit MurmurHash2 with Kafka's seed.
func murmur2(b []byte) uint32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	h := seed ^ uint32(len(b))
	for ; len(b) >= 4; b = b[4:] {
		k := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch len(b) {
	case 3:
		h ^= uint32(b[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(b[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(b[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}
