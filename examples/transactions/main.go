// Transactions moves a customer's two cards into a new container and adds a
// third, all or nothing: the changes are staged in a token transaction,
// visible inside it, invisible outside, and applied together at commit.
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
		fmt.Fprintln(os.Stderr, "transactions:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	v, err := vault.OpenMemory()
	if err != nil {
		return err
	}
	defer v.Close()
	var ids []string
	for _, n := range []string{"4242424242424242", "5555555555554444"} {
		tok, err := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: n, Metadata: map[string]string{"customer": "c1"}})
		if err != nil {
			return err
		}
		ids = append(ids, tok.ID)
	}

	txn, err := v.BeginTransaction(ctx)
	if err != nil {
		return err
	}
	in := vault.WithTransaction(ctx, txn.ID)
	for _, id := range ids {
		if _, err := v.UpdateToken(in, id, vault.UpdateTokenRequest{Containers: []string{"/pci/customers/c1/"}}); err != nil {
			return err
		}
	}
	if _, err := v.CreateToken(in, vault.CreateTokenRequest{Type: vault.TypeCardNumber, Data: "378282246310005",
		Metadata: map[string]string{"customer": "c1"}, Containers: []string{"/pci/customers/c1/"}}); err != nil {
		return err
	}
	count := func(ctx context.Context) (int, error) {
		page, err := v.ListTokens(ctx, vault.ListTokensRequest{Container: "/pci/customers/c1/"})
		if err != nil {
			return 0, err
		}
		return len(page.Data), nil
	}
	inside, err := count(in)
	if err != nil {
		return err
	}
	outside, err := count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "before commit: %d cards in the new container inside the transaction, %d outside\n", inside, outside)

	// Another writer cannot change a token the transaction holds.
	_, err = v.UpdateToken(ctx, ids[0], vault.UpdateTokenRequest{Containers: []string{"/pci/elsewhere/"}})
	fmt.Fprintf(w, "a concurrent change of a held token: %s\n", vault.KindOf(err))

	if err := v.CommitTransaction(ctx, txn.ID); err != nil {
		return err
	}
	after, err := count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "after commit: %d cards in the new container\n", after)
	return nil
}
