package jobs

import (
	"strings"
	"testing"
)

func TestDefaultConfigMatchesIssue(t *testing.T) {
	c := DefaultConfig()
	if len(c.Windows.Tumbling) != 1 || c.Windows.Tumbling[0].String() != "1m0s" {
		t.Errorf("default tumbling windows = %v, want [1m]", c.Windows.Tumbling)
	}
	if !c.Detectors.Jump.Enabled || c.Detectors.Jump.Threshold != 0.05 {
		t.Errorf("default jump = %+v, want enabled at 5%%", c.Detectors.Jump)
	}
	if !c.Detectors.ZScore.Enabled || c.Detectors.ZScore.Window != 100 {
		t.Errorf("default zscore = %+v, want enabled over 100 events", c.Detectors.ZScore)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"sourse:\n  topic: x\n", "field sourse not found"},
		{"source:\n  topic: \"\"\n", `config: source.topic: "" is not allowed; want a topic name`},
		{"source:\n  partitions: 0\n", "config: source.partitions: 0 is not allowed; want a whole number from 1 to 10000"},
		{"source:\n  max_poll_records: 0\n", "config: source.max_poll_records: 0 is not allowed; want a whole number from 1 to 1000000"},
		{"windows:\n  idle_timeout: 10ms\n", "windows.idle_timeout: 10ms is not allowed; want 0 (off) or a duration from 1s to 100 years"},
		{"source:\n  format: debezium\nwindows:\n  idle_timeout: 30s\n", "windows.idle_timeout: 30s is not allowed; want 0 with source.format debezium"},
		{"epoch:\n  records: -5\n", "config: epoch.records: -5 is not allowed"},
		{"alerts:\n  topic: prices\n", `config: alerts.topic: "prices" is not allowed; want a topic other than the input topic "prices"`},
		{"source:\n  on_data_loss: ignore\n", `config: source.on_data_loss: "ignore" is not allowed; want "fail" or "skip"`},
		{"parquet:\n  compression: gzip\n", `config: parquet.compression: "gzip" is not allowed; want snappy, zstd or none`},
		{"epoch:\n  interval: soon\n", `"soon" is not a duration`},
		{"detectors:\n  jump:\n    threshold: 1.5\n", "detectors.jump.threshold: 1.5 is not allowed"},
		{"history:\n  include: [base_price]\n  exclude: [base_price]\n", `history.include[0]: "base_price" is not allowed`},
	} {
		_, err := ParseConfig([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseConfig(%q) = %v, want an error containing %q", tc.yaml, err, tc.want)
		}
	}
}

func TestParseConfigKeepsDefaults(t *testing.T) {
	c, err := ParseConfig([]byte("source:\n  topic: ticks\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Source.Topic != "ticks" || c.Source.Group != "pricewatch" || c.Epoch.Records != 100000 {
		t.Errorf("config = %+v", c.Source)
	}
	// The printed effective config parses back to the same config.
	c2, err := ParseConfig(c.YAML())
	if err != nil {
		t.Fatal(err)
	}
	if string(c2.YAML()) != string(c.YAML()) {
		t.Errorf("config does not round-trip:\n%s\n---\n%s", c.YAML(), c2.YAML())
	}
}

func TestApplyEnv(t *testing.T) {
	c, err := applyEnv(DefaultConfig(), []string{
		"PRICEWATCH_SOURCE_TOPIC=ticks",
		"PRICEWATCH_SOURCE_BROKERS=[k1:9092, k2:9092]",
		"PRICEWATCH_DETECTORS_JUMP_THRESHOLD=0.1",
		"PRICEWATCH_WINDOWS_OUT_OF_ORDERNESS=5s",
		"PRICEWATCH_LOG_LEVEL=debug", // not a config key, and known
		"HOME=/root",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Source.Topic != "ticks" || len(c.Source.Brokers) != 2 || c.Source.Brokers[1] != "k2:9092" ||
		c.Detectors.Jump.Threshold != 0.1 || c.Windows.OutOfOrderness.String() != "5s" {
		t.Errorf("config from env: %+v %v %v", c.Source, c.Detectors.Jump.Threshold, c.Windows.OutOfOrderness)
	}
	if c.Source.Group != "pricewatch" {
		t.Errorf("unset keys must keep their values, group = %q", c.Source.Group)
	}
	for env, want := range map[string]string{
		"PRICEWATCH_SOURCE_TOPICS=x":             "PRICEWATCH_SOURCE_TOPICS: (set) is not allowed; not a config key",
		"PRICEWATCH_DETECTORS_JUMP_THRESHOLD=-1": "from the environment (PRICEWATCH_DETECTORS_JUMP_THRESHOLD): config: detectors.jump.threshold: -1 is not allowed",
	} {
		if _, err := applyEnv(DefaultConfig(), []string{env}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("applyEnv(%s) = %v, want an error containing %q", env, err, want)
		}
	}
}

func TestApplyEnvSkipsTheSecretVariable(t *testing.T) {
	c := DefaultConfig()
	c.Source.Security.SASL.PasswordEnv = "PRICEWATCH_SECRET"
	if _, err := applyEnv(c, []string{"PRICEWATCH_SECRET=hunter2"}); err != nil {
		t.Fatalf("the variable password_env names is not a config key and must pass: %v", err)
	}
}
