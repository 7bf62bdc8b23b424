package detectors

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"pricewatch/conf"
)

func TestDefaultConfigValid(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := NewSet(c)
	if err != nil {
		t.Fatal(err)
	}
	want := "jump zscore limit_band sequence invalid"
	if got := strings.Join(s.Detectors(), " "); got != want {
		t.Errorf("default detectors %q; want %q", got, want)
	}
	s, _ = NewSet(allOn())
	want += " ewma stale cusum page_hinkley mad burst cross_section ensemble"
	if got := strings.Join(s.Detectors(), " "); got != want {
		t.Errorf("all detectors %q; want %q", got, want)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(c *Config)
		want string
	}{
		{func(c *Config) { c.Jump.Threshold = 0 },
			"config: detectors.jump.threshold: 0 is not allowed; want a number in (0, 1]"},
		{func(c *Config) { c.Jump.Threshold = 1.5 },
			"config: detectors.jump.threshold: 1.5 is not allowed; want a number in (0, 1]"},
		{func(c *Config) { c.Jump.Attributes = nil },
			"config: detectors.jump.attributes: [] is not allowed; want at least one attribute name"},
		{func(c *Config) { c.Jump.Attributes = []string{"price", "price"} },
			"config: detectors.jump.attributes: price is not allowed; want each attribute once"},
		{func(c *Config) { c.ZScore.Window, c.ZScore.MinEvents = 1, 2 },
			"config: detectors.zscore.window: 1 is not allowed; want an integer from 2 to 100000"},
		{func(c *Config) { c.ZScore.MinEvents = 101 },
			"config: detectors.zscore.min_events: 101 is not allowed; want an integer from 2 to window"},
		{func(c *Config) { c.ZScore.Threshold = -1 },
			"config: detectors.zscore.threshold: -1 is not allowed; want a number > 0"},
		{func(c *Config) { c.ZScore.Cooldown = -1 },
			"config: detectors.zscore.cooldown: -1 is not allowed; want an integer >= 0"},
		{func(c *Config) { c.LimitBand.BaseAttribute = "price" },
			"config: detectors.limit_band.base_attribute: price is not allowed; want an attribute not among attributes"},
		{func(c *Config) { c.Sequence.MaxGap = -2 },
			"config: detectors.sequence.max_gap: -2 is not allowed; want an integer from 0 to 2^53"},
		{func(c *Config) { c.Invalid.TickSize = -0.01 },
			"config: detectors.invalid.tick_size: -0.01 is not allowed; want a number >= 0 (0 turns the tick check off)"},
		{func(c *Config) { c.EWMA.Alpha = 0 },
			"config: detectors.ewma.alpha: 0 is not allowed; want a number in (0, 1]"},
		{func(c *Config) { c.Stale.Factor = 1 },
			"config: detectors.stale.factor: 1 is not allowed; want a number > 1"},
		{func(c *Config) { c.Stale.MinGap = conf.Duration(-time.Second) },
			"config: detectors.stale.min_gap: -1s is not allowed; want a duration >= 0"},
		{func(c *Config) { c.CUSUM.Warmup = 0 },
			"config: detectors.cusum.warmup: 0 is not allowed; want an integer >= 1"},
		{func(c *Config) { c.PageHinkley.Delta = -1 },
			"config: detectors.page_hinkley.delta: -1 is not allowed; want a number >= 0"},
		{func(c *Config) { c.MAD.Window, c.MAD.MinEvents = 2, 3 },
			"config: detectors.mad.window: 2 is not allowed; want an integer from 3 to 1000"},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		if err == nil || err.Error() != tc.want {
			t.Errorf("got %v\nwant %s", err, tc.want)
			continue
		}
		var ce *conf.Error
		if !errors.As(err, &ce) {
			t.Errorf("%v is not a *conf.Error", err)
		}
		if _, err := NewSet(c); err == nil {
			t.Errorf("NewSet accepted the config of %q", tc.want)
		}
	}
}

// TestValidateAll: every mistake is reported, not just the first.
func TestValidateAll(t *testing.T) {
	c := DefaultConfig()
	c.Jump.Threshold = 2
	c.MAD.Threshold = 0
	err := c.Validate()
	if err == nil || strings.Count(err.Error(), "\n") != 1 {
		t.Fatalf("got %v; want two errors", err)
	}
}

const sampleYAML = `
detectors:
  jump:
    threshold: 0.08
    attributes: [price, bid]
  zscore:
    window: 200
    min_events: 50
    cooldown: 5
  limit_band:
    band: 0.2
    base_attribute: ref_price
  invalid:
    tick_size: 0.01
  stale:
    enabled: true
    factor: 20
    min_gap: 5s
`

type jobConfig struct {
	Detectors Config `yaml:"detectors"`
}

func decode(src string) (Config, error) {
	jc := jobConfig{Detectors: DefaultConfig()}
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&jc); err != nil {
		return Config{}, err
	}
	return jc.Detectors, jc.Detectors.Validate()
}

func TestYAML(t *testing.T) {
	c, err := decode(sampleYAML)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Jump.Threshold = 0.08
	want.Jump.Attributes = []string{"price", "bid"}
	want.ZScore.Window, want.ZScore.MinEvents, want.ZScore.Cooldown = 200, 50, 5
	want.LimitBand.Band, want.LimitBand.BaseAttribute = 0.2, "ref_price"
	want.Invalid.TickSize = 0.01
	want.Stale.Enabled, want.Stale.Factor = true, 20
	want.Stale.MinGap = conf.Duration(5 * time.Second)
	got, _ := yaml.Marshal(c)
	exp, _ := yaml.Marshal(want)
	if string(got) != string(exp) {
		t.Errorf("decoded:\n%s\nwant:\n%s", got, exp)
	}
	if _, err := NewSet(c); err != nil {
		t.Fatal(err)
	}
}

func TestYAMLStrict(t *testing.T) {
	for _, src := range []string{
		"detectors:\n  jump:\n    treshold: 0.1\n",
		"detectors:\n  jumps: {}\n",
		"detectors:\n  stale:\n    min_gap: 5\n",
	} {
		if _, err := decode(src); err == nil {
			t.Errorf("decoded %q without error", src)
		}
	}
	if _, err := decode("detectors:\n  zscore:\n    window: 10\n"); err == nil ||
		!strings.Contains(err.Error(), "detectors.zscore.min_events: 30 is not allowed") {
		t.Errorf("window below min_events: got %v", err)
	}
}

// TestYAMLRoundTrip: the defaults written out and read back are the defaults.
func TestYAMLRoundTrip(t *testing.T) {
	b, err := yaml.Marshal(jobConfig{Detectors: DefaultConfig()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := decode(string(b))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := yaml.Marshal(jobConfig{Detectors: c})
	if string(again) != string(b) {
		t.Errorf("round trip changed the config:\n%s\n%s", b, again)
	}
}
