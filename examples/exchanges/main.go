// Exchanges turns a card token into new tokens a service may hold without
// holding the card: an official template gives the risk service the card's
// BIN and last four digits, another gives a partner a keyed pseudonym of
// the card (the key is sealed in the exchange's configuration), and a
// private template checks the expiry and refuses an expired card with a
// 400. The card number itself never leaves the vault's sandbox. It also
// shows a caller whose access rule only masks cards being refused.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tokenvault/vault"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "exchanges:", err)
		os.Exit(1)
	}
}

// expiryCode is a private template: the card's expiry checked, and a token
// of the month and year only, for a billing reminder.
const expiryCode = `
const { BadRequestError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');

module.exports = async function ({ sourceToken, configuration }) {
  const { expiration_month: month, expiration_year: year } = sourceToken.data;
  if (year * 12 + month < configuration.NOW_YEAR * 12 + configuration.NOW_MONTH) {
    throw new BadRequestError({ card: 'is expired' });
  }
  return { type: 'token', data: { month, year }, containers: ['/general/low/'], metadata: { purpose: 'reminder' } };
};`

func run(ctx context.Context, w io.Writer) error {
	dir, err := os.MkdirTemp("", "vault-exchanges")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	v, err := vault.Open(filepath.Join(dir, "vault.db"))
	if err != nil {
		return err
	}
	defer v.Close()

	card, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard, Metadata: map[string]string{"customer": "c-17"},
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 4, "expiration_year": 2031, "cvc": "123"}})
	if err != nil {
		return err
	}
	expired, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "5555555555554444", "expiration_month": 1, "expiration_year": 2020}})
	if err != nil {
		return err
	}

	// The host (or a management key with exchange:create) sets up the
	// exchanges once.
	parts, err := v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "Risk service card parts",
		Template:      &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardBINLast4},
		Configuration: vault.Secrets{"BIN_LENGTH": "8", "INCLUDE_EXPIRATION": "false"}})
	if err != nil {
		return err
	}
	pseudonym, err := v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "Partner pseudonym",
		Template:      &vault.ExchangeTemplateRef{ID: vault.ExchangeTemplateCardPseudonym},
		Configuration: vault.Secrets{"HMAC_KEY": "key-shared-with-partner"}})
	if err != nil {
		return err
	}
	tmpl, err := v.CreateExchangeTemplate(ctx, vault.CreateExchangeTemplateRequest{Name: "Card expiry for reminders",
		SourceTokenType: vault.TypeCard, Code: expiryCode, Configuration: []vault.ExchangeTemplateConfig{
			{Name: "NOW_YEAR", Type: vault.FieldTypeNumber}, {Name: "NOW_MONTH", Type: vault.FieldTypeNumber}}})
	if err != nil {
		return err
	}
	expiry, err := v.CreateExchange(ctx, vault.CreateExchangeRequest{Name: "Reminders", Template: &vault.ExchangeTemplateRef{ID: tmpl.ID},
		Configuration: vault.Secrets{"NOW_YEAR": "2026", "NOW_MONTH": "12"}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "exchange %q uses %q; its configuration prints as %v\n", pseudonym.Name, pseudonym.Template.Name, pseudonym.Configuration)

	// The risk service may exchange cards (the rule reveals them to the
	// exchange's code only) and create tokens of the results; it cannot
	// read cards.
	risk, err := caller(ctx, v, "risk service", []vault.AccessRule{
		{Priority: 1, Container: "/pci/", Transform: vault.TransformReveal, Permissions: []string{vault.PermExchangeInvoke}},
		{Priority: 2, Container: "/general/", Transform: vault.TransformReveal, Permissions: []string{vault.PermTokenCreate, vault.PermTokenRead}},
	})
	if err != nil {
		return err
	}
	for _, ex := range []*vault.Exchange{parts, pseudonym, expiry} {
		tok, err := v.Exchange(risk, ex.ID, card.ID)
		if err != nil {
			return fmt.Errorf("%s: %w", ex.Name, err)
		}
		fmt.Fprintf(w, "%s: a %s token in %v: %s\n", ex.Name, tok.Type, tok.Containers, tok.Data)
	}
	if _, err := v.GetToken(risk, card.ID); errors.Is(err, vault.ErrForbidden) {
		fmt.Fprintln(w, "risk service reads the card: forbidden")
	}

	// The template's own error keeps its status.
	_, err = v.Exchange(risk, expiry.ID, expired.ID)
	if e, ok := errors.AsType[*vault.Error](err); ok && e.Reactor != nil {
		fmt.Fprintf(w, "expired card: %d %s %v\n", e.Reactor.Status, e.Reactor.Name, e.Reactor.Errors)
	} else {
		return fmt.Errorf("expired card: want the template's BadRequestError, got %v", err)
	}

	// A caller whose rule masks cards cannot exchange them: the code would
	// see only the mask.
	analytics, err := caller(ctx, v, "analytics", []vault.AccessRule{
		{Priority: 1, Container: "/", Transform: vault.TransformMask, Permissions: []string{vault.PermExchangeInvoke, vault.PermTokenCreate}},
	})
	if err != nil {
		return err
	}
	_, err = v.Exchange(analytics, parts.ID, card.ID)
	fmt.Fprintf(w, "analytics exchanges the card: %v\n", errors.Is(err, vault.ErrForbidden))
	return nil
}

// caller creates a private application with rules and returns a context
// acting as it.
func caller(ctx context.Context, v *vault.Vault, name string, rules []vault.AccessRule) (context.Context, error) {
	app, err := v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: name, Type: vault.AppPrivate, Rules: rules})
	if err != nil {
		return nil, err
	}
	p, err := v.Authenticate(ctx, app.Key.Reveal())
	if err != nil {
		return nil, err
	}
	return vault.WithPrincipal(ctx, p), nil
}
