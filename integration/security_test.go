//go:build integration

package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"pricewatch/kafka"
)

// The SASL listener these tests connect through. `make test` starts the
// broker with KAFKA_SCRAM=1 scripts/kafka.sh start, which adds a
// SASL_PLAINTEXT listener with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for
// one user, and exports KAFKA_SASL_BROKERS. With a cluster of your own, set:
//
//	KAFKA_SASL_BROKERS     host:port,... of a SASL_PLAINTEXT listener (required)
//	KAFKA_SASL_USER        its user                     [pricewatch]
//	KAFKA_SASL_PASSWORD    the user's password          [pricewatch-secret]
//	KAFKA_SASL_MECHANISMS  what the user can use        [PLAIN,SCRAM-SHA-256,SCRAM-SHA-512]
//
// The defaults are scripts/kafka.sh's. Without a reachable SASL listener the
// tests fail; they never skip.
type saslListener struct {
	brokers    []string
	user       string
	password   string
	mechanisms []string
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// sasl returns the SASL listener, failing the test unless it is configured
// and accepts the user with SCRAM.
func sasl(t *testing.T) saslListener {
	t.Helper()
	b := os.Getenv("KAFKA_SASL_BROKERS")
	if b == "" {
		t.Fatal("KAFKA_SASL_BROKERS is not set: `make test` starts the broker with KAFKA_SCRAM=1 and sets it " +
			"(KAFKA_SASL_BROKERS=$(scripts/kafka.sh sasl-address)); with your own cluster, point it at a SASL_PLAINTEXT listener")
	}
	l := saslListener{
		brokers:    strings.Split(b, ","),
		user:       envOr("KAFKA_SASL_USER", "pricewatch"),
		password:   envOr("KAFKA_SASL_PASSWORD", "pricewatch-secret"),
		mechanisms: strings.Split(envOr("KAFKA_SASL_MECHANISMS", "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"), ","),
	}
	m := kafka.MechanismScramSHA256
	if !slices.Contains(l.mechanisms, m) {
		m = l.mechanisms[0]
	}
	if err := ping(l.security(m, l.password), l.brokers, 30*time.Second); err != nil {
		t.Fatalf("cannot reach the SASL listener at %s as %s with %s: %v", b, l.user, m, err)
	}
	return l
}

// security returns the config section for the user with a password given
// in the config itself.
func (l saslListener) security(mechanism, password string) kafka.Security {
	return kafka.Security{SASL: kafka.SASLConfig{Mechanism: mechanism, Username: l.user, Password: kafka.Secret(password)}}
}

// ping asks the brokers for their API versions with the section's options.
func ping(s kafka.Security, brokers []string, limit time.Duration) error {
	opts, err := s.Opts()
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	vs, err := kadm.NewClient(cl).ApiVersions(ctx)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if v.Err != nil {
			return v.Err
		}
	}
	return nil
}

// TestSASLProduceConsume creates a topic, produces records and consumes them
// in a consumer group (committing offsets) through the SASL listener, once
// per mechanism, each time with the password from another source.
func TestSASLProduceConsume(t *testing.T) {
	l := sasl(t)
	for i, mech := range l.mechanisms {
		t.Run(mech, func(t *testing.T) {
			s := kafka.Security{SASL: kafka.SASLConfig{Mechanism: mech, Username: l.user}}
			switch i % 3 {
			case 0:
				s.SASL.Password = kafka.Secret(l.password)
			case 1:
				t.Setenv("PRICEWATCH_IT_SASL_PASSWORD", l.password)
				s.SASL.PasswordEnv = "PRICEWATCH_IT_SASL_PASSWORD"
			case 2:
				s.SASL.PasswordFile = filepath.Join(t.TempDir(), "password")
				if err := os.WriteFile(s.SASL.PasswordFile, []byte(l.password+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Validate("source.security"); err != nil {
				t.Fatal(err)
			}
			opts, err := s.Opts()
			if err != nil {
				t.Fatal(err)
			}
			topic, group := topicName(t), topicName(t)+"-g"
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()

			cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(l.brokers...)}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			if err := kafka.CreateTopic(ctx, cl, topic, 2); err != nil {
				t.Fatal(err)
			}
			const n = 100
			var recs []*kgo.Record
			for i := range n {
				recs = append(recs, &kgo.Record{Topic: topic, Key: []byte(itoa(i % 7)), Value: []byte(fmt.Sprintf("record %d over %s", i, mech))})
			}
			if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
				t.Fatalf("produce over %s: %v", mech, err)
			}

			cons, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(l.brokers...), kgo.ConsumeTopics(topic),
				kgo.ConsumerGroup(group), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.DisableAutoCommit()}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer cons.Close()
			seen := map[string]bool{}
			for len(seen) < n {
				fs := cons.PollFetches(ctx)
				if err := fs.Err(); err != nil {
					t.Fatalf("consume over %s after %d records: %v", mech, len(seen), err)
				}
				fs.EachRecord(func(r *kgo.Record) { seen[string(r.Value)] = true })
			}
			for _, r := range recs {
				if !seen[string(r.Value)] {
					t.Errorf("record %q was not consumed", r.Value)
				}
			}
			if err := cons.CommitUncommittedOffsets(ctx); err != nil {
				t.Fatalf("commit over %s: %v", mech, err)
			}
			if got := committed(t, group, topic); got != n {
				t.Errorf("group %s committed %d offsets, want %d", group, got, n)
			}
		})
	}
}

// TestSASLWrongPassword: a wrong password or an unknown user is refused
// with Kafka's SASL_AUTHENTICATION_FAILED, and the error does not contain
// the password; a client without SASL gets nothing from the listener.
func TestSASLWrongPassword(t *testing.T) {
	l := sasl(t)
	const wrong = "wrong-Pa55word-for-the-test"
	for _, mech := range l.mechanisms {
		t.Run(mech, func(t *testing.T) {
			for what, s := range map[string]kafka.Security{
				"wrong password": l.security(mech, wrong),
				"unknown user":   {SASL: kafka.SASLConfig{Mechanism: mech, Username: "nobody-" + l.user, Password: kafka.Secret(wrong)}},
			} {
				err := ping(s, l.brokers, 30*time.Second)
				if !errors.Is(err, kerr.SaslAuthenticationFailed) {
					t.Errorf("%s: %v; want SASL_AUTHENTICATION_FAILED", what, err)
					continue
				}
				if msg := err.Error(); strings.Contains(msg, wrong) || strings.Contains(msg, l.password) {
					t.Errorf("%s: the error contains a password: %s", what, msg)
				}
				t.Logf("%s: %v", what, err)
			}
		})
	}
	if err := ping(kafka.Security{}, l.brokers, 5*time.Second); err == nil {
		t.Error("a client without SASL got an answer from the SASL listener")
	}
}

// pricewatchEnv runs the binary with extra environment variables and returns
// its stdout, stderr and error; it gives up after limit.
func pricewatchEnv(t *testing.T, env []string, limit time.Duration, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("no exit within %s: %w", limit, ctx.Err())
	}
	return stdout.String(), stderr.String(), err
}

// mustPricewatchEnv is pricewatchEnv that fails the test unless the binary
// succeeds.
func mustPricewatchEnv(t *testing.T, env []string, args ...string) string {
	t.Helper()
	stdout, stderr, err := pricewatchEnv(t, env, 5*time.Minute, args...)
	if err != nil {
		t.Fatalf("pricewatch %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout, tail(stderr))
	}
	return stdout
}

// TestBinaryOverSCRAM runs produce, run and backfill of the pricewatch
// binary through the SASL listener with SCRAM-SHA-512, the password in an
// environment variable named by the config (source.security); a run over
// SCRAM writes exactly what a backfill from the file does. The password
// never shows up in what the binary prints, and a wrong or missing one
// makes it fail.
func TestBinaryOverSCRAM(t *testing.T) {
	l := sasl(t)
	if !slices.Contains(l.mechanisms, kafka.MechanismScramSHA512) {
		t.Fatalf("KAFKA_SASL_MECHANISMS=%s: want SCRAM-SHA-512 among them", strings.Join(l.mechanisms, ","))
	}
	const pwVar = "PRICEWATCH_IT_KAFKA_PASSWORD"
	cfg := filepath.Join(t.TempDir(), "scram.yaml")
	yaml := fmt.Sprintf("source:\n  security:\n    sasl:\n      mechanism: SCRAM-SHA-512\n      username: %s\n      password_env: %s\n", l.user, pwVar)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{pwVar + "=" + l.password}
	noPassword := func(what, s string) {
		t.Helper()
		if strings.Contains(s, l.password) {
			t.Errorf("%s prints the password:\n%s", what, tail(s))
		}
	}

	// The effective config names the variable, not the password.
	out := mustPricewatchEnv(t, env, "config", "--config", cfg)
	if !strings.Contains(out, "SCRAM-SHA-512") || !strings.Contains(out, pwVar) {
		t.Errorf("pricewatch config does not show source.security:\n%s", out)
	}
	noPassword("pricewatch config", out)
	// Nor with the password written in the config.
	inline := filepath.Join(t.TempDir(), "inline.yaml")
	if err := os.WriteFile(inline, []byte(strings.Replace(yaml, "password_env: "+pwVar, "password: "+l.password, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	out = mustPricewatchEnv(t, nil, "config", "--config", inline)
	noPassword("pricewatch config with an inline password", out)
	if !strings.Contains(out, "****") {
		t.Errorf("pricewatch config does not mask the inline password:\n%s", out)
	}

	input, _ := workload(t, smallSpec())
	topic := topicName(t)
	sb := strings.Join(l.brokers, ",")
	stdout := mustPricewatchEnv(t, env, "produce", "--config", cfg, "--brokers", sb, "--topic", topic, "--partitions", partitions, "--input", input)
	total := countRecords(t, stdout)

	runOut := t.TempDir()
	stdout = mustPricewatchEnv(t, env, "run", "--config", cfg, "--brokers", sb, "--topic", topic, "--group", topic, "--out", runOut, "--exit-at-end")
	if !strings.Contains(stdout, fmt.Sprintf("records=%d ", total)) {
		t.Errorf("run over SCRAM reported %q; want records=%d", stdout, total)
	}
	if got := committed(t, topic, topic); got != total {
		t.Errorf("run over SCRAM committed %d offsets, want %d", got, total)
	}
	topicOut, fileOut := t.TempDir(), t.TempDir()
	mustPricewatchEnv(t, env, "backfill", "--config", cfg, "--brokers", sb, "--topic", topic, "--out", topicOut)
	pricewatch(t, "backfill", "--input", input, "--partitions", partitions, "--out", fileOut)
	want := tables(t, fileOut)
	requireEqual(t, "run over SCRAM vs backfill from the file", tables(t, runOut), want)
	requireEqual(t, "backfill from the topic over SCRAM vs from the file", tables(t, topicOut), want)

	// A wrong password: the run fails, without printing either password.
	const wrong = "wrong-Pa55word-for-the-binary"
	so, se, err := pricewatchEnv(t, []string{pwVar + "=" + wrong}, 3*time.Minute,
		"run", "--config", cfg, "--brokers", sb, "--topic", topic, "--group", topic+"-wrong", "--out", t.TempDir(), "--exit-at-end")
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("run with a wrong password: %v; want it to fail\nstdout:\n%s\nstderr:\n%s", err, so, tail(se))
	} else if !strings.Contains(strings.ToLower(so+se), "authentication") {
		t.Errorf("run with a wrong password does not say authentication failed:\n%s", tail(se))
	}
	if strings.Contains(so+se, wrong) {
		t.Errorf("run with a wrong password prints it:\n%s", tail(so+se))
	}
	noPassword("run with a wrong password", so+se)

	// No password at all: a config error naming the key.
	_, se, err = pricewatchEnv(t, []string{pwVar + "="}, time.Minute,
		"run", "--config", cfg, "--brokers", sb, "--topic", topic, "--out", t.TempDir(), "--exit-at-end")
	if err == nil || !strings.Contains(se, "source.security.sasl.password_env") {
		t.Errorf("run with %s empty: %v; want a config error naming source.security.sasl.password_env\n%s", pwVar, err, tail(se))
	}
}

// TestStreamingRunFailsOnWrongPassword: a streaming `run` (no --exit-at-end)
// with a refused password exits with the authentication error instead of
// waiting forever to join its group.
func TestStreamingRunFailsOnWrongPassword(t *testing.T) {
	l := sasl(t)
	const pwVar, wrong = "PRICEWATCH_IT_KAFKA_PASSWORD", "wrong-Pa55word-for-the-stream"
	cfg := filepath.Join(t.TempDir(), "scram.yaml")
	yaml := fmt.Sprintf("source:\n  security:\n    sasl:\n      mechanism: SCRAM-SHA-512\n      username: %s\n      password_env: %s\n", l.user, pwVar)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	topic := topicName(t)
	so, se, err := pricewatchEnv(t, []string{pwVar + "=" + wrong}, 2*time.Minute,
		"run", "--config", cfg, "--brokers", strings.Join(l.brokers, ","), "--topic", topic, "--group", topic, "--out", t.TempDir())
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("streaming run with a wrong password: %v; want it to exit with an error\nstderr:\n%s", err, tail(se))
	}
	if !strings.Contains(strings.ToLower(so+se), "authentication") {
		t.Errorf("streaming run with a wrong password does not say authentication failed:\n%s", tail(se))
	}
	if strings.Contains(so+se, wrong) || strings.Contains(so+se, l.password) {
		t.Errorf("streaming run with a wrong password prints a password:\n%s", tail(so+se))
	}
}
