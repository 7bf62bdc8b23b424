package detectors

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"pricewatch/schemas"
)

const groupsYAML = `
detectors:
  jump:
    threshold: 0.05
  groups:
    - name: kosdaq
      prefixes: ["9"]
      jump: {threshold: 0.1, cooldown: 1}
    - name: vip
      ids: ["900100", "005930"]
      jump: {enabled: false}
      stale: {enabled: true}
  zscore:
    threshold: 5
`

func TestGroupsYAML(t *testing.T) {
	c, err := decode(groupsYAML)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Groups) != 2 {
		t.Fatalf("%d groups", len(c.Groups))
	}
	k, v := c.Groups[0], c.Groups[1]
	// A group's sections are the top-level ones, wherever they are in the
	// file, with the group's keys laid over them.
	if k.Name != "kosdaq" || k.Jump.Threshold != 0.1 || k.Jump.Cooldown != 1 || !k.Jump.Enabled || k.ZScore.Threshold != 5 {
		t.Errorf("kosdaq = %+v", k)
	}
	if v.Jump.Enabled || v.Jump.Threshold != 0.05 || !v.Stale.Enabled || c.Stale.Enabled {
		t.Errorf("vip = %+v", v)
	}
	s, err := NewSet(c)
	if err != nil {
		t.Fatal(err)
	}
	// stale runs because a group enables it.
	if got := strings.Join(s.Detectors(), " "); got != "jump zscore limit_band sequence invalid stale" {
		t.Errorf("detectors %s", got)
	}
	// The effective config written out and read back is the same.
	b, _ := yaml.Marshal(jobConfig{Detectors: c})
	again, err := decode(string(b))
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := yaml.Marshal(jobConfig{Detectors: again})
	if string(b) != string(b2) {
		t.Errorf("round trip changed the config:\n%s\n%s", b, b2)
	}
}

func TestGroupsYAMLErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"detectors:\n  groups:\n    - name: g\n      prefixes: [\"9\"]\n      jump: {treshold: 0.1}\n",
			"field treshold not found"},
		{"detectors:\n  groups:\n    - name: g\n      prefix: [\"9\"]\n",
			"field prefix not found"},
		{"detectors:\n  groups:\n    - name: g\n      prefixes: [\"9\"]\n      jump: {threshold: 2}\n",
			"config: detectors.groups[0].jump.threshold: 2 is not allowed; want a number in (0, 1]"},
		{"detectors:\n  groups:\n    - name: g\n      prefixes: [\"9\"]\n      jump: {attributes: [bid]}\n",
			"config: detectors.groups[0].jump.attributes: [bid] is not allowed; want the top-level value [price]; groups tune parameters, not attributes"},
		{"detectors:\n  groups:\n    - name: g\n",
			"config: detectors.groups[0]: g is not allowed; want prefixes or ids"},
		{"detectors:\n  groups:\n    - {name: g, ids: [a]}\n    - {name: g, ids: [b]}\n",
			"config: detectors.groups[1].name: g is not allowed; want a name no other group has"},
		{"detectors:\n  groups:\n    - {ids: [a], prefixes: [\"\"]}\n",
			"config: detectors.groups[0].name: \"\" is not allowed; want a group name"},
		{"detectors:\n  ensemble: {members: [stale]}\n",
			"config: detectors.ensemble.members: stale is not allowed"},
		{"detectors:\n  zscore: {change: pct}\n",
			`config: detectors.zscore.change: "pct" is not allowed`},
		{"detectors:\n  burst: {measures: [count, count]}\n",
			"config: detectors.burst.measures: count is not allowed"},
	} {
		_, err := decode(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.src, err, tc.want)
		}
	}
}

func TestGroupMatch(t *testing.T) {
	c := DefaultConfig()
	c.AddGroup("a", []string{"9", "80"}, []string{"123"}, nil)
	c.AddGroup("b", []string{"1"}, []string{"900", "555"}, nil)
	m := newGroupMatcher(c.Groups)
	for id, want := range map[string]int32{"900": 1, "123": 1, "555": 2, "100": 2, "801": 1, "81": 0, "": 0} {
		if got := m.match(id); got != want {
			t.Errorf("match(%q) = %d; want %d", id, got, want)
		}
	}
}

// TestGroups runs the same prices for an instrument of each group: the top
// level flags every move over 5%, kosdaq (prefix 9) only those over 10%
// with a cooldown of one tick, and vip (listed, but 900100 matches kosdaq
// first) has no jump detector.
func TestGroups(t *testing.T) {
	c, err := decode(groupsYAML)
	if err != nil {
		t.Fatal(err)
	}
	c.ZScore.Enabled, c.LimitBand.Enabled, c.Sequence.Enabled, c.Invalid.Enabled = false, false, false, false
	for i := range c.Groups {
		c.Groups[i].ZScore.Enabled, c.Groups[i].Stale.Enabled = false, false
	}
	var b builder
	for _, id := range []string{"123456", "900100", "005930"} {
		b.prices(id, 0, 100, 107, 100, 112, 100, 115)
	}
	got := run(t, c, b.events, 0)
	var rows []string
	for _, a := range got {
		rows = append(rows, a.InstrumentID+" "+a.Reason)
	}
	want := []string{
		"123456 price 107 is 7% above previous 100; threshold 5%",
		"123456 price 100 is 6.5% below previous 107; threshold 5%",
		"123456 price 112 is 12% above previous 100; threshold 5%",
		"123456 price 100 is 10.7% below previous 112; threshold 5%",
		"123456 price 115 is 15% above previous 100; threshold 5%",
		"900100 price 112 is 12% above previous 100; threshold 10%",
		"900100 price 115 is 15% above previous 100; threshold 10%",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

func TestCooldowns(t *testing.T) {
	c := only(func(c *Config) {
		c.LimitBand.Enabled = true
		c.LimitBand.Cooldown = 2
		c.Sequence.Enabled = true
		c.Sequence.Cooldown = 1
	})
	var b builder
	b.add("L", 0, "base_price", 100)
	for i, p := range []float64{140, 141, 142, 143, 100, 60} { // outside the band but 100
		ev := b.add("L", float64(i+1), "price", p)
		ev.Seq, ev.HasSeq = int64(1+2*i), true // every other seq missing
	}
	var rows []string
	for _, a := range run(t, c, b.events, 0) {
		rows = append(rows, a.Detector+" "+a.Reason)
	}
	// limit_band: 140 flagged, 141 and 142 in the cooldown, 143 flagged,
	// 100 inside (in the cooldown), 60 in the cooldown. sequence: 3
	// flagged, 5 in the cooldown, 7 flagged...
	want := []string{
		"limit_band price 140 is 40% above base_price 100; band ±30%",
		"sequence seq 3 after 1: 1 missing; max gap 0",
		"limit_band price 143 is 43% above base_price 100; band ±30%",
		"sequence seq 7 after 5: 1 missing; max gap 0",
		"sequence seq 11 after 9: 1 missing; max gap 0",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
}

// TestDiff scores differences of a series that crosses zero.
func TestDiff(t *testing.T) {
	c := only(func(c *Config) {
		c.ZScore.Enabled = true
		c.ZScore.Change = "diff"
		c.ZScore.MinEvents = 5
		c.ZScore.Threshold = 4
		c.ZScore.Attributes = []string{"value"}
	})
	var b builder
	for i, v := range []float64{0, 1, -1, 0, 1, -1, 0, 1, 10, -2} {
		b.add("D", float64(i), "value", v)
	}
	got := run(t, c, b.events, 0)
	want := []schemas.Anomaly{
		{InstrumentID: "D", EventTime: t0 + 8000000, Detector: "zscore", Attribute: "value", Observed: 10, Expected: 1, Threshold: 4, Score: 0.338906402196155, Reason: "value 10 is +9 from previous 1: z-score +6.1 against the last 7 changes (mean +0.1429, sd 1.464); threshold 4", SrcPartition: 3, SrcOffset: 8},
	}
	checkRows(t, got, want)
}

// TestMoveFloor: an instrument on a 1-point tick that seldom moves. With the
// sd alone, its one-tick moves are outliers; floored at its typical move
// (one tick), only the nine-tick move is.
func TestMoveFloor(t *testing.T) {
	var b builder
	var ps []float64
	for i := range 60 {
		ps = append(ps, 1000+float64(i/15%2)) // 1000 ×15, 1001 ×15, ...
	}
	b.prices("M", 0, append(ps, 1010)...)
	for _, tc := range []struct {
		move float64
		want []string
	}{
		{0, []string{
			"price 1,001 is +0.1% from previous 1,000: z-score +4.6 against the last 44 returns (mean 0%, sd 0.022%); threshold 4",
			"price 1,010 is +0.899% from previous 1,001: z-score +39.4 against the last 59 returns (mean +0.002%, sd 0.023%); threshold 4",
		}},
		{1, []string{
			"price 1,010 is +0.899% from previous 1,001: z-score +8.9 against the last 59 returns (mean +0.002%, sd 0.1%); threshold 4",
		}},
	} {
		c := only(func(c *Config) {
			c.ZScore.Enabled = true
			c.ZScore.Threshold = 4
			c.ZScore.MinStddevMove = tc.move
		})
		var rows []string
		for _, a := range run(t, c, b.events, 0) {
			rows = append(rows, a.Reason)
		}
		if strings.Join(rows, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("min_stddev_move %v: got\n%s\nwant\n%s", tc.move, strings.Join(rows, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}
