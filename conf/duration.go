// Package conf holds the small value types shared by every part of the job
// config: durations written as Go duration strings, and the error that names
// a bad key, its value and what is allowed.
package conf

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a time.Duration written in YAML as a Go duration string
// ("1m", "250ms", "24h"). Its zero value is zero.
type Duration time.Duration

// UnmarshalYAML parses a duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return fmt.Errorf("line %d: %q is not a duration; want a string such as \"1m\" or \"250ms\"", n.Line, n.Value)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration; want a string such as \"1m\" or \"250ms\"", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Micros returns the duration in microseconds, the job's unit of event time.
func (d Duration) Micros() int64 { return time.Duration(d).Microseconds() }

// String returns the Go duration string.
func (d Duration) String() string { return time.Duration(d).String() }

// Error is a config mistake: the key (a dotted path such as
// "detectors.jump.threshold"), the value found and what is allowed.
type Error struct {
	Key     string
	Value   any
	Allowed string
}

func (e *Error) Error() string {
	return fmt.Sprintf("config: %s: %v is not allowed; %s", e.Key, e.Value, e.Allowed)
}

// Errorf returns an *Error.
func Errorf(key string, value any, allowedFormat string, args ...any) error {
	return &Error{Key: key, Value: value, Allowed: fmt.Sprintf(allowedFormat, args...)}
}
