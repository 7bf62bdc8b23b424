package detectors

import (
	"errors"
	"math"
	"time"

	"pricewatch/conf"
)

// Config is the `detectors:` section of the job config. Each detector has
// its own section; a section left out keeps the defaults of DefaultConfig,
// so decode YAML into DefaultConfig() rather than into a zero Config.
type Config struct {
	Jump        JumpConfig        `yaml:"jump"`
	ZScore      ZScoreConfig      `yaml:"zscore"`
	LimitBand   LimitBandConfig   `yaml:"limit_band"`
	Sequence    SequenceConfig    `yaml:"sequence"`
	Invalid     InvalidConfig     `yaml:"invalid"`
	EWMA        EWMAConfig        `yaml:"ewma"`
	Stale       StaleConfig       `yaml:"stale"`
	CUSUM       CUSUMConfig       `yaml:"cusum"`
	PageHinkley PageHinkleyConfig `yaml:"page_hinkley"`
	MAD         MADConfig         `yaml:"mad"`
}

// DefaultConfig returns the defaults of every detector. Enabled by default:
// jump, zscore, limit_band, sequence and invalid.
func DefaultConfig() Config {
	return Config{
		Jump: JumpConfig{
			Enabled:    true,
			Attributes: []string{"price"},
			Threshold:  0.05,
		},
		ZScore: ZScoreConfig{
			Enabled:    true,
			Attributes: []string{"price"},
			Window:     100,
			Threshold:  6,
			MinEvents:  30,
			MinStddev:  1e-4,
		},
		LimitBand: LimitBandConfig{
			Enabled:       true,
			Attributes:    []string{"price"},
			BaseAttribute: "base_price",
			Band:          0.30,
		},
		Sequence: SequenceConfig{Enabled: true},
		Invalid: InvalidConfig{
			Enabled:    true,
			Attributes: []string{"price"},
		},
		EWMA: EWMAConfig{
			Attributes: []string{"price"},
			Alpha:      0.05,
			Threshold:  6,
			Warmup:     30,
			MinStddev:  1e-4,
		},
		Stale: StaleConfig{
			Factor: 10,
			Alpha:  0.1,
			Warmup: 10,
			MinGap: conf.Duration(time.Second),
		},
		CUSUM: CUSUMConfig{
			Attributes: []string{"price"},
			Alpha:      0.01,
			Drift:      0.5,
			Threshold:  10,
			Warmup:     30,
			MinStddev:  1e-4,
		},
		PageHinkley: PageHinkleyConfig{
			Attributes: []string{"price"},
			Alpha:      0.01,
			Delta:      0.5,
			Threshold:  20,
			Warmup:     30,
			MinStddev:  1e-4,
		},
		MAD: MADConfig{
			Attributes: []string{"price"},
			Window:     50,
			Threshold:  8,
			MinEvents:  20,
			MinStddev:  1e-4,
		},
	}
}

// Validate checks every section, enabled or not, and returns all mistakes
// joined; each is a *conf.Error naming the key, the value and what is allowed.
func (c *Config) Validate() error {
	v := &validator{}
	c.Jump.validate(v, "detectors.jump")
	c.ZScore.validate(v, "detectors.zscore")
	c.LimitBand.validate(v, "detectors.limit_band")
	c.Sequence.validate(v, "detectors.sequence")
	c.Invalid.validate(v, "detectors.invalid")
	c.EWMA.validate(v, "detectors.ewma")
	c.Stale.validate(v, "detectors.stale")
	c.CUSUM.validate(v, "detectors.cusum")
	c.PageHinkley.validate(v, "detectors.page_hinkley")
	c.MAD.validate(v, "detectors.mad")
	return errors.Join(v.errs...)
}

// clone returns c with its own attribute lists.
func (c Config) clone() Config {
	for _, l := range []*[]string{
		&c.Jump.Attributes, &c.ZScore.Attributes, &c.LimitBand.Attributes,
		&c.Invalid.Attributes, &c.EWMA.Attributes, &c.CUSUM.Attributes,
		&c.PageHinkley.Attributes, &c.MAD.Attributes,
	} {
		*l = append([]string(nil), *l...)
	}
	return c
}

// validator collects config errors.
type validator struct{ errs []error }

func (v *validator) fail(key string, value any, allowed string) {
	v.errs = append(v.errs, conf.Errorf(key, value, "%s", allowed))
}

// open checks lo < x <= hi (or lo < x < hi when hi is +Inf), x finite.
func (v *validator) open(key string, x, lo, hi float64, allowed string) {
	if !(x > lo && x <= hi) || math.IsInf(x, 0) {
		v.fail(key, x, allowed)
	}
}

// intRange checks lo <= x <= hi.
func (v *validator) intRange(key string, x, lo, hi int, allowed string) {
	if x < lo || x > hi {
		v.fail(key, x, allowed)
	}
}

// attrs checks an attribute list: at least one name, none empty, no repeats.
func (v *validator) attrs(key string, names []string) {
	if len(names) == 0 {
		v.fail(key, "[]", "want at least one attribute name")
		return
	}
	for i, n := range names {
		if n == "" {
			v.fail(key, `""`, "want non-empty attribute names")
			continue
		}
		for _, m := range names[:i] {
			if m == n {
				v.fail(key, n, "want each attribute once")
			}
		}
	}
}

const (
	maxWindow = 100_000
	maxEvents = 1 << 30
)
