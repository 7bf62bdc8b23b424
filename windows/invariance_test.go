package windows

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"pricewatch/schemas"
)

// TestOrderInvariance feeds the same events to the engine twice: in time
// order to one lane, and shuffled within the out-of-orderness bound, split
// across one to three partitions by instrument, with a checkpoint round trip
// at random points. No event is late either way, so the final rows are the
// same, up to the rounding of sums and the offsets that closed them.
func TestOrderInvariance(t *testing.T) {
	spec := DefaultSpec()
	spec.Attributes = []string{"price", "bid"}
	spec.OutOfOrderness = dur("5s")
	spec.Tumbling = durs("1m", "24h")
	spec.Hopping = []HopSpec{{Size: dur("2m"), Slide: dur("30s")}}
	spec.Session = []SessionSpec{{Gap: dur("10s")}}
	spec.Timezone = "Asia/Seoul"
	seeds := uint64(20)
	if testing.Short() {
		seeds = 4
	}
	for seed := range seeds {
		rng := rand.New(rand.NewPCG(seed, 7))
		evs := orderedEvents(rng, 2000)
		want := runLanes(t, rng, spec, evs, 1, false)
		got := runLanes(t, rng, spec, shuffleWithin(rng, evs, spec.OutOfOrderness.Micros()), 1+rng.IntN(3), true)
		if len(got) != len(want) || len(want) == 0 {
			t.Fatalf("seed %d: %d rows shuffled, %d in order", seed, len(got), len(want))
		}
		for i := range got {
			if !sameBar(&got[i], &want[i]) {
				t.Fatalf("seed %d, row %d:\n shuffled %+v\n in order %+v", seed, i, got[i], want[i])
			}
		}
	}
}

// orderedEvents returns n events of four instruments at strictly increasing
// times, across midnight in Seoul (15:00 UTC).
func orderedEvents(rng *rand.Rand, n int) []schemas.Event {
	clock := time.Date(2026, 3, 6, 14, 30, 0, 0, time.UTC).UnixMicro()
	insts := []string{"AAA", "BBB", "CCC", "DDD"}
	evs := make([]schemas.Event, n)
	for i := range evs {
		clock += 1 + rng.Int64N(2_000_000)
		ev := &evs[i]
		ev.InstrumentID, ev.EventTime = insts[rng.IntN(len(insts))], clock
		ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "price", Value: num(float64(rng.IntN(400)+800) / 8)})
		if rng.IntN(3) == 0 {
			ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "bid", Value: num(float64(rng.IntN(400) + 790))})
		}
		if rng.IntN(2) == 0 {
			ev.Attrs = append(ev.Attrs, schemas.Attr{Name: "volume", Value: num(float64(1 + rng.IntN(5)))})
		}
	}
	return evs
}

// shuffleWithin reorders evs by an arrival time of event time plus up to ooo:
// whatever arrives before an event is at most ooo later than it, so the
// watermark never passes an event before it arrives.
func shuffleWithin(rng *rand.Rand, evs []schemas.Event, ooo int64) []schemas.Event {
	type arrival struct {
		at int64
		ev schemas.Event
	}
	arr := make([]arrival, len(evs))
	for i, ev := range evs {
		arr[i] = arrival{ev.EventTime + rng.Int64N(ooo+1), ev}
	}
	slices.SortStableFunc(arr, func(a, b arrival) int { return cmp.Compare(a.at, b.at) })
	out := make([]schemas.Event, len(arr))
	for i := range arr {
		out[i] = arr[i].ev
	}
	return out
}

// runLanes runs evs split into lanes by instrument, each with offsets in
// arrival order and, when checkpoints is set, a checkpoint round trip after
// about one event in 50; it flushes every lane and returns all rows sorted by
// window, with their source offsets cleared.
func runLanes(t *testing.T, rng *rand.Rand, spec Spec, evs []schemas.Event, lanes int, checkpoints bool) []schemas.WindowBar {
	t.Helper()
	engs := make([]*Engine, lanes)
	for i := range engs {
		var err error
		if engs[i], err = NewEngine(spec); err != nil {
			t.Fatal(err)
		}
	}
	var out Output
	for i := range evs {
		ev := evs[i]
		l := int(ev.InstrumentID[0]) % lanes
		ev.Partition, ev.Offset = int32(l), int64(i)
		if ok, reason := engs[l].Admit(&ev); !ok {
			t.Fatalf("event %d refused: %s", i, reason)
		}
		engs[l].Process(&ev, &out)
		if checkpoints && rng.IntN(50) == 0 {
			engs[l] = checkpoint(t, engs[l], spec)
		}
	}
	for l, e := range engs {
		e.Flush(int32(l), int64(len(evs)), &out)
	}
	if len(out.Late) > 0 {
		t.Fatalf("%d late rows, the first %+v", len(out.Late), out.Late[0])
	}
	rows := out.Bars
	for i := range rows {
		rows[i].SrcPartition, rows[i].SrcOffset = 0, 0
		if rows[i].Revision != 0 || rows[i].LateUpdates != 0 {
			t.Fatalf("row %+v was revised", rows[i])
		}
	}
	slices.SortFunc(rows, func(a, b schemas.WindowBar) int {
		return cmp.Or(cmp.Compare(a.WindowKind, b.WindowKind), cmp.Compare(a.InstrumentID, b.InstrumentID),
			cmp.Compare(a.Attribute, b.Attribute), cmp.Compare(a.WindowStart, b.WindowStart), cmp.Compare(a.WindowEnd, b.WindowEnd))
	})
	return rows
}
