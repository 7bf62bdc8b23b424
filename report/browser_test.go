package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromium returns the headless browser to run: $PRICEWATCH_CHROMIUM, or
// Debian's chromium (or another Chromium or Chrome) on the PATH.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PRICEWATCH_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium on the PATH: the report's browser test needs it; install chromium (apt-get install chromium)" +
		" or set PRICEWATCH_CHROMIUM to a Chromium or Chrome binary")
	return ""
}

// runChromium runs the headless browser on url with args and returns its
// standard output and its log (standard error).
func runChromium(t *testing.T, bin, url string, args ...string) (stdout, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args = append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
		"--no-first-run", "--no-default-browser-check", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=10000",
	}, args...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	cmd.WaitDelay = 10 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, tail(errb.String(), 40))
	}
	return out.String(), errb.String()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// consoleLines returns the page's console messages in a Chromium log.
func consoleLines(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, ":CONSOLE") || strings.Contains(l, "Uncaught") {
			out = append(out, l)
		}
	}
	return out
}

// TestReportInChromium renders the report of the fixture in headless
// Chromium and checks that every chart drew on its canvas without console
// errors, that hovering an anomaly shows its reason, and saves a
// screenshot to $PRICEWATCH_ARTIFACTS (default: a temporary folder).
func TestReportInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := Write(context.Background(), fixture(t), &b, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page + "#tip-0"

	dom, log := runChromium(t, bin, url, "--dump-dom")
	if lines := consoleLines(log); len(lines) > 0 {
		t.Errorf("the page wrote to the console:\n%s", strings.Join(lines, "\n"))
	}
	tag := regexp.MustCompile(`<html[^>]*>`).FindString(dom)
	if tag == "" {
		t.Fatalf("no <html> element in the DOM Chromium dumped:\n%s\n%s", tail(dom, 20), tail(log, 40))
	}
	attr := func(name string) string {
		m := regexp.MustCompile(` ` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return ""
		}
		return m[1]
	}
	// The fixture draws the hourly chart, three price charts and two
	// history timelines.
	const charts = "6"
	for name, want := range map[string]string{
		"data-ready": "1", "data-errors": "0", "data-charts-expected": charts,
		"data-charts-drawn": charts, "data-charts-nonblank": charts, "data-tip": "shown",
	} {
		if got := attr(name); got != want {
			t.Errorf("%s = %q, want %q (blank charts: %q)", name, got, want, attr("data-charts-blank"))
		}
	}
	// The tooltip of the first anomaly of 005930, as a hover opens it: its
	// window and both anomalies at that time, with their reasons.
	for _, want := range []string{
		`open 71,`, `<span class="reason">price 74,100 is 4.2% above previous 71,100; threshold 5%</span>`,
		`<span class="reason">price 74,100 is +4.2% from previous 71,100: z-score +30.1 against the last 100 returns; threshold 6</span>`,
		`base_price 70,000`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the tooltip lacks %q", want)
		}
	}
	if strings.Contains(dom, `<script>alert("x")</script>`) {
		t.Error("a reason was written into the page as HTML")
	}

	artifacts := os.Getenv("PRICEWATCH_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	} else if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifacts, "report.png")
	os.Remove(shot)
	_, log = runChromium(t, bin, url, "--hide-scrollbars", "--window-size=1400,2000", "--screenshot="+shot)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, tail(log, 40))
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	// A page of charts has many pixels that are neither white nor the
	// text's colour; an empty page, or one with the charts missing, has few.
	bounds := img.Bounds()
	colored := 0
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			if max(r, g, b)-min(r, g, b) > 0x2000 {
				colored++
			}
		}
	}
	if total := bounds.Dx() * bounds.Dy() / 4; bounds.Dx() != 1400 || bounds.Dy() != 2000 || colored < total/200 {
		t.Errorf("screenshot %s is %v with %d of %d sampled pixels in colour: the charts did not draw", shot, bounds, colored, total)
	}
	t.Logf("screenshot: %s", shot)
}
