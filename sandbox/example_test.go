package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tokenvault/vault/sandbox"
)

func ExampleSandbox_Run() {
	s, err := sandbox.New()
	if err != nil {
		panic(err)
	}
	prog, err := s.Compile(`
const { BadRequestError } = require('@basis-theory/basis-theory-reactor-formulas-sdk-js');

module.exports = async function (req) {
  const { args, configuration } = req;
  if (!args.card) throw new BadRequestError({ card: ['is required'] });
  console.log('charging in', configuration.CURRENCY);
  return { raw: { last4: args.card.number.slice(-4) }, tokenize: { card: { type: 'card', data: args.card } } };
};`)
	if err != nil {
		panic(err)
	}

	res, err := s.Run(context.Background(), prog, sandbox.Request{
		Args:          json.RawMessage(`{"card": {"number": "4242424242424242", "expiration_month": 12, "expiration_year": 2030}}`),
		Configuration: map[string]string{"CURRENCY": "USD"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(res.Raw))
	fmt.Println(res.Logs[0].Message)

	_, err = s.Run(context.Background(), prog, sandbox.Request{Args: json.RawMessage(`{}`)})
	var re *sandbox.ReactorError
	if errors.As(err, &re) {
		fmt.Println(re.Status, re.Detail, re.Errors)
	}
	// Output:
	// {"last4":"4242"}
	// charging in USD
	// 400 Bad Request map[card:[is required]]
}
