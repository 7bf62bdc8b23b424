package history

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"pricewatch/schemas"
)

// TestChangesFromMarkEqualsFullScan applies random ops to one instrument,
// mostly at the end of its timeline but also late (before points it has),
// and after each checks that a scan for changes starting at the unit's scan
// mark finds exactly what a scan from the first point finds, for every
// unit, delete mode and instance flag the layouts use.
func TestChangesFromMarkEqualsFullScan(t *testing.T) {
	const nAttrs = 3
	units := [][]int{{0}, {1}, {0, 1, 2}}
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		in := &Inst{ID: "X"}
		type key struct {
			unit     int
			ignore   bool
			instance bool
		}
		var keys []key
		for u := range units {
			for _, ig := range []bool{false, true} {
				for _, inst := range []bool{false, true} {
					keys = append(keys, key{u, ig, inst})
				}
			}
		}
		end := int64(0)
		for step := range 400 {
			at := end + rng.Int64N(3)
			if rng.IntN(6) == 0 && end > 0 {
				at = rng.Int64N(end + 1) // late: at or before the last point
			}
			end = max(end, at)
			o := Op{Kind: schemas.OpUpsert, Seq: int64(step + 1)}
			switch r := rng.IntN(10); {
			case r == 0:
				o.Kind = schemas.OpDelete
			case r == 1:
				o.Kind = schemas.OpCorrect
				fallthrough
			default:
				o.Attrs = []AttrVal{{A: rng.IntN(nAttrs), V: schemas.Value{Kind: schemas.KindNumber, Num: float64(rng.IntN(3))}}}
			}
			in.apply(at, o)
			for k, ky := range keys {
				since := at
				st := in.states(nAttrs, ky.ignore)
				full := changes(in.Points, st, units[ky.unit], ky.instance, since, nil)
				marked := changes(in.Points, st, units[ky.unit], ky.instance, since, in.mark(k, len(keys)))
				if !reflect.DeepEqual(full, marked) {
					t.Fatalf("seed %d, step %d (op at %d), unit %v, ignore deletes %v, instance %v:\nfrom the start %+v\nfrom the mark  %+v",
						seed, step, at, units[ky.unit], ky.ignore, ky.instance, full, marked)
				}
			}
		}
		used := 0
		for _, m := range in.marks {
			if m.ok && m.i > 0 {
				used++
			}
		}
		if used == 0 {
			t.Fatalf("seed %d: no scan mark past the first point: the test did not exercise them", seed)
		}
	}
}
