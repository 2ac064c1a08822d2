package simulator_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/simulator"
)

func ExampleSimulator() {
	ctx := context.Background()
	sim := simulator.New()
	creds := gateway.Credentials{"api_key": simulator.TestAPIKey}
	card := gateway.Card{Number: simulator.CardApproved, ExpMonth: 12, ExpYear: 2034, CVC: "123"}

	auth, err := sim.Authorize(ctx, &gateway.AuthorizeRequest{
		Credentials: creds, Amount: 2500, Currency: "USD", Card: card, IdempotencyKey: "order-1-auth",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("authorize:", auth.Outcome, auth.Amount, auth.CVVResult)

	capture := &gateway.CaptureRequest{
		Credentials: creds, Reference: auth.Reference, Amount: 2000, Currency: "USD", IdempotencyKey: "order-1-capture",
	}
	for range 2 { // a retry with the same key captures nothing more
		res, err := sim.Capture(ctx, capture)
		if err != nil {
			panic(err)
		}
		fmt.Println("capture:", res.Outcome, res.Amount)
	}
	fmt.Println("captured", sim.Calls(simulator.OpCapture), "time(s), replayed", sim.Replays(simulator.OpCapture))

	_, err = sim.Refund(ctx, &gateway.RefundRequest{
		Credentials: creds, Reference: auth.Reference, Amount: 2500, Currency: "USD", IdempotencyKey: "order-1-refund",
	})
	fmt.Println("refund over the capture is invalid:", errors.Is(err, gateway.ErrInvalid))

	card.Number = simulator.CardInsufficientFunds
	declined, err := sim.Authorize(ctx, &gateway.AuthorizeRequest{
		Credentials: creds, Amount: 2500, Currency: "USD", Card: card, IdempotencyKey: "order-2-auth",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("authorize:", declined.Outcome, declined.Decline, "soft:", declined.Soft)
	// Output:
	// authorize: approved 2500 match
	// capture: approved 2000
	// capture: approved 2000
	// captured 1 time(s), replayed 1
	// refund over the capture is invalid: true
	// authorize: declined insufficient_funds soft: true
}
