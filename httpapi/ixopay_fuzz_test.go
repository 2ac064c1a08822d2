package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tokenvault/vault/gateway/simulator"
)

// The connector API's request bodies are fuzzed as fuzz_test.go fuzzes the
// others, with Basic authentication and this API's envelope: never a 5xx,
// always {success, errorCode, errorMessage} with a code from 1001 to 1007 on
// failure (the credentials are good), and never a secret of the body in the
// answer.

// ixSeeds are request bodies of the connector API.
var ixSeeds = []string{
	simConnector("Sim Fuzz", ""),
	simConnector("Sim Fuzz", `"settings":{"a":1,"b":true,"c":"x"},"addSettings":{"d":1.50},"removeSettings":{"a":""}`),
	simConnector("Sim Fuzz", `"removeSettings":["a","b"],"terminals":[{"terminalId":"T1","disabled":true,"stan":3}]`),
	simConnector("Sim Fuzz", `"sharedSecret":"fuzz-shared-0001","businessCountry":"AT","postbackFormat":"json","disabledTransactionTypes":["refund"]`),
	`{"name":"Sim Fuzz","Adapter":"Simulator","method":"Creditcard","APIKey":"fuzz-api-key-0001","scheduleAPIAvailable":true,` +
		`"config":{"username":"u","password":"fuzz-password-01","APISecret":"fuzz-apisecret-01","extraData":{"merchant_id":"m"},` +
		`"language":"de","testMode":false,"vault":{"api_key":"` + simulator.TestAPIKey + `"}},"customerProfileContainer":null,"vtRiskRuleSet":null}`,
	`{"name":"Meta","adapter":"MetaConnector","method":"MetaConnector","apiKey":"k-123456","routingMetaConnector":{"defaultConnector":"{target}"}}`,
	`{"name":"Meta","adapter":"MetaConnector","method":"MetaConnector","apiKey":"k-123456","multiMethodMetaConnector":{"retries":10,"rules":[{}]}}`,
	`{"name":5,"adapter":[],"config":{"vault":{"api_key":1}},"settings":{"k":null},"colour":"red"}`,
	`{"adapter":"Simulator","Adapter":"Simulator"}`,
	`{"description":"only this"}`,
}

// fuzzIxBody fuzzes the body of one POST route of the connector API.
func fuzzIxBody(f *testing.F, path func(fx *fixture) string) {
	fx := newIxFixture(f, nil)
	m := fx.merchant(f, "Fuzz shop")
	target := fx.connector(f, m, simConnector("Target", ""))["guid"].(string)
	fx.vars["merchant"], fx.vars["target"] = m, target
	for _, s := range slices.Concat(ixSeeds, []string{"", " ", "null", "[]", "{}", `{"a":`, "\x00", `"\ud800"`, "1e999999"}, textSeeds) {
		f.Add(fx.expand(s))
	}
	url := path(fx)
	auth := fx.basic("ix")["Authorization"]
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("Authorization", auth)
		res, b := serve(t, fx, req)
		checkIxResponse(t, res, b)
		for _, s := range ixBodySecrets([]byte(body)) {
			if bytes.Contains(b, []byte(s)) {
				t.Fatalf("the answer repeats a secret of the body: %s", b)
			}
		}
	})
}

func FuzzCreateConnectorBody(f *testing.F) {
	fuzzIxBody(f, func(fx *fixture) string { return "/createConnector/" + fx.vars["merchant"] })
}

func FuzzUpdateConnectorBody(f *testing.F) {
	fuzzIxBody(f, func(fx *fixture) string {
		c := fx.connector(f, fx.vars["merchant"], simConnector("Updated", ""))
		return "/api/provisioning/updateConnector/" + c["guid"].(string)
	})
}

// checkIxResponse holds every answer of the connector API to an
// authenticated request: no 5xx, JSON, and the envelope.
func checkIxResponse(t *testing.T, res *http.Response, b []byte) {
	t.Helper()
	if res.StatusCode >= 500 {
		t.Fatalf("answered %d: %s", res.StatusCode, b)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("content type %q: %s", ct, b)
	}
	var env struct {
		Success      *bool           `json:"success"`
		ErrorCode    int             `json:"errorCode"`
		ErrorMessage string          `json:"errorMessage"`
		Connector    json.RawMessage `json:"connector"`
	}
	if err := json.Unmarshal(b, &env); err != nil || env.Success == nil {
		t.Fatalf("not the envelope: %s", b)
	}
	switch {
	case res.StatusCode == http.StatusOK:
		if !*env.Success || env.ErrorCode != 0 || len(env.Connector) == 0 {
			t.Fatalf("a success without its connector: %s", b)
		}
	case res.StatusCode == http.StatusUnprocessableEntity:
		if *env.Success || env.ErrorCode < 1001 || env.ErrorCode > 1007 {
			t.Fatalf("a failure with code %d: %s", env.ErrorCode, b)
		}
		if field, msg, ok := strings.Cut(env.ErrorMessage, ": "); !ok || field == "" || msg == "" {
			t.Fatalf("an errorMessage that names no field: %s", b)
		}
	default:
		t.Fatalf("answered %d: %s", res.StatusCode, b)
	}
}

// ixPlain matches a value that a fixed message or member name could hold
// by chance: such values are not checked.
var ixPlain = regexp.MustCompile(`^[A-Za-z ]*$`)

// ixBodySecrets returns the secret values of a body (apiKey, sharedSecret,
// config.password, config.apiSecret, config.vault values, in either
// spelling) long enough, and unique enough in the body, to check.
func ixBodySecrets(body []byte) []string {
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	var out []string
	add := func(v any) {
		s, ok := v.(string)
		if ok && len(s) >= 8 && !ixPlain.MatchString(s) && bytes.Count(body, []byte(s)) == 1 {
			out = append(out, s)
		}
	}
	for _, k := range []string{"apiKey", "APIKey", "sharedSecret"} {
		add(doc[k])
	}
	if cfg, ok := doc["config"].(map[string]any); ok {
		for _, k := range []string{"password", "apiSecret", "APISecret"} {
			add(cfg[k])
		}
		if v, ok := cfg["vault"].(map[string]any); ok {
			for _, s := range v {
				add(s)
			}
		}
	}
	return out
}
