package vault_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/tokenvault/vault"
)

func ExampleVault_CreateReactor() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()

	r, err := v.CreateReactor(ctx, vault.CreateReactorRequest{
		Name: "Greeter",
		Code: `module.exports = async function (req) {
  return { raw: { greeting: req.configuration.GREETING + ', ' + req.args.name } };
};`,
		Configuration: map[string]string{"GREETING": "Hello"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Name, r.Configuration["GREETING"])
	fmt.Println("printed with its configuration:", strings.Contains(fmt.Sprintf("%+v", r), "Hello"))

	// Code that does not compile is refused, with the position of the fault.
	_, err = v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "Broken", Code: "module.exports = async function ("})
	if e, ok := errors.AsType[*vault.Error](err); ok {
		fmt.Println(e.Kind, e.Status(), e.Fields["code"])
	}
	// Output:
	// Greeter Hello
	// printed with its configuration: false
	// unprocessable 422 [does not compile: line 1, column 34: Unexpected token }]
}

func ExampleVault_React() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	card, _ := v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}})
	r, _ := v.CreateReactor(ctx, vault.CreateReactorRequest{
		Name: "Charge",
		Code: `const { BadRequestError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');
module.exports = async function ({ args }) {
  if (args.amount <= 0) throw new BadRequestError({ amount: 'must be positive' });
  return {
    raw: { last4: args.card.number.slice(-4), amount: args.amount },
    tokenize: { receipt: 'charged ' + args.amount },
  };
};`,
	})

	// The args are detokenized before the reactor sees them.
	resp, err := v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"card": "{{ " + card.ID + " }}", "amount": 42}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(resp.Raw))
	receipt, _ := v.GetToken(ctx, resp.Tokens.(map[string]any)["receipt"].(string))
	fmt.Println(string(receipt.Data))

	// A reactor's own errors carry the status of their class.
	_, err = v.React(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"card": "{{ " + card.ID + " }}", "amount": 0}})
	if e, ok := errors.AsType[*vault.Error](err); ok && e.Reactor != nil {
		b, _ := json.Marshal(e.Reactor)
		fmt.Println(errors.Is(err, vault.ErrInvalid), string(b))
	}
	// Output:
	// {"last4":"4242","amount":42}
	// "charged 42"
	// true {"status":400,"name":"BadRequestError","detail":"Bad Request","errors":{"amount":["must be positive"]}}
}

func ExampleVault_ReactAsync() {
	v := exampleVault()
	defer v.Close()
	ctx := context.Background()
	r, _ := v.CreateReactor(ctx, vault.CreateReactorRequest{
		Name: "Slow sum",
		Code: `module.exports = async ({ args }) => {
  await new Promise((resolve) => setTimeout(resolve, 10));
  return { raw: args.numbers.reduce((a, b) => a + b, 0) };
};`,
	})
	id, err := v.ReactAsync(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"numbers": []int{1, 2, 3}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		res, err := v.GetReactResult(ctx, r.ID, id)
		if err != nil {
			fmt.Println(err)
			return
		}
		if res.Status == vault.ReactCompleted || res.Status == vault.ReactFailed {
			fmt.Println(res.Status, string(res.Response.Raw))
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Output: completed 6
}

func ExampleVault_ReactAsyncWithCallback() {
	// A receiver that verifies the signature of the callback, on an
	// https server the vault is told to trust (here a local test server).
	key := make(chan string, 1)
	done := make(chan string, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(<-key))
		mac.Write(body)
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		var res vault.ReactResult
		_ = json.Unmarshal(body, &res)
		done <- fmt.Sprint(hmac.Equal([]byte(want), []byte(r.Header.Get("BT-SIGNATURE"))), " ", res.Status, " ", string(res.Response.Raw))
	}))
	defer srv.Close()
	v, err := vault.OpenMemory(vault.WithWebhookHosts("127.0.0.1"), vault.WithWebhookClient(srv.Client()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	ctx := context.Background()
	r, _ := v.CreateReactor(ctx, vault.CreateReactorRequest{Name: "Sum", Code: `module.exports = async ({ args }) => ({ raw: args.a + args.b });`})
	queued, err := v.ReactAsyncWithCallback(ctx, r.ID, vault.ReactRequest{Args: map[string]any{"a": 2, "b": 3}, CallbackURL: srv.URL + "/callback"})
	if err != nil {
		fmt.Println(err)
		return
	}
	key <- queued.CallbackSigningKey.Reveal() // the receiver's copy of the key
	fmt.Println(<-done)
	// Output: true completed 5
}
