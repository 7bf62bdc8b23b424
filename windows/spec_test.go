package windows

import (
	"errors"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"pricewatch/conf"
)

func TestDefaultSpecValid(t *testing.T) {
	s := DefaultSpec()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.OutOfOrderness != dur("2s") || len(s.Tumbling) != 1 || s.Tumbling[0] != dur("1m") ||
		s.Attributes[0] != "price" || s.VolumeAttribute != "volume" || s.Timezone != "UTC" || s.FutureAction != "reject" {
		t.Fatalf("defaults: %+v", s)
	}
}

func TestSpecYAML(t *testing.T) {
	src := `
attributes: [price, bid]
volume_attribute: ""
timezone: Asia/Seoul
out_of_orderness: 5s
allowed_lateness: 1m
max_future: 1h
future_action: clamp
early_interval: 10s
tumbling: [1m, 24h]
hopping:
  - {size: 5m, slide: 1m}
session:
  - gap: 30s
`
	s := DefaultSpec()
	if err := yaml.Unmarshal([]byte(src), &s); err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if s.VolumeAttribute != "" || s.Timezone != "Asia/Seoul" || time.Duration(s.AllowedLateness) != time.Minute ||
		s.Hopping[0].Size != dur("5m") || s.Session[0].Gap != dur("30s") || s.Tumbling[1] != dur("24h") || s.FutureAction != "clamp" {
		t.Fatalf("decoded %+v", s)
	}
	if _, err := NewEngine(s); err != nil {
		t.Fatal(err)
	}
}

func TestSpecValidateErrors(t *testing.T) {
	cases := []struct {
		key  string
		want string
		mod  func(*Spec)
	}{
		{"windows.tumbling[0]", "config: windows.tumbling[0]: 0s is not allowed; want a positive duration",
			func(s *Spec) { s.Tumbling = []conf.Duration{0} }},
		{"windows.tumbling[1]", "", func(s *Spec) { s.Tumbling = durs("1m", "1m") }},
		{"windows.tumbling[0]", "", func(s *Spec) { s.Tumbling = []conf.Duration{conf.Duration(1500 * time.Nanosecond)} }},
		{"windows.hopping[0].size", "config: windows.hopping[0].size: 5m0s is not allowed; want a multiple of the slide 2m0s",
			func(s *Spec) { s.Hopping = []HopSpec{{dur("5m"), dur("2m")}} }},
		{"windows.hopping[0].slide", "", func(s *Spec) { s.Hopping = []HopSpec{{dur("5m"), 0}} }},
		{"windows.hopping[1].size", "", func(s *Spec) { s.Hopping = []HopSpec{{dur("4m"), dur("1m")}, {dur("4m"), dur("2m")}} }},
		{"windows.session[0].gap", "", func(s *Spec) { s.Session = []SessionSpec{{dur("-1s")}} }},
		{"windows.attributes", "", func(s *Spec) { s.Attributes = nil }},
		{"windows.attributes[1]", "", func(s *Spec) { s.Attributes = []string{"price", "price"} }},
		{"windows.timezone", "", func(s *Spec) { s.Timezone = "Mars/Olympus" }},
		{"windows.timezone", "", func(s *Spec) { s.Timezone = "" }},
		{"windows.out_of_orderness", "", func(s *Spec) { s.OutOfOrderness = dur("-1s") }},
		{"windows.allowed_lateness", "", func(s *Spec) { s.AllowedLateness = dur("1000000h") }},
		{"windows.max_future", "", func(s *Spec) { s.MaxFuture = dur("-1h") }},
		{"windows.early_interval", "", func(s *Spec) { s.EarlyInterval = dur("-1s") }},
		{"windows.future_action", `config: windows.future_action: "drop" is not allowed; want "reject" or "clamp"`,
			func(s *Spec) { s.FutureAction = "drop" }},
	}
	for _, c := range cases {
		s := DefaultSpec()
		c.mod(&s)
		err := s.Validate()
		var ce *conf.Error
		if !errors.As(err, &ce) || ce.Key != c.key || (c.want != "" && err.Error() != c.want) {
			t.Errorf("%s: got %v", c.key, err)
		}
		if _, err := NewEngine(s); err == nil {
			t.Errorf("%s: NewEngine accepted it", c.key)
		}
	}
}
