package vault_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tokenvault/vault"
)

func ExampleVault_CreateWebhook() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	w, err := v.CreateWebhook(ctx, vault.CreateWebhookRequest{
		Name: "orders", URL: "https://hooks.example.com/vault", NotifyEmail: "ops@example.com",
		Events: []string{vault.EventTokenCreated, vault.EventTokenDeleted},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The signing key is a Secret: it prints redacted, and Reveal hands it
	// to the receiver's configuration (43 characters of base64url).
	fmt.Println(w.Status, w.Events, w.SigningKey, len(w.SigningKey.Reveal()))

	// Plain http, and private addresses, are refused unless the host
	// allow-lists them (WithWebhookHosts).
	_, err = v.CreateWebhook(ctx, vault.CreateWebhookRequest{Name: "lan", URL: "http://192.168.1.20/hook", Events: []string{"*"}})
	var e *vault.Error
	if errors.As(err, &e) {
		fmt.Println(e.Kind, e.Fields["url"])
	}
	// Output:
	// enabled [token.created token.deleted] [REDACTED] 43
	// invalid [must be an https URL]
}
