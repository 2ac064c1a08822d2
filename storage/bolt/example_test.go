package bolt_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tokenvault/vault/storage"
	"github.com/tokenvault/vault/storage/bolt"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "vault-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	s, err := bolt.Open(filepath.Join(dir, "vault.db"), nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()

	ctx := context.Background()
	err = s.Update(ctx, func(tx storage.Tx) error {
		return tx.Put("greetings", []byte("en"), []byte("hello"))
	})
	if err != nil {
		panic(err)
	}
	err = s.View(ctx, func(tx storage.Tx) error {
		v, err := tx.Get("greetings", []byte("en"))
		if err != nil {
			return err
		}
		fmt.Println(string(v))
		return nil
	})
	if err != nil {
		panic(err)
	}
	// Output: hello
}
