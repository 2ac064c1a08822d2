// Reactors runs a payment-like reactor against a card token without the
// host ever handling the card number: the backend invokes the reactor with a
// token reference, the vault detokenizes it for the reactor only, the
// reactor signs a request with a secret from its sealed configuration and
// stores its receipt through req.bt as its own application. It also shows an
// error with its status, a caller the access rules stop, and an asynchronous
// invocation polled to completion.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tokenvault/vault"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "reactors:", err)
		os.Exit(1)
	}
}

// chargeCode is the reactor: plain JavaScript with the Basis Theory reactor
// contract, run in a fresh sandboxed runtime per call.
const chargeCode = `
const { BadRequestError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');
const crypto = require('crypto');

module.exports = async function ({ args, configuration, bt }) {
  const { card, amount } = args;
  if (!(amount > 0)) {
    throw new BadRequestError({ amount: 'must be a positive number of cents' });
  }
  // What a real reactor would send to a processor, signed with its secret.
  const payload = JSON.stringify({ pan: card.number, amount });
  const signature = crypto.createHmac('sha256', configuration.PROCESSOR_SECRET).update(payload).digest('hex');
  // The receipt is stored as a token by the reactor's own application.
  const receipt = await bt.tokens.create({ type: 'token', data: { amount, last4: card.number.slice(-4) }, containers: ['/receipts/'] });
  return { raw: { approved: true, last4: card.number.slice(-4), signed: signature.length === 64, receipt: receipt.id } };
};`

func run(ctx context.Context, w io.Writer) error {
	dir, err := os.MkdirTemp("", "vault-reactors")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	v, err := vault.Open(filepath.Join(dir, "vault.db"))
	if err != nil {
		return err
	}
	defer v.Close()

	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard, Containers: []string{"/pci/high/"},
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})
	if err != nil {
		return err
	}

	// The reactor's application: what req.bt may do.
	reactorApp, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "charge reactor", Type: vault.AppPrivate,
		Rules: []vault.AccessRule{{Priority: 1, Container: "/receipts/", Transform: vault.TransformReveal,
			Permissions: []string{vault.PermTokenCreate, vault.PermTokenRead}}}})
	if err != nil {
		return err
	}
	charge, err := v.CreateReactor(ctx, vault.CreateReactorRequest{
		Name:          "charge",
		Code:          chargeCode,
		Configuration: map[string]string{"PROCESSOR_SECRET": "sk_live_not_a_real_secret"},
		Application:   &vault.ReactorApplication{ID: reactorApp.ID},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "reactor %q created; %%v of it shows no secret: %v\n", charge.Name, charge)

	// The backend may invoke reactors with PCI cards; the analytics service
	// may invoke them too, but its rule does not reach /pci/.
	backend, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "payments backend", Type: vault.AppPrivate,
		Rules: []vault.AccessRule{{Priority: 1, Container: "/pci/", Transform: vault.TransformReveal,
			Permissions: []string{vault.PermReactorInvoke}}}})
	if err != nil {
		return err
	}
	analytics, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: "analytics", Type: vault.AppPrivate,
		Rules: []vault.AccessRule{{Priority: 1, Container: "/general/", Transform: vault.TransformReveal,
			Permissions: []string{vault.PermReactorInvoke}}}})
	if err != nil {
		return err
	}
	backendCtx, err := as(ctx, v, backend.Key)
	if err != nil {
		return err
	}
	analyticsCtx, err := as(ctx, v, analytics.Key)
	if err != nil {
		return err
	}

	args := map[string]any{"card": "{{ " + card.ID + " }}", "amount": 1250}
	resp, err := v.React(backendCtx, charge.ID, vault.ReactRequest{Args: args})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "backend react: %s\n", trimReceipt(resp.Raw))

	_, err = v.React(backendCtx, charge.ID, vault.ReactRequest{Args: map[string]any{"card": "{{ " + card.ID + " }}", "amount": -5}})
	if e, ok := errors.AsType[*vault.Error](err); ok && e.Reactor != nil {
		fmt.Fprintf(w, "negative amount: %d %s %v\n", e.Status(), e.Reactor.Name, e.Reactor.Errors)
	}

	_, err = v.React(analyticsCtx, charge.ID, vault.ReactRequest{Args: args})
	fmt.Fprintf(w, "analytics react with the card: %s (%d)\n", vault.KindOf(err), statusOf(err))

	// The same call, asynchronously: a durable job, its result read later.
	requestID, err := v.ReactAsync(backendCtx, charge.ID, vault.ReactRequest{Args: args})
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := v.GetReactResult(backendCtx, charge.ID, requestID)
		if err != nil {
			return err
		}
		if res.Status == vault.ReactCompleted || res.Status == vault.ReactFailed {
			fmt.Fprintf(w, "async react: %s\n", res.Status)
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("async react still %s after 30s", res.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// as returns a context acting as the holder of key. Reveal is the one way
// out of a vault.Secret: fmt, JSON and slog print it redacted.
func as(ctx context.Context, v *vault.Vault, key vault.Secret) (context.Context, error) {
	p, err := v.Authenticate(ctx, key.Reveal())
	if err != nil {
		return nil, err
	}
	return vault.WithPrincipal(ctx, p), nil
}

func statusOf(err error) int {
	if e, ok := errors.AsType[*vault.Error](err); ok {
		return e.Status()
	}
	return 0
}

// trimReceipt leaves the receipt's random id out of the printed result.
func trimReceipt(raw []byte) string {
	s := string(raw)
	if i := len(`{"approved":true,"last4":"4242","signed":true,"receipt":"`); len(s) > i {
		return s[:i] + `…"}`
	}
	return s
}
