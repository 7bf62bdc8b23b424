package windows

import (
	"fmt"
	"time"
	_ "time/tzdata" // windows.timezone works on hosts without a zoneinfo database

	"pricewatch/conf"
)

// HopSpec is one hopping window: windows of Size start every Slide. Size must
// be a multiple of Slide.
type HopSpec struct {
	Size  conf.Duration `yaml:"size"`
	Slide conf.Duration `yaml:"slide"`
}

// SessionSpec is one session window: a session of an (instrument, attribute)
// ends after Gap of event time without events.
type SessionSpec struct {
	Gap conf.Duration `yaml:"gap"`
}

// Spec is the `windows:` section of the job config (YAML, snake_case keys).
// DefaultSpec gives the defaults; decode the YAML over it and call Validate.
type Spec struct {
	// Attributes are the numeric attributes aggregated. Default [price].
	Attributes []string `yaml:"attributes"`
	// VolumeAttribute weights VWAP and feeds the Volume column. Default
	// "volume"; "" disables VWAP and volume.
	VolumeAttribute string `yaml:"volume_attribute"`
	// Timezone is the IANA zone the window origin is aligned to. Default "UTC".
	Timezone string `yaml:"timezone"`
	// OutOfOrderness is how far the watermark trails the lane's max event
	// time. Default 2s.
	OutOfOrderness conf.Duration `yaml:"out_of_orderness"`
	// AllowedLateness keeps closed windows updatable. Default 0.
	AllowedLateness conf.Duration `yaml:"allowed_lateness"`
	// MaxFuture bounds how far ahead of the lane clock an event may be (see
	// Engine.Admit). Default 0: off.
	MaxFuture conf.Duration `yaml:"max_future"`
	// FutureAction is "reject" (default) or "clamp".
	FutureAction string `yaml:"future_action"`
	// IdleTimeout, when > 0, makes `pricewatch run` write a heartbeat into
	// each of its partitions that has had no record for that long of wall
	// time, so that the partition's windows close while it is quiet (see
	// schemas.OpHeartbeat); it needs write access to the input topic.
	// Default 0: off.
	IdleTimeout conf.Duration `yaml:"idle_timeout"`
	// EarlyInterval, when > 0, emits speculative rows of open windows every
	// time the watermark crosses a multiple of it. Default 0: off.
	EarlyInterval conf.Duration `yaml:"early_interval"`
	// Tumbling lists tumbling window sizes. Default [1m].
	Tumbling []conf.Duration `yaml:"tumbling"`
	// Hopping lists hopping windows. Default none.
	Hopping []HopSpec `yaml:"hopping"`
	// Session lists session windows. Default none.
	Session []SessionSpec `yaml:"session"`
}

// Limits enforced by Validate.
const (
	// MaxAttributes is the most attributes one engine aggregates.
	MaxAttributes = 64
	// MaxWindows is the most window specs (all kinds together) one engine runs.
	MaxWindows = 64
	// maxDurMicros bounds every configured duration (100 years), which keeps
	// all window arithmetic far from int64 overflow.
	maxDurMicros = int64(100 * 365 * 24 * time.Hour / time.Microsecond)
)

// DefaultSpec returns the defaults: attributes [price], volume attribute
// "volume", timezone UTC, out_of_orderness 2s, no lateness, no max_future,
// future_action reject, no early results, one 1m tumbling window.
func DefaultSpec() Spec {
	return Spec{
		Attributes:      []string{"price"},
		VolumeAttribute: "volume",
		Timezone:        "UTC",
		OutOfOrderness:  conf.Duration(2 * time.Second),
		FutureAction:    "reject",
		Tumbling:        []conf.Duration{conf.Duration(time.Minute)},
	}
}

// Validate checks the spec and returns a *conf.Error naming the first bad key.
// It does not change the spec.
func (s *Spec) Validate() error {
	if err := s.validateAttrs(); err != nil {
		return err
	}
	if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "" {
		return conf.Errorf("windows.timezone", fmt.Sprintf("%q", s.Timezone), "want an IANA time zone name such as \"UTC\" or \"Asia/Seoul\"")
	}
	for _, d := range []struct {
		key string
		v   conf.Duration
	}{
		{"windows.out_of_orderness", s.OutOfOrderness},
		{"windows.allowed_lateness", s.AllowedLateness},
		{"windows.max_future", s.MaxFuture},
		{"windows.early_interval", s.EarlyInterval},
	} {
		if err := checkDur(d.key, d.v, false); err != nil {
			return err
		}
	}
	if s.IdleTimeout != 0 && (time.Duration(s.IdleTimeout) < time.Second || s.IdleTimeout.Micros() > maxDurMicros) {
		return conf.Errorf("windows.idle_timeout", s.IdleTimeout, "want 0 (off) or a duration from 1s to 100 years")
	}
	if s.FutureAction != "reject" && s.FutureAction != "clamp" {
		return conf.Errorf("windows.future_action", fmt.Sprintf("%q", s.FutureAction), "want \"reject\" or \"clamp\"")
	}
	return s.validateWindows()
}

func (s *Spec) validateAttrs() error {
	if len(s.Attributes) == 0 || len(s.Attributes) > MaxAttributes {
		return conf.Errorf("windows.attributes", s.Attributes, "want 1 to %d attribute names", MaxAttributes)
	}
	for i, a := range s.Attributes {
		if a == "" || indexOf(s.Attributes[:i], a) >= 0 {
			return conf.Errorf(fmt.Sprintf("windows.attributes[%d]", i), fmt.Sprintf("%q", a), "want a non-empty attribute name listed once")
		}
	}
	return nil
}

func (s *Spec) validateWindows() error {
	if n := len(s.Tumbling) + len(s.Hopping) + len(s.Session); n > MaxWindows {
		return conf.Errorf("windows", n, "want at most %d windows in all", MaxWindows)
	}
	for i, d := range s.Tumbling {
		key := fmt.Sprintf("windows.tumbling[%d]", i)
		if err := checkDur(key, d, true); err != nil {
			return err
		}
		for _, o := range s.Tumbling[:i] {
			if o == d {
				return conf.Errorf(key, d, "want distinct tumbling sizes")
			}
		}
	}
	for i, h := range s.Hopping {
		key := fmt.Sprintf("windows.hopping[%d]", i)
		if err := checkDur(key+".size", h.Size, true); err != nil {
			return err
		}
		if err := checkDur(key+".slide", h.Slide, true); err != nil {
			return err
		}
		if h.Size.Micros()%h.Slide.Micros() != 0 {
			return conf.Errorf(key+".size", h.Size, "want a multiple of the slide %s", h.Slide)
		}
		for _, o := range s.Hopping[:i] {
			if o.Size == h.Size {
				return conf.Errorf(key+".size", h.Size, "want distinct hopping sizes (windows of one size would coincide)")
			}
		}
	}
	for i, g := range s.Session {
		key := fmt.Sprintf("windows.session[%d].gap", i)
		if err := checkDur(key, g.Gap, true); err != nil {
			return err
		}
		for _, o := range s.Session[:i] {
			if o.Gap == g.Gap {
				return conf.Errorf(key, g.Gap, "want distinct session gaps")
			}
		}
	}
	return nil
}

// checkDur checks a duration: whole microseconds, at most 100 years, and
// positive or (when !positive) non-negative.
func checkDur(key string, d conf.Duration, positive bool) error {
	v := time.Duration(d)
	switch {
	case positive && v <= 0:
		return conf.Errorf(key, d, "want a positive duration")
	case v < 0:
		return conf.Errorf(key, d, "want a duration >= 0")
	case v%time.Microsecond != 0:
		return conf.Errorf(key, d, "want whole microseconds")
	case d.Micros() > maxDurMicros:
		return conf.Errorf(key, d, "want at most %s", time.Duration(maxDurMicros)*time.Microsecond)
	}
	return nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
