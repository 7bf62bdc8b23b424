package kafka

import (
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func isExists(err error) bool { return errors.Is(err, kerr.TopicAlreadyExists) }

// ErrorCode returns the error of a Kafka response's error code, nil for 0.
func ErrorCode(code int16) error { return kerr.ErrorForCode(code) }

// CommitError returns the first partition error of an OffsetCommit
// response, naming the partition, or nil.
func CommitError(resp *kmsg.OffsetCommitResponse) error {
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := ErrorCode(p.ErrorCode); err != nil {
				return fmt.Errorf("kafka: cannot commit the offset of %s/%d: %w", t.Topic, p.Partition, err)
			}
		}
	}
	return nil
}
