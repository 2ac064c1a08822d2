package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppendEventIsJSON: the hand-written encoding of outbox entries is
// encoding/json's, byte for byte, and decodes back with the number types
// Event documents.
func TestAppendEventIsJSON(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 0, 123456789, time.UTC)
	for name, data := range map[string]map[string]any{
		"token": tokenEventData(&tokenRecord{ID: "t-1", Type: "card", Containers: []string{"/pci/high/"}, CreatedAt: at,
			Metadata:    map[string]string{"b": "2", "a": "1", "quote\"d": "<&>", "unicode": "žluťoučký \u2028", "ctl": "a\x01b"},
			Fingerprint: "fp", FingerprintExpression: "{{ data.number }}", SearchIndexes: []string{"{{ data | last4 }}"}, ExpiresAt: &at}),
		"invocation": invocationEventData("r", "name", "req", invocationSync, 1500*time.Millisecond, errors.New("boom")),
		"odd values": {"nil": nil, "bool": true, "int": 3, "float": 1.5, "uint8": uint8(7), "nil slice": []string(nil), "nil map": map[string]any(nil),
			"list": []any{"a", 1, map[string]any{"z": []any{}}}, "bad utf-8": "\xff\xfe", "struct": struct{ A int }{1}},
		"empty": {},
	} {
		t.Run(name, func(t *testing.T) {
			e := &Event{ID: "e-1", Type: "x.y", TenantID: "tenant", TraceID: "trace", Timestamp: at, Data: data}
			got, err := appendEvent(nil, e)
			require.NoError(t, err)
			want, err := json.Marshal(e)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
			back, err := decodeEvent(got)
			require.NoError(t, err)
			assert.True(t, back.Timestamp.Equal(at))
			if name == "invocation" {
				assert.Equal(t, int64(1500), back.Data["elapsed_ms"])
			}
		})
	}
	_, err := appendEvent(nil, &Event{Timestamp: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})
	assert.Error(t, err, "a time JSON cannot hold fails as encoding/json fails")
}

// TestAppendTokenEventData: the token events' encoder writes what encoding
// tokenEventData's map writes.
func TestAppendTokenEventData(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 0, 5, time.FixedZone("x", 3600))
	for name, rec := range map[string]*tokenRecord{
		"bare": {ID: "t", Type: "token", CreatedAt: at},
		"full": {ID: "t\"<>", Type: "card", Containers: []string{"/a/", "/ž/"}, CreatedAt: at, CreatedBy: "app",
			Metadata: map[string]string{"z": "1", "a": "\n"}, Fingerprint: "fp", FingerprintExpression: "{{ data }}",
			SearchIndexes: []string{"x", "y"}, ExpiresAt: &at, ModifiedAt: &at, ModifiedBy: "app2"},
		"empty lists": {ID: "t", Type: "token", Containers: []string{}, Metadata: map[string]string{}, SearchIndexes: []string{}},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := appendJSONValue(nil, tokenEventData(rec))
			require.NoError(t, err)
			got, err := appendTokenEventData(nil, rec)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}

// stdDecodeEvent is decodeEvent's fallback alone: encoding/json.
func stdDecodeEvent(b []byte) (*Event, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	e := new(Event)
	if err := dec.Decode(e); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	for k, val := range e.Data {
		e.Data[k] = plainNumbers(val)
	}
	return e, nil
}

var parseEventSeeds = []string{
	`{"id":"e","type":"t","tenant_id":"x","timestamp":"2026-12-03T10:00:00.5Z","data":{"a":[1,-2,3.5,1e3,-0,12345678901234567890,true,false,null,{}],"b":"\u00e9\n\"","c":{"d":[]}}}`,
	` { "id" : "e" , "data" : null , "timestamp":"2026-12-03T10:00:00+01:00" } `,
	"{\"id\":\"e\",\"data\":{\"s\":\"\\ud83d\\ude00 \xff\",\"k\":\"a\\tb\"},\"timestamp\":\"2026-12-03T10:00:00Z\"}",
	`{"id":"e","data":{"n":01}}`, `{"id":"e","data":{"n":1.}}`, `{"id":"e","data":{"n":-}}`, `{"id":"e","data":{"n":+1}}`,
	`{"id":1}`, `{"timestamp":"yesterday"}`, `{"data":[]}`, `{"id":"e"} x`, `{"id":"e",}`, `[1]`, `"s"`, ``, `{`, `{"a":tru}`,
	`{"id":"dup","id":"last","data":{"x":1,"x":2}}`,
}

// TestParseEventAgreesWithEncodingJSON: the fast decoder reads what
// encoding/json reads, or gives up (and decodeEvent falls back).
func TestParseEventAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range parseEventSeeds {
		checkParseEvent(t, []byte(in))
	}
	for _, in := range parseEventSeeds[:3] {
		_, ok := parseEvent([]byte(in))
		assert.True(t, ok, "the fast path reads %q", in)
	}
}

func FuzzParseEvent(f *testing.F) {
	for _, in := range parseEventSeeds {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkParseEvent(t, in) })
}

func checkParseEvent(t *testing.T, in []byte) {
	t.Helper()
	want, stdErr := stdDecodeEvent(in)
	got, ok := parseEvent(in)
	if !ok {
		return // decodeEvent falls back to encoding/json
	}
	require.NoError(t, stdErr, "parseEvent took what encoding/json refuses: %q", in)
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.Type, got.Type)
	assert.Equal(t, want.TenantID, got.TenantID)
	assert.Equal(t, want.TraceID, got.TraceID)
	assert.True(t, want.Timestamp.Equal(got.Timestamp), "%q", in)
	assert.Equal(t, want.Data, got.Data, "%q", in)
}
