package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault/sandbox"
)

func randomReactorRecord(rng *rand.Rand) *reactorRecord {
	str := func(n int) string {
		b := make([]byte, rng.IntN(n))
		for i := range b {
			b[i] = byte(32 + rng.IntN(95))
		}
		return string(b)
	}
	r := &reactorRecord{ID: "r" + str(10), Name: str(20), CreatedAt: time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).UTC(), CreatedBy: str(8)}
	if rng.IntN(4) > 0 {
		r.Code = "module.exports = async () => ({ raw: " + strings.Repeat("1+", rng.IntN(50)) + "1 })" + str(40)
	} else {
		r.FormulaID = "f" + str(8)
	}
	if rng.IntN(2) == 0 {
		r.Config = []byte(str(30) + "x")
	}
	if rng.IntN(2) == 0 {
		r.AppID = "a" + str(8)
	}
	if rng.IntN(2) == 0 {
		t := time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).UTC()
		r.ModifiedAt, r.ModifiedBy = &t, str(8)
	}
	return r
}

func TestReactorCodec(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for i := range 500 {
		r := randomReactorRecord(rng)
		got, err := reactorTable.decode(marshalReactor(r))
		require.NoError(t, err, "record %d", i)
		if !reflect.DeepEqual(r, got) {
			t.Fatalf("round trip %d changed the record:\n%#v\n%#v", i, r, got)
		}

		// The JSON form (schema 1) of earlier versions reads the same.
		payload, err := json.Marshal(r)
		require.NoError(t, err)
		legacy, err := reactorTable.decode(append([]byte{envelopeV1, 1}, payload...))
		require.NoError(t, err, "legacy record %d", i)
		if !reflect.DeepEqual(r, legacy) {
			t.Fatalf("legacy record %d reads differently:\n%#v\n%#v", i, r, legacy)
		}
	}
	for name, b := range map[string][]byte{
		"no id":          {envelopeV1, reactorSchema, reactorTagName, 1, 'n'},
		"code, no hash":  {envelopeV1, reactorSchema, reactorTagID, 1, 'r', reactorTagCode, 1, 'x'},
		"hash, no code":  append([]byte{envelopeV1, reactorSchema, reactorTagID, 1, 'r', reactorTagCodeHash, 32}, make([]byte, 32)...),
		"short hash":     {envelopeV1, reactorSchema, reactorTagID, 1, 'r', reactorTagCode, 1, 'x', reactorTagCodeHash, 2, 1, 2},
		"bad created_at": {envelopeV1, reactorSchema, reactorTagID, 1, 'r', reactorTagCreatedAt, 1, 0x80},
		"newer schema":   {envelopeV1, reactorSchema + 1},
	} {
		_, err := reactorTable.decode(b)
		require.Error(t, err, name)
	}
}

// TestDecodeReactorSkipsCachedCode checks that an invocation's read leaves
// the code in the store when its program is cached, and copies it when not.
func TestDecodeReactorSkipsCachedCode(t *testing.T) {
	r := &reactorRecord{ID: "r1", Name: "n", Code: "module.exports = () => ({})", CreatedAt: time.Unix(1, 0).UTC()}
	b := marshalReactor(r)[2:]
	prog, err := sandbox.Compile(r.Code)
	require.NoError(t, err)
	var asked [sha256.Size]byte
	got, p, err := decodeReactor(b, func(h [sha256.Size]byte) *sandbox.Program { asked = h; return prog })
	require.NoError(t, err)
	require.Same(t, prog, p)
	require.Empty(t, got.Code, "the code is not copied")
	require.Equal(t, sha256.Sum256([]byte(r.Code)), asked)

	got, p, err = decodeReactor(b, func([sha256.Size]byte) *sandbox.Program { return nil })
	require.NoError(t, err)
	require.Nil(t, p)
	require.Equal(t, r.Code, got.Code)
}

// FuzzReactorRecord decodes arbitrary stored reactor records: never a panic,
// and what decodes encodes back stably.
func FuzzReactorRecord(f *testing.F) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 6 {
		f.Add(marshalReactor(randomReactorRecord(rng)))
	}
	f.Add([]byte{envelopeV1, 1, '{', '}'})
	f.Add([]byte(`{"id":"r"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := reactorTable.decode(in)
		if err != nil {
			return
		}
		again, err := reactorTable.decode(marshalReactor(r))
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !bytes.Equal(marshalReactor(again), marshalReactor(r)) {
			t.Fatal("re-encoding is not stable")
		}
	})
}
