// Package lincheck is the linearizability checker of the drills: a
// sequential model of tokens for porcupine (github.com/anishathalye/porcupine)
// and a recorder of concurrent histories. Tests record every call with its
// invocation and return times; Check searches for a sequential order,
// consistent with those times, in which the model gives every recorded
// answer. A history with none is not linearizable: some client saw the
// vault in a state no order of the operations explains (a stale read, a
// lost update, a resurrected token).
//
// A write whose answer was lost (the server was killed, the connection
// reset) is recorded with Unknown: it may have taken effect at any moment
// after its call, or never, so it returns at the end of time and the model
// allows both outcomes. A read without an answer is not recorded at all.
package lincheck

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Op is a call: its kind (create, get, update, delete), the token id, and
// the metadata value written (create, update).
type Op struct {
	Kind string
	ID   string
	Meta string
}

// Result is what the call returned: OK (created, updated, deleted, found),
// and for get the metadata value seen. Unknown marks a write whose answer
// never came.
type Result struct {
	OK      bool
	Meta    string
	Unknown bool
}

// state is the model's state of one id.
type state struct {
	exists bool
	meta   string
}

// Model is the sequential specification of tokens, partitioned by id:
// every operation touches one id, so the history is linearizable iff each
// id's is.
var Model = porcupine.NondeterministicModel{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byID := map[string][]porcupine.Operation{}
		var order []string
		for _, op := range history {
			id := op.Input.(Op).ID
			if _, ok := byID[id]; !ok {
				order = append(order, id)
			}
			byID[id] = append(byID[id], op)
		}
		out := make([][]porcupine.Operation, 0, len(order))
		for _, id := range order {
			out = append(out, byID[id])
		}
		return out
	},
	Init: func() []any { return []any{state{}} },
	Step: func(st, input, output any) []any {
		s, in, out := st.(state), input.(Op), output.(Result)
		var next state
		var ok bool // whether the call succeeds from s
		switch in.Kind {
		case "create":
			ok, next = !s.exists, state{exists: true, meta: in.Meta}
		case "update":
			ok, next = s.exists, state{exists: true, meta: in.Meta}
		case "delete":
			ok, next = s.exists, state{}
		case "get":
			if out.OK == s.exists && (!s.exists || out.Meta == s.meta) {
				return []any{s}
			}
			return nil
		default:
			return nil
		}
		switch {
		case out.Unknown && ok:
			return []any{s, next} // it took effect, or it never did
		case out.Unknown, !ok && !out.OK:
			return []any{s} // refused (not found, conflict): nothing changed
		case ok && out.OK:
			return []any{next}
		}
		return nil
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(Op), output.(Result)
		return fmt.Sprintf("%s(%s, %q) -> ok=%v unknown=%v %q", in.Kind, in.ID, in.Meta, out.OK, out.Unknown, out.Meta)
	},
}

// Recorder collects a history from concurrent clients.
type Recorder struct {
	base    time.Time
	mu      sync.Mutex
	history []porcupine.Operation
}

// NewRecorder starts a history now.
func NewRecorder() *Recorder { return &Recorder{base: time.Now()} }

// Now is the time to record as a call's invocation or return.
func (r *Recorder) Now() int64 { return time.Since(r.base).Nanoseconds() }

// Record adds a call of client made at call that returned out at ret. An
// Unknown result is recorded as returning at the end of time.
func (r *Recorder) Record(client int, in Op, call int64, out Result, ret int64) {
	if out.Unknown {
		if in.Kind == "get" {
			return // a read without an answer tells nothing
		}
		ret = math.MaxInt64
	}
	r.mu.Lock()
	r.history = append(r.history, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
	r.mu.Unlock()
}

// History returns what was recorded.
func (r *Recorder) History() []porcupine.Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]porcupine.Operation(nil), r.history...)
}

// Check checks history against Model within timeout (Unknown past it).
func Check(history []porcupine.Operation, timeout time.Duration) porcupine.CheckResult {
	return porcupine.CheckOperationsTimeout(Model.ToModel(), history, timeout)
}
