package kafka

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
)

func isExists(err error) bool { return errors.Is(err, kerr.TopicAlreadyExists) }

// ErrorCode returns the error of a Kafka response's error code, nil for 0.
func ErrorCode(code int16) error { return kerr.ErrorForCode(code) }
