package lincheck_test

import (
	"testing"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"

	"github.com/tokenvault/vault/internal/lincheck"
)

// TestModel checks small histories with known answers.
func TestModel(t *testing.T) {
	op := func(call, ret int64, kind, id, meta string, out lincheck.Result) porcupine.Operation {
		return porcupine.Operation{Input: lincheck.Op{Kind: kind, ID: id, Meta: meta}, Call: call, Output: out, Return: ret}
	}
	gop := func(call, ret int64, kind, id, meta string, out lincheck.Result) porcupine.Operation {
		return porcupine.Operation{Input: lincheck.Op{Kind: kind, ID: id, Meta: meta, Group: "g"}, Call: call, Output: out, Return: ret}
	}
	gget := func(call, ret int64, id string, out lincheck.Result) porcupine.Operation {
		return gop(call, ret, "get", id, "", out)
	}
	txn := func(call, ret int64, out lincheck.Result) porcupine.Operation {
		return porcupine.Operation{Input: lincheck.Op{Kind: "txn", IDs: []string{"a", "b"}, Meta: "1", Group: "g"}, Call: call, Output: out, Return: ret}
	}
	ok := lincheck.Result{OK: true}
	no := lincheck.Result{}
	unknown := lincheck.Result{Unknown: true}
	got := func(meta string) lincheck.Result { return lincheck.Result{OK: true, Meta: meta} }
	for _, tc := range []struct {
		name    string
		history []porcupine.Operation
		want    porcupine.CheckResult
	}{
		{"create then read", []porcupine.Operation{op(0, 1, "create", "a", "1", ok), op(2, 3, "get", "a", "", got("1"))}, porcupine.Ok},
		{"stale read after create", []porcupine.Operation{op(0, 1, "create", "a", "1", ok), op(2, 3, "get", "a", "", no)}, porcupine.Illegal},
		{"concurrent read may miss", []porcupine.Operation{op(0, 3, "create", "a", "1", ok), op(1, 2, "get", "a", "", no)}, porcupine.Ok},
		{"double create", []porcupine.Operation{op(0, 1, "create", "a", "1", ok), op(2, 3, "create", "a", "2", ok)}, porcupine.Illegal},
		{"lost update", []porcupine.Operation{op(0, 1, "create", "a", "1", ok), op(2, 3, "update", "a", "2", ok), op(4, 5, "get", "a", "", got("1"))}, porcupine.Illegal},
		{"resurrection", []porcupine.Operation{op(0, 1, "create", "a", "1", ok), op(2, 3, "delete", "a", "", ok), op(4, 5, "get", "a", "", got("1"))}, porcupine.Illegal},
		{"unknown create took effect", []porcupine.Operation{op(0, 1<<62, "create", "a", "1", unknown), op(2, 3, "get", "a", "", got("1"))}, porcupine.Ok},
		{"unknown create never did", []porcupine.Operation{op(0, 1<<62, "create", "a", "1", unknown), op(2, 3, "get", "a", "", no)}, porcupine.Ok},
		{"unknown create is once", []porcupine.Operation{op(0, 1<<62, "create", "a", "1", unknown), op(2, 3, "get", "a", "", got("1")),
			op(4, 5, "delete", "a", "", ok), op(6, 7, "get", "a", "", got("1"))}, porcupine.Illegal},
		{"transaction, then both", []porcupine.Operation{txn(0, 1, ok), gget(2, 3, "a", got("1")), gget(4, 5, "b", got("1"))}, porcupine.Ok},
		{"transaction half visible", []porcupine.Operation{txn(0, 1, ok), gget(2, 3, "a", got("1")), gget(4, 5, "b", no)}, porcupine.Illegal},
		{"failed transaction visible", []porcupine.Operation{txn(0, 1, no), gget(2, 3, "a", got("1"))}, porcupine.Illegal},
		{"in-flight transaction seen atomically", []porcupine.Operation{txn(0, 10, ok), gget(1, 2, "a", got("1")), gget(3, 4, "b", no)}, porcupine.Illegal},
		{"in-flight transaction not yet seen", []porcupine.Operation{txn(0, 10, ok), gget(1, 2, "a", no), gget(3, 4, "b", got("1"))}, porcupine.Ok},
		{"transaction over a taken id", []porcupine.Operation{gop(0, 1, "create", "a", "0", ok), txn(2, 3, ok)}, porcupine.Illegal},
		{"ids apart", []porcupine.Operation{op(0, 1, "create", "a", "1", ok), op(2, 3, "get", "b", "", no)}, porcupine.Ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, lincheck.Check(tc.history, 0))
		})
	}
}
