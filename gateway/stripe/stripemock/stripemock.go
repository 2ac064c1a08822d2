// Package stripemock starts stripe-mock (Stripe's official mock of its API,
// which validates every request against Stripe's OpenAPI specification) for
// tests, on a loopback port, as httptest starts a server.
package stripemock

import (
	"bufio"
	"context"
	_ "embed"
	"go/build"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Install is how to get the binary the tests run.
const Install = "go install github.com/stripe/stripe-mock@v0.203.0"

// TestKey is a test secret key stripe-mock accepts.
const TestKey = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"

// approving is a subset of stripe-mock v0.203.0's bundled fixtures
// (payment_intent, charge, payment_method, refund, balance, account) in
// which the PaymentIntent requires_capture with 1099 capturable and the
// charge carries passing CVC and address checks, an auth code and a
// network transaction id.
//
//go:embed fixtures.json
var approving []byte

// stripeMockPath finds stripe-mock on $PATH or in $(go env GOPATH)/bin.
func path() (string, bool) {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p, true
	}
	gopath := build.Default.GOPATH
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
		gopath = strings.TrimSpace(string(out))
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "stripe-mock")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, true
		}
	}
	return "", false
}

// Start starts stripe-mock on a loopback port the system picks, waits
// until it answers and stops it at cleanup, and returns its base URL. With
// approve, it answers from the fixtures of this package, in which a
// PaymentIntent is approved (requires_capture, 1099 capturable, passing
// checks); without, from stripe-mock's bundled fixtures, which answer every
// PaymentIntent requires_payment_method. Without the binary the test is
// skipped, naming [Install].
func Start(t testing.TB, approve bool) string {
	t.Helper()
	bin, ok := path()
	if !ok {
		t.Skipf("stripe-mock not found on $PATH or in $(go env GOPATH)/bin; install it with: %s", Install)
	}
	args := []string{"-http-addr", "127.0.0.1:", "-https-addr", "127.0.0.1:"}
	if approve {
		f := filepath.Join(t.TempDir(), "fixtures.json")
		if err := os.WriteFile(f, approving, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-fixtures", f)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		t.Fatalf("start stripe-mock: %v", err)
	}
	pw.Close() // the child holds its own copy

	addr := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		// Read every line, so stripe-mock never blocks on a full pipe; its
		// request log holds test card numbers only, and is not printed.
		const prefix = "Listening for HTTP at address: "
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				select {
				case addr <- strings.TrimSpace(a):
				default:
				}
			}
		}
	})
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		wg.Wait() // the reader ends when the child's end of the pipe closes
		pr.Close()
	})

	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatal("stripe-mock did not report its address within 30s")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/balance", nil)
		req.SetBasicAuth(TestKey, "")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("stripe-mock at %s did not answer: %v", base, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
