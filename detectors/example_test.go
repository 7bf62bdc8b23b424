package detectors_test

import (
	"fmt"

	"pricewatch/detectors"
	"pricewatch/schemas"
)

func ExampleSet() {
	set, err := detectors.NewSet(detectors.DefaultConfig())
	if err != nil {
		panic(err)
	}
	var rows []schemas.Anomaly
	for i, p := range []float64{69_700, 69_720, 91_500, 91_480} {
		ev := schemas.Event{
			InstrumentID: "BTC-USD",
			EventTime:    1_709_285_400_000_000 + int64(i)*1_000_000,
			Attrs:        []schemas.Attr{{Name: "price", Value: schemas.Value{Kind: schemas.KindNumber, Num: p}}},
			Offset:       int64(i),
		}
		rows = set.Observe(&ev, ev.EventTime-5_000_000, rows)
	}
	for _, a := range rows {
		fmt.Printf("%s %s @%d score %.3f: %s\n", a.Detector, a.InstrumentID, a.SrcOffset, a.Score, a.Reason)
	}
	// Output:
	// jump BTC-USD @2 score 0.840: price 91,500 is 31.2% above previous 69,720; threshold 5%
}
