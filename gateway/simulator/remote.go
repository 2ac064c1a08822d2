package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tokenvault/vault/gateway"
)

// The Simulator over HTTP: [Simulator.Handler] serves one Simulator, and
// [Remote] is a gateway.Adapter that calls it. A test that kills a vault
// process mid-payment runs the Simulator in a process that survives (its
// own), so that its ledger shows what the killed process did and what the
// restarted one repeated. It is a test gateway: cards travel in the request
// bodies, so serve it on a loopback address only.

// Wire forms: gateway.Card and gateway.Credentials redact themselves in
// JSON, so the requests carry plain copies.
type (
	wireCard struct {
		Number   string `json:"number"`
		ExpMonth int    `json:"exp_month"`
		ExpYear  int    `json:"exp_year"`
		CVC      string `json:"cvc,omitempty"`
		Holder   string `json:"holder,omitempty"`
	}
	wireRequest struct {
		Credentials       map[string]string `json:"credentials"`
		Amount            int64             `json:"amount,omitempty"`
		Currency          string            `json:"currency,omitempty"`
		Card              *wireCard         `json:"card,omitempty"`
		Capture           bool              `json:"capture,omitempty"`
		IdempotencyKey    string            `json:"idempotency_key,omitempty"`
		MerchantInitiated bool              `json:"merchant_initiated,omitempty"`
		Recurring         bool              `json:"recurring,omitempty"`
		PreviousNTI       string            `json:"previous_nti,omitempty"`
		Reference         string            `json:"reference,omitempty"`
		Country           string            `json:"country,omitempty"`
		Reason            string            `json:"reason,omitempty"`
	}
	wireAnswer struct {
		Result *gateway.Result `json:"result,omitempty"`
		// Error is the kind of the error (invalid, not_found, credentials,
		// unavailable, canceled, deadline) and Message its text.
		Error   string `json:"error,omitempty"`
		Message string `json:"message,omitempty"`
	}
)

var errorKinds = []struct {
	kind string
	err  error
}{
	{"invalid", gateway.ErrInvalid}, {"not_found", gateway.ErrNotFound}, {"credentials", gateway.ErrCredentials},
	{"unavailable", gateway.ErrUnavailable}, {"canceled", context.Canceled}, {"deadline", context.DeadlineExceeded},
}

// Handler serves the Simulator at POST /verify, /authorize, /capture,
// /void and /refund. A request's context ends when its client goes away,
// which ends a timeout card's wait.
func (s *Simulator) Handler() http.Handler {
	mux := http.NewServeMux()
	serve := func(op string, call func(ctx context.Context, r *wireRequest) (*gateway.Result, error)) {
		mux.HandleFunc("POST /"+op, func(w http.ResponseWriter, r *http.Request) {
			var req wireRequest
			if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
				http.Error(w, "bad request body", http.StatusBadRequest)
				return
			}
			res, err := call(r.Context(), &req)
			ans := wireAnswer{Result: res}
			if err != nil {
				ans.Result, ans.Error, ans.Message = nil, "internal", err.Error()
				for _, k := range errorKinds {
					if errors.Is(err, k.err) {
						ans.Error = k.kind
						break
					}
				}
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(ans)
		})
	}
	serve("verify", func(ctx context.Context, r *wireRequest) (*gateway.Result, error) {
		return &gateway.Result{Outcome: gateway.OutcomeApproved}, s.VerifyCredentials(ctx, r.Credentials)
	})
	serve("authorize", func(ctx context.Context, r *wireRequest) (*gateway.Result, error) {
		req := &gateway.AuthorizeRequest{Credentials: r.Credentials, Amount: r.Amount, Currency: r.Currency, Capture: r.Capture,
			IdempotencyKey: r.IdempotencyKey, MerchantInitiated: r.MerchantInitiated, Recurring: r.Recurring,
			PreviousNetworkTransactionID: r.PreviousNTI, Reference: r.Reference, Country: r.Country}
		if r.Card != nil {
			req.Card = gateway.Card{Number: r.Card.Number, ExpMonth: r.Card.ExpMonth, ExpYear: r.Card.ExpYear, CVC: r.Card.CVC, Holder: r.Card.Holder}
		}
		return s.Authorize(ctx, req)
	})
	serve("capture", func(ctx context.Context, r *wireRequest) (*gateway.Result, error) {
		return s.Capture(ctx, &gateway.CaptureRequest{Credentials: r.Credentials, Reference: r.Reference, Amount: r.Amount,
			Currency: r.Currency, IdempotencyKey: r.IdempotencyKey})
	})
	serve("void", func(ctx context.Context, r *wireRequest) (*gateway.Result, error) {
		return s.Void(ctx, &gateway.VoidRequest{Credentials: r.Credentials, Reference: r.Reference, IdempotencyKey: r.IdempotencyKey})
	})
	serve("refund", func(ctx context.Context, r *wireRequest) (*gateway.Result, error) {
		return s.Refund(ctx, &gateway.RefundRequest{Credentials: r.Credentials, Reference: r.Reference, Amount: r.Amount,
			Currency: r.Currency, Reason: r.Reason, IdempotencyKey: r.IdempotencyKey})
	})
	return mux
}

// Remote is a gateway.Adapter that calls a Simulator served by
// [Simulator.Handler]. Its Definition is the Simulator's (mock-card).
type Remote struct {
	base   string
	client *http.Client
}

var _ gateway.Adapter = (*Remote)(nil)

// NewRemote returns an adapter for the Simulator served at baseURL (such as
// an httptest.Server's URL); a nil client is http.DefaultClient.
func NewRemote(baseURL string, client *http.Client) *Remote {
	if client == nil {
		client = http.DefaultClient
	}
	return &Remote{base: strings.TrimRight(baseURL, "/"), client: client}
}

// URL returns the base URL of the served Simulator.
func (r *Remote) URL() string { return r.base }

// Definition returns the Simulator's definition.
func (r *Remote) Definition() gateway.Definition { return New().Definition() }

// call sends one request and rebuilds the Simulator's answer. No answer
// (a network failure, a bad status) is an error wrapping ErrUnavailable,
// or the context's error.
func (r *Remote) call(ctx context.Context, op string, req *wireRequest) (*gateway.Result, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("simulator remote %s: %w", op, err)
	}
	defer clear(body) // it holds the card; the request reads it while sent
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+"/"+op, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("simulator remote %s: %w", op, errors.Join(gateway.ErrInvalid, err))
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := r.client.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("simulator remote %s: %w", op, ctx.Err())
		}
		return nil, fmt.Errorf("simulator remote %s: %w", op, gateway.ErrUnavailable)
	}
	defer resp.Body.Close()
	var ans wireAnswer
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ans) != nil {
		return nil, fmt.Errorf("simulator remote %s: status %d: %w", op, resp.StatusCode, gateway.ErrUnavailable)
	}
	if ans.Error != "" {
		for _, k := range errorKinds {
			if k.kind == ans.Error {
				return nil, fmt.Errorf("simulator remote %s: %w (%s)", op, k.err, ans.Message)
			}
		}
		return nil, fmt.Errorf("simulator remote %s: %s", op, ans.Message)
	}
	if ans.Result == nil {
		return nil, fmt.Errorf("simulator remote %s: no result: %w", op, gateway.ErrUnavailable)
	}
	return ans.Result, nil
}

// VerifyCredentials calls the served Simulator's.
func (r *Remote) VerifyCredentials(ctx context.Context, creds gateway.Credentials) error {
	_, err := r.call(ctx, "verify", &wireRequest{Credentials: creds})
	return err
}

// Authorize calls the served Simulator's.
func (r *Remote) Authorize(ctx context.Context, req *gateway.AuthorizeRequest) (*gateway.Result, error) {
	c := req.Card
	return r.call(ctx, "authorize", &wireRequest{Credentials: req.Credentials, Amount: req.Amount, Currency: req.Currency,
		Card:    &wireCard{Number: c.Number, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear, CVC: c.CVC, Holder: c.Holder},
		Capture: req.Capture, IdempotencyKey: req.IdempotencyKey, MerchantInitiated: req.MerchantInitiated, Recurring: req.Recurring,
		PreviousNTI: req.PreviousNetworkTransactionID, Reference: req.Reference, Country: req.Country})
}

// Capture calls the served Simulator's.
func (r *Remote) Capture(ctx context.Context, req *gateway.CaptureRequest) (*gateway.Result, error) {
	return r.call(ctx, "capture", &wireRequest{Credentials: req.Credentials, Reference: req.Reference, Amount: req.Amount,
		Currency: req.Currency, IdempotencyKey: req.IdempotencyKey})
}

// Void calls the served Simulator's.
func (r *Remote) Void(ctx context.Context, req *gateway.VoidRequest) (*gateway.Result, error) {
	return r.call(ctx, "void", &wireRequest{Credentials: req.Credentials, Reference: req.Reference, IdempotencyKey: req.IdempotencyKey})
}

// Refund calls the served Simulator's.
func (r *Remote) Refund(ctx context.Context, req *gateway.RefundRequest) (*gateway.Result, error) {
	return r.call(ctx, "refund", &wireRequest{Credentials: req.Credentials, Reference: req.Reference, Amount: req.Amount,
		Currency: req.Currency, Reason: req.Reason, IdempotencyKey: req.IdempotencyKey})
}
