package vault

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func randomJobRecord(rng *rand.Rand) *jobRecord {
	str := func(n int) string {
		b := make([]byte, 1+rng.IntN(n))
		for i := range b {
			b[i] = byte(32 + rng.IntN(95))
		}
		return string(b)
	}
	at := func() time.Time { return time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).UTC() }
	j := &jobRecord{ID: str(36), Kind: str(16), State: []string{jobPending, jobRunning, jobDead}[rng.IntN(3)], NextRun: at(), CreatedAt: at()}
	if rng.IntN(3) > 0 {
		j.Payload = []byte(str(200))
	}
	if rng.IntN(2) == 0 {
		j.Attempts = rng.IntN(20)
	}
	if rng.IntN(2) == 0 {
		j.Lease = &lease{Owner: str(20), Until: at()}
	}
	if rng.IntN(3) == 0 {
		j.LastError = str(10)
	}
	if rng.IntN(4) == 0 {
		d := at()
		j.DeadAt = &d
	}
	j.Detached = rng.IntN(2) == 0
	return j
}

func TestJobCodec(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for i := range 500 {
		j := randomJobRecord(rng)
		got, err := jobTable.decode(marshalJob(j))
		require.NoError(t, err, "record %d", i)
		if !reflect.DeepEqual(j, got) {
			t.Fatalf("round trip %d changed the record:\n%#v\n%#v", i, j, got)
		}
		// The JSON form (schema 1) of earlier versions reads the same.
		payload, err := json.Marshal(j)
		require.NoError(t, err)
		legacy, err := jobTable.decode(append([]byte{envelopeV1, 1}, payload...))
		require.NoError(t, err, "legacy record %d", i)
		if !reflect.DeepEqual(j, legacy) {
			t.Fatalf("legacy record %d reads differently:\n%#v\n%#v", i, j, legacy)
		}
	}
	for name, b := range map[string][]byte{
		"bad attempts":   {envelopeV1, jobSchema, jobTagID, 1, 'j', jobTagAttempts, 1, 0x80},
		"bad next_run":   {envelopeV1, jobSchema, jobTagID, 1, 'j', jobTagNextRun, 1, 0x80},
		"truncated":      {envelopeV1, jobSchema, jobTagID, 5, 'j'},
		"newer schema":   {envelopeV1, jobSchema + 1},
		"legacy garbage": {envelopeV1, 1, '{'},
	} {
		_, err := jobTable.decode(b)
		require.Error(t, err, name)
	}
}

// FuzzJobRecord decodes arbitrary stored job records: never a panic, and
// what decodes encodes back stably.
func FuzzJobRecord(f *testing.F) {
	rng := rand.New(rand.NewPCG(9, 9))
	for range 6 {
		f.Add(marshalJob(randomJobRecord(rng)))
	}
	f.Add([]byte{envelopeV1, 1, '{', '}'})
	f.Add([]byte(`{"id":"j"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		j, err := jobTable.decode(in)
		if err != nil {
			return
		}
		again, err := jobTable.decode(marshalJob(j))
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !bytes.Equal(marshalJob(again), marshalJob(j)) {
			t.Fatal("re-encoding is not stable")
		}
	})
}

func TestDeliveryPayloadCodec(t *testing.T) {
	events := []deliveryEvent{{id: "e1", raw: []byte(`{"id":"e1"}`)}, {id: "e2", raw: []byte(`{"id":"e2","data":{}}`)}}
	pl, err := decodeDelivery(encodeDelivery("w1", 3, events))
	require.NoError(t, err)
	require.Equal(t, "w1", pl.Webhook)
	require.Equal(t, 3, pl.Attempt)
	require.Equal(t, []string{"e1", "e2"}, pl.IDs)
	require.Equal(t, []json.RawMessage{json.RawMessage(events[0].raw), json.RawMessage(events[1].raw)}, pl.Events)

	// A payload of earlier versions (JSON) reads the same.
	legacy, err := decodeDelivery([]byte(`{"webhook":"w1","attempt":3,"ids":["e1","e2"],"events":[{"id":"e1"},{"id":"e2","data":{}}]}`))
	require.NoError(t, err)
	require.Equal(t, pl, legacy)

	full := encodeDelivery("w1", 3, events)
	for i := range len(full) - 1 {
		_, err := decodeDelivery(full[:i])
		require.Error(t, err, "truncated at %d", i)
	}
	_, err = decodeDelivery(append(full, 0))
	require.Error(t, err, "trailing bytes")
}

// FuzzDeliveryPayload decodes arbitrary delivery payloads: never a panic,
// and what decodes encodes back to the same payload.
func FuzzDeliveryPayload(f *testing.F) {
	f.Add(encodeDelivery("w", 1, []deliveryEvent{{id: "e", raw: []byte(`{}`)}}))
	f.Add(encodeDelivery("", 0, nil))
	f.Add([]byte(`{"webhook":"w","attempt":1,"ids":["e"],"events":[{}]}`))
	f.Add([]byte{deliveryBinary, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, in []byte) {
		pl, err := decodeDelivery(in)
		if err != nil || len(pl.IDs) != len(pl.Events) {
			return
		}
		events := make([]deliveryEvent, len(pl.IDs))
		for i := range events {
			events[i] = deliveryEvent{id: pl.IDs[i], raw: pl.Events[i]}
		}
		again, err := decodeDelivery(encodeDelivery(pl.Webhook, pl.Attempt, events))
		if err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
		if again.Webhook != pl.Webhook || again.Attempt != pl.Attempt || !reflect.DeepEqual(again.IDs, pl.IDs) {
			t.Fatal("re-encoding changed the payload")
		}
	})
}

func TestEventHead(t *testing.T) {
	for _, e := range []*Event{
		{ID: "0193a1b2-0000-7000-8000-000000000001", Type: EventTokenCreated, TenantID: "t"},
		{ID: `odd"id`, Type: `ty\pe`, TenantID: "t"}, // escaped: read by the JSON decoder
	} {
		raw, err := appendEvent(nil, e)
		require.NoError(t, err)
		id, typ, err := eventHead(nil, raw)
		require.NoError(t, err)
		require.Equal(t, e.ID, id)
		require.Equal(t, e.Type, typ)
	}
	for _, raw := range []string{`{"id":"","type":"x"}`, `not json`, `{"type":"x"}`} {
		_, _, err := eventHead(nil, []byte(raw))
		require.Error(t, err, raw)
	}
}
