package kafka

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"gopkg.in/yaml.v3"

	"pricewatch/conf"
)

// testPassword must never show up in an error, a log line or a printed config.
const testPassword = "s3cr3t-Pa55word"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// noSecret fails if s contains the test password.
func noSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, testPassword) {
		t.Errorf("%s contains the password: %s", what, s)
	}
}

func TestSecurityValidateAccepts(t *testing.T) {
	pki := newPKI(t)
	t.Setenv("PW_TEST_ENV", testPassword)
	pwFile := writeFile(t, "pw", testPassword+"\n")
	for name, s := range map[string]Security{
		"zero":             {},
		"plain":            {SASL: SASLConfig{Mechanism: MechanismPlain, Username: "u", Password: testPassword}},
		"scram-256 env":    {SASL: SASLConfig{Mechanism: MechanismScramSHA256, Username: "u", PasswordEnv: "PW_TEST_ENV"}},
		"scram-512 file":   {SASL: SASLConfig{Mechanism: MechanismScramSHA512, Username: "u", PasswordFile: pwFile}},
		"tls system roots": {TLS: TLSConfig{Enabled: true}},
		"tls ca":           {TLS: TLSConfig{Enabled: true, CAFile: pki.caFile, ServerName: "broker"}},
		"mtls + scram": {
			TLS:  TLSConfig{Enabled: true, CAFile: pki.caFile, CertFile: pki.clientCert, KeyFile: pki.clientKey},
			SASL: SASLConfig{Mechanism: MechanismScramSHA512, Username: "u", PasswordFile: pwFile},
		},
		"tls insecure": {TLS: TLSConfig{Enabled: true, InsecureSkipVerify: true}},
	} {
		t.Run(name, func(t *testing.T) {
			if err := s.Validate("source.security"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Opts(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSecurityValidateErrors(t *testing.T) {
	pki := newPKI(t)
	pwFile := writeFile(t, "pw", testPassword)
	emptyFile := writeFile(t, "empty", "")
	notPEM := writeFile(t, "ca.pem", "not a certificate "+testPassword)
	missing := filepath.Join(t.TempDir(), "missing")
	t.Setenv("PW_TEST_SET", testPassword)
	t.Setenv("PW_TEST_EMPTY", "")
	scram := func(c SASLConfig) Security {
		c.Mechanism, c.Username = MechanismScramSHA256, "u"
		return Security{SASL: c}
	}
	for _, tc := range []struct {
		name    string
		s       Security
		key     string
		value   string
		allowed string // a part of it
	}{
		{"unknown mechanism", Security{SASL: SASLConfig{Mechanism: "scram-sha-256", Username: "u", Password: testPassword}},
			"source.security.sasl.mechanism", `"scram-sha-256"`, `want "" (off), "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512"`},
		{"GSSAPI", Security{SASL: SASLConfig{Mechanism: "GSSAPI"}},
			"source.security.sasl.mechanism", `"GSSAPI"`, `want "" (off)`},
		{"password without mechanism", Security{SASL: SASLConfig{Password: testPassword}},
			"source.security.sasl.mechanism", `""`, `when sasl.password is set`},
		{"username without mechanism", Security{SASL: SASLConfig{Username: "u"}},
			"source.security.sasl.mechanism", `""`, `want "PLAIN", "SCRAM-SHA-256" or "SCRAM-SHA-512" when sasl.username is set`},
		{"no username", Security{SASL: SASLConfig{Mechanism: MechanismPlain, Password: testPassword}},
			"source.security.sasl.username", `""`, "want the SASL user name"},
		{"no password", scram(SASLConfig{}),
			"source.security.sasl.password", `""`, "want exactly one of sasl.password, sasl.password_env or sasl.password_file"},
		{"password and env", scram(SASLConfig{Password: testPassword, PasswordEnv: "PW_TEST_SET"}),
			"source.security.sasl.password_env", `"PW_TEST_SET"`, "and sasl.password is set too"},
		{"env and file", scram(SASLConfig{PasswordEnv: "PW_TEST_SET", PasswordFile: pwFile}),
			"source.security.sasl.password_file", fmt.Sprintf("%q", pwFile), "and sasl.password_env is set too"},
		{"env unset", scram(SASLConfig{PasswordEnv: "PW_TEST_UNSET_VARIABLE"}),
			"source.security.sasl.password_env", `"PW_TEST_UNSET_VARIABLE"`, "set, non-empty environment variable"},
		{"env empty", scram(SASLConfig{PasswordEnv: "PW_TEST_EMPTY"}),
			"source.security.sasl.password_env", `"PW_TEST_EMPTY"`, "set, non-empty environment variable"},
		{"file missing", scram(SASLConfig{PasswordFile: missing}),
			"source.security.sasl.password_file", fmt.Sprintf("%q", missing), "no such file"},
		{"file is a directory", scram(SASLConfig{PasswordFile: t.TempDir()}),
			"source.security.sasl.password_file", "", "not a regular file"},
		{"file empty", scram(SASLConfig{PasswordFile: emptyFile}),
			"source.security.sasl.password_file", fmt.Sprintf("%q", emptyFile), "is empty"},
		{"tls off but ca_file", Security{TLS: TLSConfig{CAFile: pki.caFile}},
			"source.security.tls.enabled", "false", "want true when tls.ca_file is set"},
		{"tls off but insecure", Security{TLS: TLSConfig{InsecureSkipVerify: true}},
			"source.security.tls.enabled", "false", "want true when tls.insecure_skip_verify is set"},
		{"ca missing", Security{TLS: TLSConfig{Enabled: true, CAFile: missing}},
			"source.security.tls.ca_file", fmt.Sprintf("%q", missing), "want an existing PEM file"},
		{"ca not PEM", Security{TLS: TLSConfig{Enabled: true, CAFile: notPEM}},
			"source.security.tls.ca_file", fmt.Sprintf("%q", notPEM), "no PEM certificate in it"},
		{"cert without key", Security{TLS: TLSConfig{Enabled: true, CertFile: pki.clientCert}},
			"source.security.tls.key_file", `""`, "when tls.cert_file is set"},
		{"key without cert", Security{TLS: TLSConfig{Enabled: true, KeyFile: pki.clientKey}},
			"source.security.tls.cert_file", `""`, "when tls.key_file is set"},
		{"key does not match", Security{TLS: TLSConfig{Enabled: true, CertFile: pki.clientCert, KeyFile: pki.serverKey}},
			"source.security.tls.cert_file", fmt.Sprintf("%q", pki.clientCert), "private key does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate("source.security")
			var ce *conf.Error
			if !errors.As(err, &ce) {
				t.Fatalf("Validate = %v, want a *conf.Error", err)
			}
			if ce.Key != tc.key || (tc.value != "" && fmt.Sprint(ce.Value) != tc.value) || !strings.Contains(ce.Allowed, tc.allowed) {
				t.Errorf("Validate = key %q, value %v, allowed %q;\nwant key %q, value %s, allowed containing %q",
					ce.Key, ce.Value, ce.Allowed, tc.key, tc.value, tc.allowed)
			}
			if !strings.HasPrefix(err.Error(), "config: "+tc.key+": ") {
				t.Errorf("error %q does not start with the key", err)
			}
			noSecret(t, "Validate's error", err.Error())
		})
	}
}

func TestMasked(t *testing.T) {
	s := Security{SASL: SASLConfig{Mechanism: MechanismPlain, Username: "u", Password: testPassword}}
	m := s.Masked()
	if m.SASL.Password != MaskedSecret || m.SASL.Username != "u" || m.SASL.Mechanism != MechanismPlain {
		t.Errorf("Masked = %+v", m.SASL)
	}
	if s.SASL.Password != testPassword {
		t.Error("Masked changed the original")
	}
	env := Security{SASL: SASLConfig{Mechanism: MechanismPlain, Username: "u", PasswordEnv: "PW", PasswordFile: "/f"}}
	if got := env.Masked(); got != env {
		t.Errorf("Masked without a password = %+v, want it unchanged", got)
	}
	if got := (Security{}).Masked(); got != (Security{}) {
		t.Errorf("Masked of zero = %+v", got)
	}
}

// TestSecretIsNeverPrinted prints a Security every usual way.
func TestSecretIsNeverPrinted(t *testing.T) {
	s := Security{SASL: SASLConfig{Mechanism: MechanismScramSHA512, Username: "u", Password: testPassword}}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		noSecret(t, f, fmt.Sprintf(f, s))
		noSecret(t, f+" of the password", fmt.Sprintf(f, s.SASL.Password))
	}
	y, err := yaml.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "YAML", string(y))
	if !strings.Contains(string(y), "password: '****'") {
		t.Errorf("YAML = %s, want the password as '****'", y)
	}
	j, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	noSecret(t, "JSON", string(j))
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "security", s, "password", s.SASL.Password)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "security", s, "password", s.SASL.Password)
	noSecret(t, "slog", buf.String())
	if (Secret("")).String() != "" {
		t.Error("an empty Secret prints as non-empty")
	}
}

// TestSecurityYAML decodes the section the way jobs.Config does (strict).
func TestSecurityYAML(t *testing.T) {
	in := `
tls:
  enabled: true
  ca_file: /ca.pem
  cert_file: /c.pem
  key_file: /k.pem
  server_name: kafka.internal
  insecure_skip_verify: false
sasl:
  mechanism: SCRAM-SHA-512
  username: pricewatch
  password: 12345
  password_env: PW
  password_file: /pw
`
	var s Security
	d := yaml.NewDecoder(strings.NewReader(in))
	d.KnownFields(true)
	if err := d.Decode(&s); err != nil {
		t.Fatal(err)
	}
	want := Security{
		TLS:  TLSConfig{Enabled: true, CAFile: "/ca.pem", CertFile: "/c.pem", KeyFile: "/k.pem", ServerName: "kafka.internal"},
		SASL: SASLConfig{Mechanism: MechanismScramSHA512, Username: "pricewatch", Password: "12345", PasswordEnv: "PW", PasswordFile: "/pw"},
	}
	if s != want {
		t.Errorf("decoded %+v\nwant    %+v", s, want)
	}
	d = yaml.NewDecoder(strings.NewReader("sasl:\n  passwd: x\n"))
	d.KnownFields(true)
	if err := d.Decode(&s); err == nil || !strings.Contains(err.Error(), "field passwd not found") {
		t.Errorf("unknown key: %v", err)
	}
}

func TestOptsZero(t *testing.T) {
	opts, err := (&Security{}).Opts()
	if err != nil || len(opts) != 0 {
		t.Errorf("Opts of zero Security = %d opts, %v", len(opts), err)
	}
}

// TestOptsErrors: secrets that went away after Validate fail Opts, without
// the secret in the error.
func TestOptsErrors(t *testing.T) {
	pw := writeFile(t, "pw", testPassword)
	s := Security{SASL: SASLConfig{Mechanism: MechanismPlain, Username: "u", PasswordFile: pw}}
	if err := s.Validate("k"); err != nil {
		t.Fatal(err)
	}
	os.Remove(pw)
	_, err := s.Opts()
	if err == nil || !strings.Contains(err.Error(), "sasl.password_file") || !strings.Contains(err.Error(), pw) {
		t.Errorf("Opts with a removed password file = %v", err)
	}
	s = Security{SASL: SASLConfig{Mechanism: MechanismPlain, Username: "u", PasswordEnv: "PW_TEST_NOT_SET_ANYWHERE"}}
	if _, err := s.Opts(); err == nil || !strings.Contains(err.Error(), "PW_TEST_NOT_SET_ANYWHERE") {
		t.Errorf("Opts with an unset variable = %v", err)
	}
	s = Security{SASL: SASLConfig{Mechanism: "OAUTHBEARER", Username: "u", Password: testPassword}}
	if _, err := s.Opts(); err == nil {
		t.Error("Opts accepted an unknown mechanism")
	} else {
		noSecret(t, "Opts' error", err.Error())
	}
	s = Security{TLS: TLSConfig{Enabled: true, CAFile: writeFile(t, "ca", testPassword)}}
	if _, err := s.Opts(); err == nil {
		t.Error("Opts accepted a CA file without certificates")
	} else {
		noSecret(t, "Opts' error", err.Error())
	}
}

// roundTrip creates a topic, produces one record and consumes it back with
// the options, through the cluster at addr.
func roundTrip(t *testing.T, addr string, opts []kgo.Opt) error {
	t.Helper()
	return roundTripWithin(t, addr, opts, 15*time.Second)
}

// failingTrip is roundTrip for options that must fail: it gives up sooner.
func failingTrip(t *testing.T, addr string, opts []kgo.Opt) error {
	t.Helper()
	return roundTripWithin(t, addr, opts, 2*time.Second)
}

func roundTripWithin(t *testing.T, addr string, opts []kgo.Opt, limit time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	topic := fmt.Sprintf("auth-%d", time.Now().UnixNano())
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.RequestRetries(2)}, opts...)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := CreateTopic(ctx, cl, topic, 1); err != nil {
		return err
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("hello")}).FirstErr(); err != nil {
		return err
	}
	fs := cl.PollFetches(ctx)
	if err := fs.Err(); err != nil {
		return err
	}
	if rs := fs.Records(); len(rs) != 1 || string(rs[0].Value) != "hello" {
		return fmt.Errorf("consumed %d records, want the one produced", len(rs))
	}
	return nil
}

func TestOptsSASLAgainstKfake(t *testing.T) {
	for _, mech := range []string{MechanismPlain, MechanismScramSHA256, MechanismScramSHA512} {
		t.Run(mech, func(t *testing.T) {
			c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser(mech, "pricewatch", testPassword))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			addr := c.ListenAddrs()[0]
			t.Setenv("PW_TEST_"+strings.ReplaceAll(mech, "-", "_"), testPassword)
			pwFile := writeFile(t, "pw", testPassword+"\r\n")
			for name, sc := range map[string]SASLConfig{
				"password":      {Password: testPassword},
				"password_env":  {PasswordEnv: "PW_TEST_" + strings.ReplaceAll(mech, "-", "_")},
				"password_file": {PasswordFile: pwFile},
			} {
				sc.Mechanism, sc.Username = mech, "pricewatch"
				s := Security{SASL: sc}
				if err := s.Validate("source.security"); err != nil {
					t.Fatal(err)
				}
				opts, err := s.Opts()
				if err != nil {
					t.Fatal(err)
				}
				if err := roundTrip(t, addr, opts); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}

			// A wrong password fails, and the error does not contain the
			// password. (kfake just closes the connection; the integration
			// test checks Kafka's SASL_AUTHENTICATION_FAILED.)
			wrong := Security{SASL: SASLConfig{Mechanism: mech, Username: "pricewatch", Password: "wrong-" + testPassword}}
			opts, err := wrong.Opts()
			if err != nil {
				t.Fatal(err)
			}
			if err := failingTrip(t, addr, opts); err == nil {
				t.Error("a wrong password got through")
			} else {
				noSecret(t, "the authentication error", err.Error())
			}
			// And without SASL the cluster does not answer.
			if err := failingTrip(t, addr, nil); err == nil {
				t.Error("a client without SASL got through")
			}
		})
	}
}

func TestOptsTLSAgainstKfake(t *testing.T) {
	pki := newPKI(t)
	serverCert, err := tls.LoadX509KeyPair(pki.serverCert, pki.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert,
			ClientCAs: pki.pool, MinVersion: tls.VersionTLS12}),
		kfake.EnableSASL(), kfake.Superuser(MechanismScramSHA512, "pricewatch", testPassword))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	sasl := SASLConfig{Mechanism: MechanismScramSHA512, Username: "pricewatch", Password: testPassword}
	good := TLSConfig{Enabled: true, CAFile: pki.caFile, CertFile: pki.clientCert, KeyFile: pki.clientKey}

	s := Security{TLS: good, SASL: sasl}
	if err := s.Validate("source.security"); err != nil {
		t.Fatal(err)
	}
	opts, err := s.Opts()
	if err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(t, addr, opts); err != nil {
		t.Fatalf("mTLS + SCRAM-SHA-512: %v", err)
	}

	for name, tc := range map[string]TLSConfig{
		"no client certificate": {Enabled: true, CAFile: pki.caFile},
		"system roots only":     {Enabled: true, CertFile: pki.clientCert, KeyFile: pki.clientKey},
		"wrong server name":     {Enabled: true, CAFile: pki.caFile, CertFile: pki.clientCert, KeyFile: pki.clientKey, ServerName: "elsewhere"},
	} {
		s := Security{TLS: tc, SASL: sasl}
		opts, err := s.Opts()
		if err != nil {
			t.Fatal(err)
		}
		if err := failingTrip(t, addr, opts); err == nil {
			t.Errorf("%s: connected", name)
		}
	}
	// The server name the certificate has, instead of the address.
	named := good
	named.ServerName = "broker.test"
	opts, err = (&Security{TLS: named, SASL: sasl}).Opts()
	if err != nil {
		t.Fatal(err)
	}
	if err := roundTrip(t, addr, opts); err != nil {
		t.Errorf("server_name broker.test: %v", err)
	}
}

// pki is a CA, a server certificate for 127.0.0.1 and broker.test, and a
// client certificate, all made for one test: no keys are committed.
type pki struct {
	caFile, serverCert, serverKey, clientCert, clientKey string
	pool                                                 *x509.CertPool
}

func newPKI(t *testing.T) pki {
	t.Helper()
	dir := t.TempDir()
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	now := time.Now()
	caKey := key()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pricewatch test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, name string) (string, string) {
		k := key()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		if usage == x509.ExtKeyUsageServerAuth {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
			tmpl.DNSNames = []string{"broker.test"}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return write(name+".pem", "CERTIFICATE", der), write(name+"-key.pem", "PRIVATE KEY", kder)
	}
	p := pki{caFile: write("ca.pem", "CERTIFICATE", caDER), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.serverCert, p.serverKey = leaf(2, "broker.test", x509.ExtKeyUsageServerAuth, "server")
	p.clientCert, p.clientKey = leaf(3, "pricewatch", x509.ExtKeyUsageClientAuth, "client")
	return p
}
