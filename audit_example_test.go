package vault_test

import (
	"context"
	"fmt"

	"github.com/tokenvault/vault"
)

func ExampleVault_AuditLog() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	tok, _ := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})
	_, _ = v.GetToken(ctx, tok.ID)

	// Reads are written by a batched writer: wait for it here.
	_ = v.FlushAuditLog(ctx)
	for e, err := range v.AuditLog(ctx, vault.AuditQuery{EntityType: vault.TypeCard, EntityID: tok.ID}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(e.Operation, e.Message, e.ActorType) // newest first
	}
	// Output:
	// read Token retrieved system
	// create Token created system
}
