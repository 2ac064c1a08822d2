package vault

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func randomTokenRecord(rng *rand.Rand) *tokenRecord {
	str := func() string {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return string(b)
	}
	bs := func() []byte { return []byte(str() + "x") }
	tm := func() *time.Time {
		if rng.IntN(2) == 0 {
			return nil
		}
		t := time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).UTC()
		return &t
	}
	r := &tokenRecord{ID: str() + "id", Type: TypeToken, Data: bs(), CreatedAt: *tm2(tm), CreatedBy: str()}
	if rng.IntN(2) == 0 {
		r.CVC, r.CVCUntil = bs(), tm()
	}
	if rng.IntN(2) == 0 {
		r.Mask = json.RawMessage(`"{{ data }}"`)
	}
	if rng.IntN(2) == 0 {
		r.Metadata = map[string]string{str(): str(), "k": str()}
	}
	r.Fingerprint, r.FingerprintExpression = str(), str()
	if rng.IntN(2) == 0 {
		r.SearchIndexes = []string{str(), str()}
		r.SearchTerms = [][]byte{bs(), bs()}
	}
	r.Containers = []string{"/a/", str()}
	if rng.IntN(2) == 0 {
		b := rng.IntN(2) == 0
		r.Deduplicate = &b
	}
	r.ExpiresAt, r.ModifiedAt, r.ModifiedBy = tm(), tm(), str()
	return r
}

func tm2(f func() *time.Time) *time.Time {
	for {
		if t := f(); t != nil {
			return t
		}
	}
}

func TestTokenCodecRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 2000 {
		r := randomTokenRecord(rng)
		b := marshalToken(r)
		got, err := tokenTable.decode(b)
		require.NoError(t, err, "record %d", i)
		if !reflect.DeepEqual(r, got) {
			t.Fatalf("round trip %d changed the record:\n%#v\n%#v", i, r, got)
		}
	}
}

func TestTokenCodecSkipsUnknownTags(t *testing.T) {
	r := randomTokenRecord(rand.New(rand.NewPCG(2, 2)))
	b := append(marshalToken(r), 200, 3, 'a', 'b', 'c') // a field from a newer version
	got, err := tokenTable.decode(b)
	require.NoError(t, err)
	assert.Equal(t, r.ID, got.ID)
}

// FuzzTokenRecord decodes arbitrary stored bytes: never a panic, and what
// decodes encodes back to bytes that decode the same.
func FuzzTokenRecord(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 3))
	for range 8 {
		f.Add(marshalToken(randomTokenRecord(rng)))
	}
	f.Add([]byte{1, 1})
	f.Add([]byte{1, 1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := tokenTable.decode(in)
		if err != nil {
			return
		}
		again, err := tokenTable.decode(marshalToken(r))
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !bytes.Equal(marshalToken(again), marshalToken(r)) {
			t.Fatal("re-encoding is not stable")
		}
	})
}

func TestStagedCodec(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range 500 {
		s := &stagedToken{ID: "txn/tok" + string(rune('a'+i%26)), Seq: rng.IntN(1 << 20), Token: "tok", Deleted: rng.IntN(2) == 0, Created: rng.IntN(2) == 0}
		if !s.Deleted {
			s.Record = randomTokenRecord(rng)
		}
		got, err := stagedTable.decode(marshalStaged(s))
		require.NoError(t, err, "record %d", i)
		if !reflect.DeepEqual(s, got) {
			t.Fatalf("round trip %d changed the record:\n%#v\n%#v", i, s, got)
		}

		// The JSON form (schema 1) of earlier versions still reads as JSON
		// decoding reads it (the random strings are not all UTF-8).
		payload, err := json.Marshal(s)
		require.NoError(t, err)
		var want stagedToken
		require.NoError(t, json.Unmarshal(payload, &want))
		legacy, err := stagedTable.decode(append([]byte{envelopeV1, 1}, payload...))
		require.NoError(t, err, "legacy record %d", i)
		if !reflect.DeepEqual(&want, legacy) {
			t.Fatalf("legacy record %d reads differently:\n%#v\n%#v", i, &want, legacy)
		}
	}
	for name, b := range map[string][]byte{
		"no id":              marshalStaged(&stagedToken{Token: "t"}),
		"bad seq":            {envelopeV1, stagedSchema, stagedTagID, 1, 'x', stagedTagToken, 1, 't', stagedTagSeq, 1, 0x80},
		"record not a token": {envelopeV1, stagedSchema, stagedTagID, 1, 'x', stagedTagToken, 1, 't', stagedTagRecord, 2, 9, 9},
		"newer schema":       {envelopeV1, stagedSchema + 1},
	} {
		_, err := stagedTable.decode(b)
		assert.Error(t, err, name)
	}
}

// FuzzStagedRecord decodes arbitrary staged records: never a panic, and what
// decodes encodes back stably.
func FuzzStagedRecord(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 5))
	for range 4 {
		f.Add(marshalStaged(&stagedToken{ID: "a/b", Seq: 3, Token: "b", Created: true, Record: randomTokenRecord(rng)}))
	}
	f.Add(marshalStaged(&stagedToken{ID: "a/b", Token: "b", Deleted: true}))
	f.Add([]byte(`{"id":"a/b","token":"b"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := stagedTable.decode(in)
		if err != nil {
			return
		}
		again, err := stagedTable.decode(marshalStaged(s))
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !bytes.Equal(marshalStaged(again), marshalStaged(s)) {
			t.Fatal("re-encoding is not stable")
		}
	})
}
