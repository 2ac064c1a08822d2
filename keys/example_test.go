package keys_test

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage/memory"
)

func Example() {
	ctx := context.Background()
	kek := make([]byte, keys.KEKSize)
	_, _ = rand.Read(kek)
	provider, err := keys.NewLocal(kek)
	if err != nil {
		panic(err)
	}
	store := memory.New()
	defer store.Close()

	kr, err := keys.Open(ctx, store, provider)
	if err != nil {
		panic(err)
	}
	defer kr.Close()

	tk, err := kr.Tenant(ctx, "acme") // created on first use
	if err != nil {
		panic(err)
	}
	ad := keys.AD{Tenant: "acme", Kind: "token", ID: "tok_1", Field: "data"}
	sealed, _ := tk.Seal([]byte(`{"number":"4242424242424242"}`), ad)
	plain, _ := tk.Open(sealed, ad)
	fmt.Println(string(plain))

	ad.ID = "tok_2" // the same bytes under another record do not open
	_, err = tk.Open(sealed, ad)
	fmt.Println(err)

	fmt.Println(len(tk.MAC("fingerprint", []byte("card"), []byte("4242424242424242"))))
	fmt.Println(tk)
	// Output:
	// {"number":"4242424242424242"}
	// keys: decryption failed: the sealed value does not authenticate for this record
	// 32
	// [REDACTED]
}

func ExampleKeyring_Rotate() {
	ctx := context.Background()
	provider, _ := keys.NewLocal(make([]byte, keys.KEKSize)) // use a random key in real code
	store := memory.New()
	defer store.Close()
	kr, _ := keys.Open(ctx, store, provider)
	defer kr.Close()

	tk, _ := kr.Tenant(ctx, "acme")
	ad := keys.AD{Kind: "token", ID: "tok_1", Field: "data"}
	old, _ := tk.Seal([]byte("secret"), ad)

	v, _ := kr.Rotate(ctx, "acme")
	fresh, _ := tk.Seal([]byte("secret"), ad)
	oldV, _ := keys.SealedVersion(old)
	freshV, _ := keys.SealedVersion(fresh)
	fmt.Println(v, tk.Current(), oldV, freshV)

	plain, err := tk.Open(old, ad) // old versions stay readable
	fmt.Println(string(plain), err)
	// Output:
	// 2 2 1 2
	// secret <nil>
}

func ExampleKeyring_DeleteTenant() {
	ctx := context.Background()
	provider, _ := keys.NewLocal(make([]byte, keys.KEKSize)) // use a random key in real code
	store := memory.New()
	defer store.Close()
	kr, _ := keys.Open(ctx, store, provider)
	defer kr.Close()

	tk, _ := kr.Tenant(ctx, "acme")
	ad := keys.AD{Kind: "token", ID: "tok_1", Field: "data"}
	sealed, _ := tk.Seal([]byte("secret"), ad)

	_ = kr.DeleteTenant(ctx, "acme")
	_, err := tk.Open(sealed, ad)
	fmt.Println(err)
	_, err = kr.Tenant(ctx, "acme")
	fmt.Println(err)
	// Output:
	// keys: key not found: keys: tenant deleted
	// keys: tenant deleted
}

func ExampleLoadMasterKey() {
	// With VAULT_MASTER_KEY unset, the key lives beside the vault file in
	// vault.db.key (mode 0600), created on the first start.
	p, err := keys.LoadMasterKey("/var/lib/vault/vault.db", false)
	if err != nil {
		return // no key yet: start with create set to make one
	}
	_ = p
}
