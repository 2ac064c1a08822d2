package simulator

import "github.com/tokenvault/vault/gateway"

// Test cards (see the package documentation). Any other Luhn-valid number
// is approved.
const (
	CardApproved           = "4111111111111111"
	CardApprovedMastercard = "5555555555554444"
	CardDeclined           = "4000000000000002"
	CardInsufficientFunds  = "4000000000009995"
	CardDoNotHonor         = "4000000000000101"
	CardIncorrectCVC       = "4000000000000127"
	CardExpired            = "4000000000000069"
	CardLostOrStolen       = "4000000000009987"
	CardFraudulent         = "4100000000000019"
	CardProcessingError    = "4000000000000119"
	CardPending            = "4000000000000077"
	CardTimeout            = "4000000000000044"
)

// Test amounts: the last two digits of an authorization's amount, in minor
// units, that trigger an answer on a card that would be approved (so 1051
// answers insufficient funds).
const (
	AmountInsufficientFunds = 51
	AmountDoNotHonor        = 5
	AmountDeclined          = 2
	AmountProcessingError   = 19
)

// TestAPIKey is an api_key the simulator accepts.
const TestAPIKey = "sim_test_0123456789"

// answer is the simulator's decision on an authorization, before the
// request's details (amount, CVC, codes) are filled in.
type answer struct {
	outcome   gateway.Outcome
	soft      bool
	retryable bool
	decline   string
	message   string
	cvv       string // overrides the CVV result when set
	timeout   bool   // approved, but the answer is lost
}

var (
	approved          = answer{outcome: gateway.OutcomeApproved, message: "approved"}
	declined          = answer{outcome: gateway.OutcomeDeclined, decline: gateway.DeclineGeneric, message: "the card was declined"}
	insufficientFunds = answer{outcome: gateway.OutcomeDeclined, soft: true, decline: gateway.DeclineInsufficientFunds, message: "insufficient funds"}
	doNotHonor        = answer{outcome: gateway.OutcomeDeclined, soft: true, decline: gateway.DeclineDoNotHonor, message: "do not honor"}
	processingError   = answer{outcome: gateway.OutcomeError, retryable: true, decline: gateway.DeclineProcessingError, message: "an error occurred while processing the card"}
	expired           = answer{outcome: gateway.OutcomeDeclined, decline: gateway.DeclineExpiredCard, message: "the card has expired"}
)

var cardAnswers = map[string]answer{
	CardDeclined:          declined,
	CardInsufficientFunds: insufficientFunds,
	CardDoNotHonor:        doNotHonor,
	CardIncorrectCVC:      {outcome: gateway.OutcomeDeclined, decline: gateway.DeclineIncorrectCVC, message: "the security code is incorrect", cvv: gateway.CVVNoMatch},
	CardExpired:           expired,
	CardLostOrStolen:      {outcome: gateway.OutcomeDeclined, decline: gateway.DeclineLostOrStolen, message: "the card was reported lost or stolen"},
	CardFraudulent:        {outcome: gateway.OutcomeDeclined, decline: gateway.DeclineFraud, message: "the payment was declined as fraudulent"},
	CardProcessingError:   processingError,
	CardPending:           {outcome: gateway.OutcomePending, message: "the payment is under review"},
	CardTimeout:           {outcome: gateway.OutcomeApproved, message: "approved", timeout: true},
}

var amountAnswers = map[int64]answer{
	AmountInsufficientFunds: insufficientFunds,
	AmountDoNotHonor:        doNotHonor,
	AmountDeclined:          declined,
	AmountProcessingError:   processingError,
}

// The Definition's currencies and countries, sorted.
var (
	supportedCurrencies = []string{"AUD", "BRL", "CAD", "CHF", "DKK", "EUR", "GBP", "HKD", "JPY", "MXN", "NOK", "NZD", "PLN", "SEK", "SGD", "USD"}
	supportedCountries  = []string{"AT", "AU", "BE", "BR", "CA", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "HK", "IE", "IT", "JP", "MX", "NL", "NO", "NZ", "PL", "PT", "SE", "SG", "US"}
)
