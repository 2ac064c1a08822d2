// Accesscontrol shows the same card token seen by three callers: a backend
// whose access rule reveals PCI data, a reporting service that sees it
// masked, and a browser session allowed to read that one token for a few
// minutes.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/tokenvault/vault"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "accesscontrol:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	v, err := vault.OpenMemory()
	if err != nil {
		return err
	}
	defer v.Close()
	// The management key a new vault hands out once; the host could also
	// act directly, as a context without a principal does.
	bootKey, _ := v.TakeBootstrapKey()
	admin, err := as(ctx, v, bootKey)
	if err != nil {
		return err
	}
	tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "4242424242424242"})
	if err != nil {
		return err
	}

	backend, err := v.CreateApplication(admin, vault.CreateApplicationRequest{Name: "payments", Type: vault.AppPrivate,
		Rules: []vault.AccessRule{{Priority: 1, Container: "/pci/", Transform: vault.TransformReveal,
			Permissions: []string{vault.PermTokenRead, vault.PermTokenCreate}}}})
	if err != nil {
		return err
	}
	reports, err := v.CreateApplication(admin, vault.CreateApplicationRequest{Name: "reports", Type: vault.AppPrivate,
		Permissions: []string{vault.PermTokenRead}}) // permissions without rules: masked
	if err != nil {
		return err
	}
	web, err := v.CreateApplication(admin, vault.CreateApplicationRequest{Name: "checkout page", Type: vault.AppPublic,
		Permissions: []string{vault.PermTokenCreate}})
	if err != nil {
		return err
	}

	for _, c := range []struct {
		name string
		key  vault.Secret
	}{{"payments", backend.Key}, {"reports", reports.Key}, {"checkout page", web.Key}} {
		ctx, err := as(ctx, v, c.key)
		if err != nil {
			return err
		}
		got, err := v.GetToken(ctx, tok.ID)
		if err != nil {
			fmt.Fprintf(w, "%-14s -> %s\n", c.name, vault.KindOf(err))
			continue
		}
		fmt.Fprintf(w, "%-14s -> %v\n", c.name, mask16(got))
	}

	// The checkout page gets a session; the payments backend lets it read
	// this one token. A session gets only rules within its authorizer's:
	// the container condition keeps this one inside /pci/, where payments
	// holds token:read (an id alone could name a token anywhere).
	webCtx, _ := as(ctx, v, web.Key)
	session, err := v.CreateSession(webCtx)
	if err != nil {
		return err
	}
	backendCtx, _ := as(ctx, v, backend.Key)
	if err := v.AuthorizeSession(backendCtx, vault.AuthorizeSessionRequest{Nonce: session.Nonce, Rules: []vault.AccessRule{{
		Priority: 1, Transform: vault.TransformMask, Permissions: []string{vault.PermTokenRead},
		Conditions: []vault.RuleCondition{
			{Attribute: "id", Operator: "equals", Value: tok.ID},
			{Attribute: "container", Operator: "starts_with", Value: "/pci/"},
		},
	}}}); err != nil {
		return err
	}
	sessionCtx, err := as(ctx, v, session.SessionKey)
	if err != nil {
		return err
	}
	got, err := v.GetToken(sessionCtx, tok.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%-14s -> %v\n", "session", mask16(got))
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

// mask16 prints revealed card numbers as "revealed (16 digits)", so the
// example never prints a card number.
func mask16(tok *vault.Token) string {
	var s string
	_ = tok.UnmarshalData(&s) // Data is JSON; a card number's is a string
	if len(s) == 16 && s[0] != 'X' {
		return "revealed (16 digits)"
	}
	return s
}
