package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"pricewatch/conf"
)

// The SASL mechanisms of SASLConfig.Mechanism.
const (
	MechanismPlain       = "PLAIN"
	MechanismScramSHA256 = "SCRAM-SHA-256"
	MechanismScramSHA512 = "SCRAM-SHA-512"
)

// MaskedSecret is what a secret is shown as wherever a config is printed.
const MaskedSecret = "****"

// Security is the `source.security:` section of the job config: how every
// Kafka client of the job connects, over TLS and/or with SASL. Its zero
// value is a plain, unauthenticated connection.
//
// Secrets never appear in errors, logs or printed configs: the password is a
// Secret, which prints and marshals as "****".
type Security struct {
	TLS  TLSConfig  `yaml:"tls"`
	SASL SASLConfig `yaml:"sasl"`
}

// TLSConfig turns on TLS to the brokers.
type TLSConfig struct {
	// Enabled dials the brokers with TLS. Default false.
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM file of the CA certificates that sign the brokers'
	// certificates. Default "": the system's trusted roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are the PEM client certificate and its
	// (unencrypted) private key, for brokers that require client
	// authentication (mTLS). Both or neither. Default "".
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName is the name to verify the brokers' certificates against.
	// Default "": the host of each broker address.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any broker certificate. For tests only.
	// Default false.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// SASLConfig turns on SASL authentication.
type SASLConfig struct {
	// Mechanism is "" (SASL off, the default), "PLAIN", "SCRAM-SHA-256" or
	// "SCRAM-SHA-512".
	Mechanism string `yaml:"mechanism"`
	// Username is the SASL user.
	Username string `yaml:"username"`
	// The password comes from exactly one of: Password, written in the
	// config (discouraged); PasswordEnv, the name of an environment variable
	// that holds it; PasswordFile, a file that holds it (one trailing
	// newline is ignored). The environment variable and the file are read
	// whenever a connection authenticates, so a rotated file is picked up
	// by new connections.
	Password     Secret `yaml:"password"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
}

// Secret is a string that never shows itself: fmt, slog and YAML print a
// non-empty Secret as "****". Use string(s) for the value.
type Secret string

// String returns "****", or "" for an empty secret.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return MaskedSecret
}

// GoString is String, for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// LogValue is String, for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalYAML writes "****" (or "" when empty).
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// MarshalText writes "****" (or "" when empty): JSON and other text
// encodings do not leak it either.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the secret. It exists because MarshalText does:
// encodings that honour TextMarshaler look for it to decode.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = Secret(b)
	return nil
}

// Enabled reports whether SASL is on.
func (c SASLConfig) Enabled() bool { return c.Mechanism != "" }

// Masked returns a copy whose password, if any, is replaced by "****", for
// printing the effective config.
func (s Security) Masked() Security {
	if s.SASL.Password != "" {
		s.SASL.Password = MaskedSecret
	}
	return s
}

// Validate checks the section; key is its path in the config, e.g.
// "source.security". Errors are *conf.Error values naming the key, the value
// and what is allowed; they never contain a secret. Files named by the
// section must exist (and TLS files must parse), and password_env must name
// a set, non-empty variable.
func (s *Security) Validate(key string) error {
	if err := s.TLS.validate(key + ".tls"); err != nil {
		return err
	}
	return s.SASL.validate(key + ".sasl")
}

func (c *TLSConfig) validate(key string) error {
	if !c.Enabled {
		for _, f := range []struct{ name, v string }{{"ca_file", c.CAFile}, {"cert_file", c.CertFile},
			{"key_file", c.KeyFile}, {"server_name", c.ServerName}} {
			if f.v != "" {
				return conf.Errorf(key+".enabled", false, "want true when %s.%s is set", lastKey(key), f.name)
			}
		}
		if c.InsecureSkipVerify {
			return conf.Errorf(key+".enabled", false, "want true when %s.insecure_skip_verify is set", lastKey(key))
		}
		return nil
	}
	if c.CertFile != "" && c.KeyFile == "" {
		return conf.Errorf(key+".key_file", `""`, "want the client certificate's private key file when %s.cert_file is set", lastKey(key))
	}
	if c.KeyFile != "" && c.CertFile == "" {
		return conf.Errorf(key+".cert_file", `""`, "want the client certificate file when %s.key_file is set", lastKey(key))
	}
	for _, f := range []struct{ name, v string }{{"ca_file", c.CAFile}, {"cert_file", c.CertFile}, {"key_file", c.KeyFile}} {
		if f.v == "" {
			continue
		}
		if err := regularFile(f.v); err != nil {
			return conf.Errorf(key+"."+f.name, fmt.Sprintf("%q", f.v), "want an existing PEM file (%v)", err)
		}
	}
	if c.CAFile != "" {
		if _, err := c.caPool(); err != nil {
			return conf.Errorf(key+".ca_file", fmt.Sprintf("%q", c.CAFile), "want a PEM file of CA certificates (%v)", err)
		}
	}
	if c.CertFile != "" {
		if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			return conf.Errorf(key+".cert_file", fmt.Sprintf("%q", c.CertFile),
				"want a PEM certificate whose private key is in %s.key_file %q (%v)", lastKey(key), c.KeyFile, err)
		}
	}
	return nil
}

func (c *SASLConfig) validate(key string) error {
	switch c.Mechanism {
	case "":
		if set := c.passwordSources(); c.Username != "" || len(set) > 0 {
			what := "username"
			if c.Username == "" {
				what = set[0]
			}
			return conf.Errorf(key+".mechanism", `""`, "want %q, %q or %q when %s.%s is set",
				MechanismPlain, MechanismScramSHA256, MechanismScramSHA512, lastKey(key), what)
		}
		return nil
	case MechanismPlain, MechanismScramSHA256, MechanismScramSHA512:
	default:
		return conf.Errorf(key+".mechanism", fmt.Sprintf("%q", c.Mechanism), `want "" (off), %q, %q or %q`,
			MechanismPlain, MechanismScramSHA256, MechanismScramSHA512)
	}
	if c.Username == "" {
		return conf.Errorf(key+".username", `""`, "want the SASL user name when %s.mechanism is set", lastKey(key))
	}
	set := c.passwordSources()
	switch {
	case len(set) == 0:
		return conf.Errorf(key+".password", `""`, "want exactly one of %[1]s.password, %[1]s.password_env or %[1]s.password_file when %[1]s.mechanism is set", lastKey(key))
	case len(set) > 1:
		// set[0] may be "password"; set[1] never is, so its value can be shown.
		v := c.PasswordEnv
		if set[1] == "password_file" {
			v = c.PasswordFile
		}
		return conf.Errorf(key+"."+set[1], fmt.Sprintf("%q", v),
			"want exactly one of %[1]s.password, %[1]s.password_env or %[1]s.password_file, and %[1]s.%[2]s is set too", lastKey(key), set[0])
	}
	switch {
	case c.PasswordEnv != "":
		if strings.ContainsAny(c.PasswordEnv, "=\x00") {
			return conf.Errorf(key+".password_env", fmt.Sprintf("%q", c.PasswordEnv), "want the name of an environment variable")
		}
		if v, ok := os.LookupEnv(c.PasswordEnv); !ok || v == "" {
			return conf.Errorf(key+".password_env", fmt.Sprintf("%q", c.PasswordEnv), "want the name of a set, non-empty environment variable that holds the password")
		}
	case c.PasswordFile != "":
		if err := regularFile(c.PasswordFile); err != nil {
			return conf.Errorf(key+".password_file", fmt.Sprintf("%q", c.PasswordFile), "want an existing file that holds the password (%v)", err)
		}
		if _, err := c.password(); err != nil {
			return conf.Errorf(key+".password_file", fmt.Sprintf("%q", c.PasswordFile), "want a readable file that holds the password (%v)", errors.Unwrap(err))
		}
	}
	return nil
}

// passwordSources names the password keys that are set.
func (c *SASLConfig) passwordSources() []string {
	var set []string
	if c.Password != "" {
		set = append(set, "password")
	}
	if c.PasswordEnv != "" {
		set = append(set, "password_env")
	}
	if c.PasswordFile != "" {
		set = append(set, "password_file")
	}
	return set
}

// password reads the password from where the config says. Its errors name
// the source, never the secret.
func (c *SASLConfig) password() (string, error) {
	var pw string
	switch {
	case c.Password != "":
		pw = string(c.Password)
	case c.PasswordEnv != "":
		pw = os.Getenv(c.PasswordEnv)
		if pw == "" {
			return "", fmt.Errorf("kafka: sasl.password_env: environment variable %s is not set or empty", c.PasswordEnv)
		}
	case c.PasswordFile != "":
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("kafka: sasl.password_file: %w", pathErrorOnly(err))
		}
		pw = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		if pw == "" {
			return "", fmt.Errorf("kafka: sasl.password_file: %w", fmt.Errorf("%s is empty", c.PasswordFile))
		}
	default:
		return "", errors.New("kafka: sasl: no password, password_env or password_file")
	}
	return pw, nil
}

// Opts returns the client options of the section: kgo.DialTLSConfig when TLS
// is on, kgo.SASL when SASL is. It reads the TLS files and checks that the
// password can be read now; with password_env or password_file the password
// is read again whenever a connection authenticates. No options (and no
// error) for the zero Security.
func (s *Security) Opts() ([]kgo.Opt, error) {
	var opts []kgo.Opt
	if s.TLS.Enabled {
		cfg, err := s.TLS.ClientConfig()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	if s.SASL.Enabled() {
		m, err := s.SASL.saslMechanism()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.SASL(m))
	}
	return opts, nil
}

// ClientConfig returns the TLS client config: TLS 1.2 or newer, the CA file's
// roots (else the system's), the client certificate if any. ServerName is
// left empty unless set, and kgo then verifies each broker against its own
// host name.
func (c *TLSConfig) ClientConfig() (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         c.ServerName,
		InsecureSkipVerify: c.InsecureSkipVerify,
	}
	if c.CAFile != "" {
		pool, err := c.caPool()
		if err != nil {
			return nil, fmt.Errorf("kafka: tls.ca_file %q: %w", c.CAFile, err)
		}
		cfg.RootCAs = pool
	}
	if c.CertFile != "" || c.KeyFile != "" {
		if c.CertFile == "" || c.KeyFile == "" {
			return nil, errors.New("kafka: tls: cert_file and key_file go together")
		}
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("kafka: tls.cert_file %q, tls.key_file %q: %w", c.CertFile, c.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func (c *TLSConfig) caPool() (*x509.CertPool, error) {
	b, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, pathErrorOnly(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, errors.New("no PEM certificate in it")
	}
	return pool, nil
}

// saslMechanism returns the SASL mechanism, checking that the password can
// be read now. The password (from password_env or password_file: read
// again) goes to the broker on every authentication.
func (c *SASLConfig) saslMechanism() (sasl.Mechanism, error) {
	if _, err := c.password(); err != nil {
		return nil, err
	}
	cc := *c // later changes to c do not reach the client
	user := cc.Username
	switch cc.Mechanism {
	case MechanismPlain:
		return plain.Plain(func(context.Context) (plain.Auth, error) {
			pw, err := cc.password()
			return plain.Auth{User: user, Pass: pw}, err
		}), nil
	case MechanismScramSHA256:
		return scram.Sha256(func(context.Context) (scram.Auth, error) {
			pw, err := cc.password()
			return scram.Auth{User: user, Pass: pw}, err
		}), nil
	case MechanismScramSHA512:
		return scram.Sha512(func(context.Context) (scram.Auth, error) {
			pw, err := cc.password()
			return scram.Auth{User: user, Pass: pw}, err
		}), nil
	default:
		return nil, fmt.Errorf("kafka: sasl.mechanism %q: want %q, %q or %q", cc.Mechanism,
			MechanismPlain, MechanismScramSHA256, MechanismScramSHA512)
	}
}

// regularFile fails unless path names an existing regular file (or a link
// to one).
func regularFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return pathErrorOnly(err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	return nil
}

// pathErrorOnly keeps an *os.PathError's path and reason: a file's content
// must never reach an error.
func pathErrorOnly(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// lastKey returns the last element of a dotted key: "sasl" of
// "source.security.sasl".
func lastKey(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return key
}
