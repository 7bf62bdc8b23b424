package jobs

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"pricewatch/conf"
	"pricewatch/detectors"
	"pricewatch/history"
	"pricewatch/kafka"
	"pricewatch/parquet"
	"pricewatch/schemas"
	"pricewatch/windows"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the default job config file, jobs/default.yaml.
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// Config is a job config file. Its zero value is not usable: start from
// DefaultConfig or LoadConfig, which fill every default.
type Config struct {
	Source    Source           `yaml:"source"`
	Epoch     Epoch            `yaml:"epoch"`
	Windows   windows.Spec     `yaml:"windows"`
	Detectors detectors.Config `yaml:"detectors"`
	History   history.Spec     `yaml:"history"`
	Archive   Archive          `yaml:"archive"`
	Alerts    Alerts           `yaml:"alerts"`
	Metrics   Metrics          `yaml:"metrics"`
	Parquet   Parquet          `yaml:"parquet"`
}

// Parquet is how the job writes its Parquet files: the output tables and
// the archive.
type Parquet struct {
	// Compression of the pages: "snappy" (the default), "zstd" (a third
	// smaller, slower to write) or "none" (the least CPU, three times the
	// disk). It changes the files' bytes, never their rows.
	Compression parquet.Compression `yaml:"compression"`
}

// Metrics is the HTTP endpoint of `run` for Prometheus (/metrics) and
// health checks (/healthz, /readyz).
type Metrics struct {
	// Listen is the address to serve on, e.g. "127.0.0.1:9464". "" (the
	// default) turns the endpoint off.
	Listen string `yaml:"listen"`
}

// Alerts is the optional alert topic of `run`.
type Alerts struct {
	// Topic receives every anomaly as a JSON record, exactly once for
	// read_committed consumers. "" (the default) turns alerts off.
	Topic string `yaml:"topic"`
	// Partitions of the alert topic when the job creates it. Default 1.
	Partitions int `yaml:"partitions"`
	// TransactionalID of the alert producer. Default
	// "pricewatch-<group>-<instance_id>", or with no instance id
	// "pricewatch-<group>-<host>-<pid>".
	TransactionalID string `yaml:"transactional_id"`
}

// Archive is the optional raw-event archive (see ArchiveDir).
type Archive struct {
	// Enabled writes every input record, with its partition and offset, as
	// Parquet partitioned by event date; `backfill --archive DIR` replays it.
	// Default false.
	Enabled bool `yaml:"enabled"`
}

// Source says where `run` reads from and how `backfill` spreads file records
// over partitions.
type Source struct {
	// Brokers is the Kafka bootstrap list. Default [127.0.0.1:9092].
	Brokers []string `yaml:"brokers"`
	// Topic is the input topic. Default "prices".
	Topic string `yaml:"topic"`
	// Group is the consumer group. Default "pricewatch".
	Group string `yaml:"group"`
	// InstanceID, when set, makes this member a static member of the group
	// (Kafka's group.instance.id): a restart with the same id takes its
	// partitions back at once instead of waiting for a rebalance. Default "".
	InstanceID string `yaml:"instance_id"`
	// SessionTimeout is how long the group waits for a member that stopped
	// answering (it died) before its partitions go to the others (Kafka's
	// session.timeout.ms; brokers allow 6s to 30m by default). Default 45s.
	SessionTimeout conf.Duration `yaml:"session_timeout"`
	// MaxPollRecords is the most records `run` takes from the client's
	// buffers per turn of its loop (Kafka's max.poll.records). A turn ends
	// with every lane of the poll done, its alerts published and due epochs
	// committed, so larger polls pay that wait less often while catching up;
	// a consumer that keeps up polls fewer records than this anyway.
	// Default 100000.
	MaxPollRecords int `yaml:"max_poll_records"`
	// Format is the record format: "json" (pricewatch events, the default) or
	// "debezium" (Debezium change events of an instruments table).
	Format string `yaml:"format"`
	// Debezium maps a Debezium table's columns to attributes when Format is
	// "debezium".
	Debezium schemas.DebeziumSpec `yaml:"debezium"`
	// Security is how every Kafka client of the job connects: TLS and SASL.
	// Default: neither.
	Security kafka.Security `yaml:"security"`
	// OnDataLoss is what `run` and topic backfills do when a partition no
	// longer holds the offset where its lane resumes (retention deleted
	// records before the job read them): "fail" stops with an error naming
	// the lost offsets; "skip" logs them, counts them (lost_offsets) and goes
	// on from the earliest offset left. Default "fail".
	OnDataLoss string `yaml:"on_data_loss"`
	// Partitions is the number of partitions a file backfill spreads records
	// over with Kafka's key hash, as `produce` does; set it to the topic's
	// partition count so that a backfill reproduces a run. Default 4.
	Partitions int `yaml:"partitions"`
}

// The source.on_data_loss policies.
const (
	OnDataLossFail = "fail"
	OnDataLossSkip = "skip"
)

// The input formats.
const (
	FormatJSON     = "json"
	FormatDebezium = "debezium"
)

// Epoch says how often a lane commits its rows with its checkpoint.
type Epoch struct {
	// Records ends an epoch after every multiple of this many offsets, so that
	// epochs (and Parquet file names) are the same in every run. Default 100000.
	Records int64 `yaml:"records"`
	// Interval also ends a streaming run's epoch after this much wall time with
	// records pending (it changes how rows are split into files, never the
	// rows). 0 turns it off. Default 1s.
	Interval conf.Duration `yaml:"interval"`
}

// DefaultConfig returns the config of jobs/default.yaml.
func DefaultConfig() Config {
	c, err := decode(builtinDefaults(), defaultYAML)
	if err != nil {
		panic("jobs: default.yaml is invalid: " + err.Error())
	}
	return c
}

func builtinDefaults() Config {
	return Config{
		Source: Source{Brokers: []string{"127.0.0.1:9092"}, Topic: "prices", Group: "pricewatch", Partitions: 4, MaxPollRecords: 100000, OnDataLoss: OnDataLossFail,
			Format: FormatJSON, Debezium: schemas.DefaultDebeziumSpec()},
		Epoch:     Epoch{Records: 100000, Interval: conf.Duration(1e9)},
		Windows:   windows.DefaultSpec(),
		Detectors: detectors.DefaultConfig(),
		History:   history.DefaultSpec(),
		Alerts:    Alerts{Partitions: 1},
		Parquet:   Parquet{Compression: parquet.Snappy},
	}
}

// LoadConfig reads and validates a config file (an empty path means the
// default config), then applies PRICEWATCH_* environment variables over it.
// Precedence, lowest first: jobs/default.yaml, the file, the environment,
// and the command's flags (which the commands apply last).
func LoadConfig(path string) (Config, error) {
	c := DefaultConfig()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config: cannot read %q: %w", path, err)
		}
		if c, err = ParseConfig(b); err != nil {
			return Config{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	return applyEnv(c, os.Environ())
}

// ParseConfig decodes a YAML config over the defaults of jobs/default.yaml,
// rejecting unknown keys, and validates it.
func ParseConfig(b []byte) (Config, error) {
	return decode(DefaultConfig(), b)
}

func decode(c Config, b []byte) (Config, error) {
	d := yaml.NewDecoder(bytes.NewReader(b))
	d.KnownFields(true)
	if err := d.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("config: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate checks every section; the error names the key, the value and
// what is allowed.
func (c *Config) Validate() error {
	if len(c.Source.Brokers) == 0 {
		return conf.Errorf("source.brokers", "[]", "want at least one host:port")
	}
	for i, b := range c.Source.Brokers {
		if !strings.Contains(b, ":") {
			return conf.Errorf(fmt.Sprintf("source.brokers[%d]", i), fmt.Sprintf("%q", b), "want host:port")
		}
	}
	if c.Source.Topic == "" {
		return conf.Errorf("source.topic", `""`, "want a topic name")
	}
	if c.Source.Group == "" {
		return conf.Errorf("source.group", `""`, "want a consumer group name")
	}
	if err := c.Source.Security.Validate("source.security"); err != nil {
		return err
	}
	if c.Source.Format != FormatJSON && c.Source.Format != FormatDebezium {
		return conf.Errorf("source.format", fmt.Sprintf("%q", c.Source.Format), "want %q or %q", FormatJSON, FormatDebezium)
	}
	if err := c.Source.Debezium.Validate(); err != nil {
		return fmt.Errorf("config: source.debezium.%w", err)
	}
	if c.Source.Format == FormatDebezium && c.Windows.IdleTimeout != 0 {
		return conf.Errorf("windows.idle_timeout", c.Windows.IdleTimeout,
			"want 0 with source.format debezium (heartbeats are pricewatch events, not change events)")
	}
	if st := time.Duration(c.Source.SessionTimeout); st < 6*time.Second || st > 30*time.Minute {
		return conf.Errorf("source.session_timeout", c.Source.SessionTimeout, "want a duration from 6s to 30m")
	}
	if c.Source.MaxPollRecords < 1 || c.Source.MaxPollRecords > 1_000_000 {
		return conf.Errorf("source.max_poll_records", c.Source.MaxPollRecords, "want a whole number from 1 to 1000000")
	}
	if c.Source.OnDataLoss != OnDataLossFail && c.Source.OnDataLoss != OnDataLossSkip {
		return conf.Errorf("source.on_data_loss", fmt.Sprintf("%q", c.Source.OnDataLoss), "want %q or %q", OnDataLossFail, OnDataLossSkip)
	}
	if c.Source.Partitions < 1 || c.Source.Partitions > 10000 {
		return conf.Errorf("source.partitions", c.Source.Partitions, "want a whole number from 1 to 10000")
	}
	if c.Epoch.Records < 1 {
		return conf.Errorf("epoch.records", c.Epoch.Records, "want a whole number of at least 1")
	}
	if c.Epoch.Interval < 0 {
		return conf.Errorf("epoch.interval", c.Epoch.Interval, "want a duration of 0 (off) or more")
	}
	if c.Metrics.Listen != "" && !strings.Contains(c.Metrics.Listen, ":") {
		return conf.Errorf("metrics.listen", fmt.Sprintf("%q", c.Metrics.Listen), "want host:port, e.g. 127.0.0.1:9464, or \"\" for off")
	}
	if t := c.Alerts.Topic; t != "" && (t == c.Source.Topic || t+".progress" == c.Source.Topic) {
		return conf.Errorf("alerts.topic", fmt.Sprintf("%q", t), "want a topic other than the input topic %q (and its .progress topic): the job would read its own alerts as input", c.Source.Topic)
	}
	if c.Alerts.Partitions < 1 {
		return conf.Errorf("alerts.partitions", c.Alerts.Partitions, "want a whole number of at least 1")
	}
	if _, err := parquet.ParseCompression(string(c.Parquet.Compression)); err != nil {
		return conf.Errorf("parquet.compression", fmt.Sprintf("%q", c.Parquet.Compression), "want snappy, zstd or none")
	}
	if err := c.Windows.Validate(); err != nil {
		return err
	}
	if err := c.Detectors.Validate(); err != nil {
		return err
	}
	return c.History.Validate()
}

// YAML returns the effective config as YAML.
func (c *Config) YAML() []byte {
	m := *c
	m.Source.Security = m.Source.Security.Masked()
	b, err := yaml.Marshal(&m)
	if err != nil {
		panic("jobs: cannot marshal config: " + err.Error())
	}
	return b
}
