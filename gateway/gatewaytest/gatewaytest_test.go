package gatewaytest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/gatewaytest"
	"github.com/tokenvault/vault/gateway/simulator"
)

func config(wrap func(gateway.Adapter) gateway.Adapter, opts ...simulator.Option) gatewaytest.Config {
	return gatewaytest.Config{
		New: func(t *testing.T) gateway.Adapter {
			var a gateway.Adapter = simulator.New(opts...)
			if wrap != nil {
				a = wrap(a)
			}
			return a
		},
		Credentials:    gateway.Credentials{"api_key": simulator.TestAPIKey, "merchant_id": "merchant-42"},
		BadCredentials: gateway.Credentials{"api_key": "sk_live_not_a_simulator_key"},
		Card:           gateway.Card{Number: simulator.CardApproved, ExpMonth: 12, ExpYear: 2034, CVC: "737", Holder: "Ada Lovelace"},
		DeclinedCard:   gateway.Card{Number: simulator.CardDeclined, ExpMonth: 12, ExpYear: 2034, CVC: "737"},
		Currency:       "EUR",
		Amount:         1000,
	}
}

func TestSimulator(t *testing.T) {
	gatewaytest.Run(t, config(nil))
}

func TestSimulatorWithLatency(t *testing.T) {
	gatewaytest.Run(t, config(nil, simulator.WithLatency(time.Millisecond)))
}

func TestSimulatorStateless(t *testing.T) {
	// The checks a stateless backend keeps must pass for a stateful one too.
	cfg := config(nil)
	cfg.Stateless = true
	gatewaytest.Run(t, cfg)
}

// The negative tests. A *testing.T cannot be faked, and a failing subtest
// fails its parent, so the suite is run against each broken adapter in a
// child process: TestSuiteCatchesBrokenAdapters runs this test binary again
// with only TestBrokenAdapter selected and brokenEnv naming the adapter, and
// reads which of the suite's subtests failed. That exercises Run exactly as
// an adapter's own test does, and also checks that the suite blames the
// right property (and no other) and prints no card number while doing so.
const brokenEnv = "GATEWAYTEST_BROKEN_ADAPTER"

var brokenAdapters = map[string]struct {
	wrap func(gateway.Adapter) gateway.Adapter
	// failing are the top-level subtests of Run that must fail, and the only
	// ones.
	failing []string
}{
	"leaks the card number in a decline": {
		wrap:    func(a gateway.Adapter) gateway.Adapter { return leaksCard{a} },
		failing: []string{"Declined", "NoCardData"},
	},
	"echoes the api key in a refusal": {
		wrap:    func(a gateway.Adapter) gateway.Adapter { return echoesKey{a} },
		failing: []string{"BadCredentials", "Context", "NoCardData"}, // a cancelled VerifyCredentials errs too
	},
	"ignores idempotency keys": {
		wrap:    func(a gateway.Adapter) gateway.Adapter { return freshKeys{a} },
		failing: []string{"Concurrent", "Idempotency"},
	},
	"ignores the context": {
		wrap:    func(a gateway.Adapter) gateway.Adapter { return ignoresContext{a} },
		failing: []string{"Context"},
	},
	"accepts lower-case currencies": {
		wrap:    func(a gateway.Adapter) gateway.Adapter { return upperCurrency{a} },
		failing: []string{"InvalidRequests"},
	},
	"refunds more than the capture": {
		wrap:    func(a gateway.Adapter) gateway.Adapter { return overRefunds{a} },
		failing: []string{"AuthorizeWithCapture", "Concurrent", "Idempotency", "State"},
	},
}

// TestBrokenAdapter runs the suite against the broken adapter brokenEnv
// names; it is meant to fail, and runs only as TestSuiteCatchesBrokenAdapters's
// child.
func TestBrokenAdapter(t *testing.T) {
	name := os.Getenv(brokenEnv)
	if name == "" {
		t.Skip("run by TestSuiteCatchesBrokenAdapters")
	}
	b, ok := brokenAdapters[name]
	require.True(t, ok, "no broken adapter %q", name)
	gatewaytest.Run(t, config(b.wrap))
}

func TestSuiteCatchesBrokenAdapters(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("in a child")
	}
	failLine := regexp.MustCompile(`(?m)^\s*--- FAIL: TestBrokenAdapter/([A-Za-z]+) `)
	for name, b := range brokenAdapters {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenAdapter$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "the suite passed a broken adapter:\n%s", out)

			var failed []string
			for _, m := range failLine.FindAllStringSubmatch(string(out), -1) {
				failed = append(failed, m[1])
			}
			slices.Sort(failed)
			want := slices.Sorted(slices.Values(b.failing))
			assert.Equal(t, want, failed, "the subtests that failed:\n%s", out)
			for _, number := range []string{simulator.CardApproved, simulator.CardDeclined} {
				assert.NotContains(t, string(out), number[4:], "the suite's output holds a card number")
			}
		})
	}
}

// leaksCard echoes the card number into a decline's Message.
type leaksCard struct{ gateway.Adapter }

func (a leaksCard) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) (*gateway.Result, error) {
	res, err := a.Adapter.Authorize(ctx, req)
	if res != nil && res.Outcome == gateway.OutcomeDeclined {
		res.Message += " (card " + req.Card.Number + ")"
	}
	return res, err
}

// echoesKey quotes the refused api_key in its error.
type echoesKey struct{ gateway.Adapter }

func (a echoesKey) VerifyCredentials(ctx context.Context, creds gateway.Credentials) error {
	if err := a.Adapter.VerifyCredentials(ctx, creds); err != nil {
		return fmt.Errorf("%w (api_key %q)", err, creds["api_key"])
	}
	return nil
}

// freshKeys sends every request with a new idempotency key, as an adapter
// that forgets to pass the key on does.
type freshKeys struct{ gateway.Adapter }

var keyCount atomic.Int64

func nextKey() string { return "_" + strconv.FormatInt(keyCount.Add(1), 10) }

func (a freshKeys) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) (*gateway.Result, error) {
	r := *req
	r.IdempotencyKey += nextKey()
	return a.Adapter.Authorize(ctx, &r)
}

func (a freshKeys) Capture(ctx context.Context, req *gateway.CaptureRequest) (*gateway.Result, error) {
	r := *req
	r.IdempotencyKey += nextKey()
	return a.Adapter.Capture(ctx, &r)
}

func (a freshKeys) Refund(ctx context.Context, req *gateway.RefundRequest) (*gateway.Result, error) {
	r := *req
	r.IdempotencyKey += nextKey()
	return a.Adapter.Refund(ctx, &r)
}

// ignoresContext drops the caller's cancellation.
type ignoresContext struct{ gateway.Adapter }

func (a ignoresContext) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) (*gateway.Result, error) {
	return a.Adapter.Authorize(context.WithoutCancel(ctx), req)
}

func (a ignoresContext) Capture(ctx context.Context, req *gateway.CaptureRequest) (*gateway.Result, error) {
	return a.Adapter.Capture(context.WithoutCancel(ctx), req)
}

func (a ignoresContext) Void(ctx context.Context, req *gateway.VoidRequest) (*gateway.Result, error) {
	return a.Adapter.Void(context.WithoutCancel(ctx), req)
}

func (a ignoresContext) Refund(ctx context.Context, req *gateway.RefundRequest) (*gateway.Result, error) {
	return a.Adapter.Refund(context.WithoutCancel(ctx), req)
}

func (a ignoresContext) VerifyCredentials(ctx context.Context, creds gateway.Credentials) error {
	return a.Adapter.VerifyCredentials(context.WithoutCancel(ctx), creds)
}

// upperCurrency "helpfully" fixes the case of a currency.
type upperCurrency struct{ gateway.Adapter }

func (a upperCurrency) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) (*gateway.Result, error) {
	r := *req
	r.Currency = strings.ToUpper(r.Currency)
	return a.Adapter.Authorize(ctx, &r)
}

// overRefunds answers a refund the backend refuses as an approval, as an
// adapter that reads only the HTTP status of a 402 might.
type overRefunds struct{ gateway.Adapter }

func (a overRefunds) Refund(ctx context.Context, req *gateway.RefundRequest) (*gateway.Result, error) {
	res, err := a.Adapter.Refund(ctx, req)
	if errors.Is(err, gateway.ErrInvalid) && req.Amount > 0 {
		return &gateway.Result{Outcome: gateway.OutcomeApproved, Reference: "re_fake", Amount: req.Amount}, nil
	}
	return res, err
}
