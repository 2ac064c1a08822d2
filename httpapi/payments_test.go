package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway/simulator"
)

// payFixture is the handler over a vault with its own Simulator behind
// mock-card (so that a test can read its ledger), a verified connection
// {conn}, a card token {paycard} on simulator.CardApproved, and
// applications: {payer} may pay, {payreader} only read payments, {nouse}
// has every payment permission but not token:use.
type payFixture struct {
	*fixture
	sim *simulator.Simulator
}

func newPayFixture(t *testing.T) *payFixture {
	t.Helper()
	sim := simulator.New()
	f := &payFixture{fixture: newFixture(t, []vault.Option{vault.WithGatewayAdapter(sim)}), sim: sim}
	ctx := context.Background()
	c, err := f.v.CreateConnection(ctx, vault.CreateConnectionRequest{ConnectionFormulaID: "mock-card", Method: "card", DisplayName: "Simulator",
		Fields:            []vault.ConnectionField{{Key: "api_key", Value: vault.NewSecret(simulator.TestAPIKey)}},
		AcceptedCountries: []string{"US", "DE"}, AcceptedCurrencies: []string{"USD", "EUR"}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		got, err := f.v.GetConnection(ctx, c.ID)
		require.NoError(t, err)
		return got.Status == vault.ConnectionAvailable
	}, 10*time.Second, 5*time.Millisecond, "the Simulator's test key verifies")
	f.vars["conn"] = c.ID
	tk, err := f.v.CreateToken(ctx, vault.CreateTokenRequest{Type: vault.TypeCard,
		Data: map[string]any{"number": simulator.CardApproved, "expiration_month": 12, "expiration_year": 2034, "cvc": "737"}})
	require.NoError(t, err)
	f.vars["paycard"] = tk.ID
	for name, perms := range map[string][]string{
		"payer":     {vault.PermPaymentCreate, vault.PermPaymentRead, vault.PermPaymentUpdate, vault.PermTokenUse},
		"payreader": {vault.PermPaymentRead, vault.PermTokenUse},
		"nouse":     {vault.PermPaymentCreate, vault.PermPaymentRead, vault.PermPaymentUpdate},
	} {
		a, err := f.v.CreateApplication(ctx, vault.CreateApplicationRequest{Name: name, Type: vault.AppPrivate, Permissions: perms})
		require.NoError(t, err)
		f.vars[name] = a.Key.Reveal()
	}
	return f
}

// payBody is a create body for amount USD minor units with intent.
func payBody(amount, intent string) string {
	return `{"connection_id":"{conn}","amount":` + amount + `,"currency":"USD","token":"{paycard}","intent":"` + intent +
		`","country":"US","external_identifier":"order-1","metadata":{"order":"1"},"payment_source":"ecommerce"}`
}

// pay creates a payment through the API and names its id under name.
func (f *payFixture) pay(t *testing.T, name, amount, intent string) map[string]any {
	t.Helper()
	res, body := f.do(t, "POST", "/orchestration/transactions", key("payer"), payBody(amount, intent))
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	doc := decodeJSON(t, body).(map[string]any)
	f.vars[name] = doc["id"].(string)
	return doc
}

// noCard checks that no response body and no log line holds the card
// number.
func noCard(t *testing.T, f *payFixture, bodies ...[]byte) {
	t.Helper()
	for _, b := range bodies {
		assert.NotContains(t, string(b), simulator.CardApproved)
	}
	assert.NotContains(t, f.logs.String(), simulator.CardApproved)
}

func TestPaymentLifecycle(t *testing.T) {
	f := newPayFixture(t)
	payer := key("payer")
	var bodies [][]byte
	keep := func(_ *testing.T, _ *fixture, _ *http.Response, body []byte) { bodies = append(bodies, body) }

	created := f.pay(t, "pay", "1000", vault.IntentAuthorize)
	assert.Equal(t, "transaction", created["type"])
	runScenarios(t, f.fixture, []scenario{
		{Name: "get", Method: "GET", URL: "/orchestration/transactions/{pay}", Headers: payer, Status: http.StatusOK,
			JSON: map[string]any{
				"id": "{pay}", "status": vault.PaymentAuthorizationSucceed, "amount": "1000", "currency": "USD",
				"authorized_amount": "1000", "captured_amount": "0", "refunded_amount": "0", "intent": vault.IntentAuthorize,
				"connection.id": "{conn}", "country": "US", "external_identifier": "order-1", "metadata.order": "1",
				"payment_method.type": "card", "payment_method.bin": simulator.CardApproved[:8], "payment_method.last4": "1111",
				"attempts.0.outcome": "approved",
			},
			Check: func(t *testing.T, f *fixture, res *http.Response, body []byte) {
				keep(t, f, res, body)
				pm := field(decodeJSON(t, body), "payment_method").(map[string]any)
				for k := range pm {
					assert.Contains(t, []string{"type", "scheme", "bin", "last4", "expiration_month", "expiration_year"}, k,
						"the payment method shows no more of the card")
				}
			}},
		{Name: "capture part", Method: "POST", URL: "/orchestration/transactions/{pay}/capture", Headers: payer, Body: `{"amount":600}`,
			Status: http.StatusOK, Check: keep,
			JSON: map[string]any{"id": "{pay}", "status": vault.PaymentCaptureSucceeded, "captured_amount": "600", "authorized_amount": "1000"}},
		{Name: "capture again", Method: "POST", URL: "/orchestration/transactions/{pay}/capture", Headers: payer, Body: `{"amount":100}`,
			Status: http.StatusConflict},
		{Name: "void a captured payment", Method: "POST", URL: "/orchestration/transactions/{pay}/void", Headers: payer,
			Status: http.StatusConflict},
		{Name: "refund part", Method: "POST", URL: "/orchestration/transactions/{pay}/refunds", Headers: payer,
			Body: `{"amount":200,"reason":"damaged"}`, Status: http.StatusCreated, Check: keep,
			JSON: map[string]any{"type": "refund", "transaction_id": "{pay}", "amount": "200", "currency": "USD",
				"status": vault.RefundSucceeded, "reason": "damaged"}},
		{Name: "refund more than is left", Method: "POST", URL: "/orchestration/transactions/{pay}/refunds", Headers: payer,
			Body: `{"amount":401}`, Status: http.StatusBadRequest, Fields: []string{"amount"}},
		{Name: "refund a zero amount", Method: "POST", URL: "/orchestration/transactions/{pay}/refunds", Headers: payer,
			Body: `{"amount":0}`, Status: http.StatusBadRequest, Fields: []string{"amount"}},
		{Name: "refund with a reason too long", Method: "POST", URL: "/orchestration/transactions/{pay}/refunds", Headers: payer,
			Body: `{"amount":1,"reason":"` + strings.Repeat("r", 201) + `"}`, Status: http.StatusBadRequest, Fields: []string{"reason"}},
		{Name: "refund the rest, no body", Method: "POST", URL: "/orchestration/transactions/{pay}/refunds", Headers: payer,
			Status: http.StatusCreated, Check: keep, JSON: map[string]any{"amount": "400"}},
		{Name: "refund a refunded payment", Method: "POST", URL: "/orchestration/transactions/{pay}/refunds", Headers: payer,
			Status: http.StatusConflict},
		{Name: "the payment adds up", Method: "GET", URL: "/orchestration/transactions/{pay}", Headers: payer, Status: http.StatusOK,
			Check: keep, JSON: map[string]any{"captured_amount": "600", "refunded_amount": "600", "refunds.1.amount": "400"}},
	})

	f.pay(t, "auth", "500", vault.IntentAuthorize)
	runScenarios(t, f.fixture, []scenario{
		{Name: "refund an authorization", Method: "POST", URL: "/orchestration/transactions/{auth}/refunds", Headers: payer,
			Status: http.StatusConflict},
		{Name: "capture more than authorized", Method: "POST", URL: "/orchestration/transactions/{auth}/capture", Headers: payer,
			Body: `{"amount":501}`, Status: http.StatusBadRequest, Fields: []string{"amount"}},
		{Name: "capture a negative amount", Method: "POST", URL: "/orchestration/transactions/{auth}/capture", Headers: payer,
			Body: `{"amount":-1}`, Status: http.StatusBadRequest, Fields: []string{"amount"}},
		{Name: "capture an amount not a number", Method: "POST", URL: "/orchestration/transactions/{auth}/capture", Headers: payer,
			Body: `{"amount":"all"}`, Status: http.StatusBadRequest, Fields: []string{"amount"}},
		{Name: "void, no body", Method: "POST", URL: "/orchestration/transactions/{auth}/void", Headers: payer, Status: http.StatusOK,
			Check: keep, JSON: map[string]any{"id": "{auth}", "status": vault.PaymentVoided, "captured_amount": "0"}},
		{Name: "void again", Method: "POST", URL: "/orchestration/transactions/{auth}/void", Headers: payer, Status: http.StatusConflict},
		{Name: "capture a voided payment", Method: "POST", URL: "/orchestration/transactions/{auth}/capture", Headers: payer,
			Status: http.StatusConflict},
	})

	taken := f.pay(t, "taken", "700", vault.IntentCapture)
	assert.Equal(t, vault.PaymentCaptureSucceeded, taken["status"])
	res, body := f.do(t, "POST", "/orchestration/transactions/{taken}/capture", payer, "")
	assert.Equal(t, http.StatusConflict, res.StatusCode, "%s", body)
	problem(t, res, body)
	noCard(t, f, bodies...)
}

func TestPaymentRefundList(t *testing.T) {
	f := newPayFixture(t)
	payer := key("payer")
	f.pay(t, "pay", "1000", vault.IntentCapture)
	var ids []string
	for _, amount := range []string{"100", "200", "300"} {
		res, body := f.do(t, "POST", "/orchestration/transactions/{pay}/refunds", payer, `{"amount":`+amount+`}`)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
		ids = append(ids, field(decodeJSON(t, body), "id").(string))
	}
	list := func(t *testing.T, query string) map[string]any {
		t.Helper()
		res, body := f.do(t, "GET", "/orchestration/transactions/{pay}/refunds"+query, payer, "")
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
		return decodeJSON(t, body).(map[string]any)
	}

	t.Run("one page", func(t *testing.T) {
		page := list(t, "")
		assert.Equal(t, map[string]any{"limit": jsonNumber(20), "next_cursor": nil, "previous_cursor": nil}, page["pagination"])
		data := page["data"].([]any)
		require.Len(t, data, 3)
		for i, id := range ids {
			assert.Equal(t, id, field(data[i], "id"), "creation order")
		}
	})
	t.Run("paging", func(t *testing.T) {
		var got []string
		cursor, pages := "", 0
		for {
			q := "?limit=1"
			if cursor != "" {
				q += "&cursor=" + cursor
			}
			page := list(t, q)
			pages++
			assert.Equal(t, jsonNumber(1), field(page, "pagination.limit"))
			data := page["data"].([]any)
			require.Len(t, data, 1)
			got = append(got, field(data[0], "id").(string))
			if cursor == "" {
				assert.Nil(t, field(page, "pagination.previous_cursor"), "the first page has none")
			} else {
				assert.NotNil(t, field(page, "pagination.previous_cursor"))
			}
			next := field(page, "pagination.next_cursor")
			if next == nil {
				break
			}
			cursor = next.(string)
			require.Less(t, pages, 5)
		}
		assert.Equal(t, ids, got)
		assert.Equal(t, 3, pages)

		page := list(t, "?limit=2&cursor="+cursor)
		assert.Len(t, page["data"], 1, "the cursor of the last refund")
		prev := field(page, "pagination.previous_cursor").(string)
		page = list(t, "?limit=2&cursor="+prev)
		assert.Equal(t, ids[0], field(page, "data.0.id"), "previous goes back one page")
		assert.NotNil(t, field(page, "pagination.next_cursor"))
	})
	t.Run("no refunds", func(t *testing.T) {
		f.pay(t, "bare", "100", vault.IntentAuthorize)
		res, body := f.do(t, "GET", "/orchestration/transactions/{bare}/refunds", payer, "")
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.JSONEq(t, `{"pagination":{"limit":20,"next_cursor":null,"previous_cursor":null},"data":[]}`, string(body))
	})
	runScenarios(t, f.fixture, []scenario{
		{Name: "limit 0", Method: "GET", URL: "/orchestration/transactions/{pay}/refunds?limit=0", Headers: payer, Status: http.StatusBadRequest, Fields: []string{"limit"}},
		{Name: "limit 101", Method: "GET", URL: "/orchestration/transactions/{pay}/refunds?limit=101", Headers: payer, Status: http.StatusBadRequest, Fields: []string{"limit"}},
		{Name: "limit not a number", Method: "GET", URL: "/orchestration/transactions/{pay}/refunds?limit=x", Headers: payer, Status: http.StatusBadRequest, Fields: []string{"limit"}},
		{Name: "limit twice", Method: "GET", URL: "/orchestration/transactions/{pay}/refunds?limit=1&limit=2", Headers: payer, Status: http.StatusBadRequest, Fields: []string{"limit"}},
		{Name: "cursor not base64", Method: "GET", URL: "/orchestration/transactions/{pay}/refunds?cursor=***", Headers: payer, Status: http.StatusBadRequest, Fields: []string{"cursor"}},
		{Name: "cursor past the end", Method: "GET", URL: "/orchestration/transactions/{pay}/refunds?cursor=OTk", Headers: payer, Status: http.StatusBadRequest, Fields: []string{"cursor"}},
		{Name: "cursor not an index", Method: "GET", URL: "/orchestration/transactions/{pay}/refunds?cursor=YQ", Headers: payer, Status: http.StatusBadRequest, Fields: []string{"cursor"}},
		{Name: "unknown payment", Method: "GET", URL: "/orchestration/transactions/00000000-0000-4000-8000-000000000000/refunds", Headers: payer, Status: http.StatusNotFound},
		{Name: "without read", Method: "GET", URL: "/orchestration/transactions/{pay}/refunds", Headers: key("private"), Status: http.StatusForbidden},
		{Name: "without a key", Method: "GET", URL: "/orchestration/transactions/{pay}/refunds", Status: http.StatusUnauthorized},
	})
}

// jsonNumber is n as decodeJSON decodes it.
func jsonNumber(n int) any { return json.Number(strconv.Itoa(n)) }

func TestPaymentErrors(t *testing.T) {
	f := newPayFixture(t)
	f.pay(t, "pay", "1000", vault.IntentAuthorize)
	payer := key("payer")
	const unknown = "00000000-0000-4000-8000-000000000000"
	edit := func(from, to string) string { return strings.Replace(payBody("1000", "authorize"), from, to, 1) }
	runScenarios(t, f.fixture, []scenario{
		{Name: "no key", Method: "POST", URL: "/orchestration/transactions", Body: payBody("1000", "authorize"), Status: http.StatusUnauthorized},
		{Name: "no key on a get", Method: "GET", URL: "/orchestration/transactions/{pay}", Status: http.StatusUnauthorized},
		{Name: "create without the permission", Method: "POST", URL: "/orchestration/transactions", Headers: key("payreader"),
			Body: payBody("1000", "authorize"), Status: http.StatusForbidden},
		{Name: "create without token:use", Method: "POST", URL: "/orchestration/transactions", Headers: key("nouse"),
			Body: payBody("1000", "authorize"), Status: http.StatusForbidden},
		{Name: "get without the permission", Method: "GET", URL: "/orchestration/transactions/{pay}", Headers: key("private"),
			Status: http.StatusForbidden},
		{Name: "get with read only", Method: "GET", URL: "/orchestration/transactions/{pay}", Headers: key("payreader"), Status: http.StatusOK},
		{Name: "capture with read only", Method: "POST", URL: "/orchestration/transactions/{pay}/capture", Headers: key("payreader"),
			Status: http.StatusForbidden},
		{Name: "void with read only", Method: "POST", URL: "/orchestration/transactions/{pay}/void", Headers: key("payreader"),
			Status: http.StatusForbidden},
		{Name: "refund with read only", Method: "POST", URL: "/orchestration/transactions/{pay}/refunds", Headers: key("payreader"),
			Status: http.StatusForbidden},
		{Name: "get unknown", Method: "GET", URL: "/orchestration/transactions/" + unknown, Headers: payer, Status: http.StatusNotFound},
		{Name: "capture unknown", Method: "POST", URL: "/orchestration/transactions/" + unknown + "/capture", Headers: payer, Status: http.StatusNotFound},
		{Name: "void unknown", Method: "POST", URL: "/orchestration/transactions/" + unknown + "/void", Headers: payer, Status: http.StatusNotFound},
		{Name: "refund unknown", Method: "POST", URL: "/orchestration/transactions/" + unknown + "/refunds", Headers: payer, Status: http.StatusNotFound},
		{Name: "unknown connection", Method: "POST", URL: "/orchestration/transactions", Headers: payer,
			Body: edit(`"connection_id":"{conn}"`, `"connection_id":"`+unknown+`"`), Status: http.StatusNotFound},
		{Name: "unknown refund", Method: "GET", URL: "/orchestration/refunds/" + unknown, Headers: payer, Status: http.StatusNotFound},
		{Name: "no body", Method: "POST", URL: "/orchestration/transactions", Headers: payer, Status: http.StatusBadRequest},
		{Name: "not JSON", Method: "POST", URL: "/orchestration/transactions", Headers: payer, Body: `{"amount":`, Status: http.StatusBadRequest},
		{Name: "amount zero", Method: "POST", URL: "/orchestration/transactions", Headers: payer, Body: edit(`"amount":1000`, `"amount":0`),
			Status: http.StatusBadRequest, Fields: []string{"amount"}},
		{Name: "amount a string", Method: "POST", URL: "/orchestration/transactions", Headers: payer, Body: edit(`"amount":1000`, `"amount":"10.00"`),
			Status: http.StatusBadRequest, Fields: []string{"amount"}},
		{Name: "amount a fraction", Method: "POST", URL: "/orchestration/transactions", Headers: payer, Body: edit(`"amount":1000`, `"amount":10.5`),
			Status: http.StatusBadRequest, Fields: []string{"amount"}},
		{Name: "currency lower case", Method: "POST", URL: "/orchestration/transactions", Headers: payer, Body: edit(`"USD"`, `"usd"`),
			Status: http.StatusBadRequest, Fields: []string{"currency"}},
		{Name: "intent unknown", Method: "POST", URL: "/orchestration/transactions", Headers: payer, Body: edit(`"authorize"`, `"sell"`),
			Status: http.StatusBadRequest, Fields: []string{"intent"}},
		{Name: "token missing", Method: "POST", URL: "/orchestration/transactions", Headers: payer, Body: edit(`"token":"{paycard}",`, ``),
			Status: http.StatusBadRequest, Fields: []string{"token"}},
		{Name: "token unknown", Method: "POST", URL: "/orchestration/transactions", Headers: payer, Body: edit(`"{paycard}"`, `"`+unknown+`"`),
			Status: http.StatusBadRequest, Fields: []string{"token"}},
		{Name: "token not a card", Method: "POST", URL: "/orchestration/transactions", Headers: key("payer"), Body: edit(`"{paycard}"`, `"{ssn}"`),
			Status: http.StatusBadRequest, Fields: []string{"token"}},
		{Name: "several at once", Method: "POST", URL: "/orchestration/transactions", Headers: payer,
			Body:   `{"connection_id":"{conn}","amount":-5,"currency":"dollars","intent":"later"}`,
			Status: http.StatusBadRequest, Fields: []string{"amount", "currency", "intent", "token"}},
		{Name: "no target", Method: "POST", URL: "/orchestration/transactions", Headers: payer, Body: edit(`"connection_id":"{conn}",`, ``),
			Status: http.StatusBadRequest, Fields: []string{"connection_id"}},
		{Name: "payment source unknown", Method: "POST", URL: "/orchestration/transactions", Headers: payer, Body: edit(`"ecommerce"`, `"cash"`),
			Status: http.StatusBadRequest, Fields: []string{"payment_source"}},
	})
	noCard(t, f)
}

func TestPaymentIdempotency(t *testing.T) {
	f := newPayFixture(t)
	headers := with(key("payer"), "BT-IDEMPOTENCY-KEY", "order-1-attempt")
	before := f.sim.Calls(simulator.OpAuthorize)
	res1, body1 := f.do(t, "POST", "/orchestration/transactions", headers, payBody("1000", "authorize"))
	require.Equal(t, http.StatusCreated, res1.StatusCode, "%s", body1)
	res2, body2 := f.do(t, "POST", "/orchestration/transactions", headers, payBody("1000", "authorize"))
	require.Equal(t, http.StatusCreated, res2.StatusCode, "%s", body2)
	assert.Equal(t, string(body1), string(body2), "the first response, replayed")
	assert.Equal(t, 1, f.sim.Calls(simulator.OpAuthorize)-before, "one authorization at the gateway")
	id := field(decodeJSON(t, body1), "id").(string)
	p, err := f.v.GetPayment(vaultAs(t, f, "payer"), id)
	require.NoError(t, err)
	assert.Equal(t, vault.PaymentAuthorizationSucceed, p.Status)
	assert.Contains(t, f.logs.String(), `"idempotent_replay":true`)

	// Another body under the same key is a conflict, and pays nothing.
	res, body := f.do(t, "POST", "/orchestration/transactions", headers, payBody("2000", "authorize"))
	assert.Equal(t, http.StatusConflict, res.StatusCode, "%s", body)
	assert.Equal(t, 1, f.sim.Calls(simulator.OpAuthorize)-before)

	// Without a key, a second request is a second payment.
	_, body3 := f.do(t, "POST", "/orchestration/transactions", key("payer"), payBody("1000", "authorize"))
	assert.NotEqual(t, id, field(decodeJSON(t, body3), "id"))
	assert.Equal(t, 2, f.sim.Calls(simulator.OpAuthorize)-before)

	// The follow-up POSTs too: a repeated capture replays its 200, where a
	// new one would be a conflict.
	f.vars["pay"] = id
	capture := with(key("payer"), "BT-IDEMPOTENCY-KEY", "capture-1")
	res, first := f.do(t, "POST", "/orchestration/transactions/{pay}/capture", capture, `{"amount":400}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", first)
	res, again := f.do(t, "POST", "/orchestration/transactions/{pay}/capture", capture, `{"amount":400}`)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", again)
	assert.Equal(t, string(first), string(again))
	assert.Equal(t, 1, f.sim.Calls(simulator.OpCapture))

	refund := with(key("payer"), "BT-IDEMPOTENCY-KEY", "refund-1")
	res, first = f.do(t, "POST", "/orchestration/transactions/{pay}/refunds", refund, `{"amount":100}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", first)
	res, again = f.do(t, "POST", "/orchestration/transactions/{pay}/refunds", refund, `{"amount":100}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", again)
	assert.Equal(t, string(first), string(again))
	assert.Equal(t, 1, f.sim.Calls(simulator.OpRefund))
	p, err = f.v.GetPayment(vaultAs(t, f, "payer"), id)
	require.NoError(t, err)
	assert.Len(t, p.Refunds, 1)
	assert.Equal(t, int64(100), p.RefundedAmount)
	noCard(t, f, body1, body2, body3, first, again)
}

// vaultAs is a context calling the vault as the fixture's named key.
func vaultAs(t *testing.T, f *payFixture, name string) context.Context {
	t.Helper()
	p, err := f.v.Authenticate(context.Background(), f.vars[name])
	require.NoError(t, err)
	return vault.WithPrincipal(context.Background(), p)
}

// TestPaymentListAndRefundByID lists payments with filters and reads a
// refund by its id alone.
func TestPaymentListAndRefundByID(t *testing.T) {
	f := newPayFixture(t)
	payer := key("payer")
	var payID string
	for i, ext := range []string{"order-1", "order-2"} {
		res, body := f.do(t, "POST", "/orchestration/transactions", payer, f.expand(`{"connection_id":"{conn}","amount":1000,"currency":"USD","token":"{paycard}","intent":"capture","external_identifier":"`+ext+`"}`))
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
		if i == 0 {
			payID = field(decodeJSON(t, body), "id").(string)
		}
	}
	res, body := f.do(t, "GET", "/orchestration/transactions?external_identifier=order-1", payer, "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	doc := decodeJSON(t, body)
	assert.EqualValues(t, "1", fmt.Sprint(field(doc, "pagination.total_items")))
	data, _ := field(doc, "data").([]any)
	require.Len(t, data, 1)
	assert.Equal(t, payID, data[0].(map[string]any)["id"])
	res, body = f.do(t, "GET", "/orchestration/transactions?status=capture_succeeded&size=1", payer, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.EqualValues(t, "2", fmt.Sprint(field(decodeJSON(t, body), "pagination.total_items")))
	res, _ = f.do(t, "GET", "/orchestration/transactions?size=101", payer, "")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)

	res, body = f.do(t, "POST", "/orchestration/transactions/"+payID+"/refunds", payer, `{"amount":250}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	refundID := field(decodeJSON(t, body), "id").(string)
	res, body = f.do(t, "GET", "/orchestration/refunds/"+refundID, payer, "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	assert.Equal(t, payID, field(decodeJSON(t, body), "transaction_id"))
	assert.EqualValues(t, "250", fmt.Sprint(field(decodeJSON(t, body), "amount")))
	res, _ = f.do(t, "GET", "/orchestration/refunds/"+refundID, nil, "")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
}
