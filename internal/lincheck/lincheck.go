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
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Op is a call: its kind (create, get, update, delete), the token id, and
// the metadata value written (create, update). Kind txn is a token
// transaction that creates every token of IDs with Meta and commits: all
// of them appear at one moment, or none does. Group names the ids an
// operation may touch together (the ids of a transaction share one); the
// history is checked group by group. An empty Group is the ID.
//
// Locked says a token transaction of the history may hold the id's lock
// while the call runs: the vault then refuses a create, update or delete
// with a conflict whatever the token's state, so a conflict is no evidence
// of it (the model allows it, changing nothing).
type Op struct {
	Kind   string
	ID     string
	IDs    []string
	Meta   string
	Group  string
	Locked bool
}

// Result is what the call returned: OK (created, updated, deleted, found),
// and for get the metadata value seen. Unknown marks a write whose answer
// never came.
type Result struct {
	OK       bool
	Meta     string
	Unknown  bool
	Conflict bool // refused with a conflict (409), not as not found
}

// token is the model's state of one id.
type token struct {
	exists bool
	meta   string
}

// state is the model's state of one group: its tokens, encoded as a
// string (comparable, so porcupine's default equality works) of sorted
// "id=meta" entries of the tokens that exist.
type state string

func (s state) tokens() map[string]token {
	m := map[string]token{}
	if s == "" {
		return m
	}
	for e := range strings.SplitSeq(string(s), "\x00") {
		id, meta, _ := strings.Cut(e, "=")
		m[id] = token{exists: true, meta: meta}
	}
	return m
}

func encode(m map[string]token) state {
	var entries []string
	for id, t := range m {
		if t.exists {
			entries = append(entries, id+"="+t.meta)
		}
	}
	slices.Sort(entries)
	return state(strings.Join(entries, "\x00"))
}

// group returns the partition of op.
func (op Op) group() string {
	if op.Group != "" {
		return op.Group
	}
	return op.ID
}

// Model is the sequential specification of tokens, partitioned by id:
// every operation touches one id, so the history is linearizable iff each
// id's is.
var Model = porcupine.NondeterministicModel{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byGroup := map[string][]porcupine.Operation{}
		var order []string
		for _, op := range history {
			g := op.Input.(Op).group()
			if _, ok := byGroup[g]; !ok {
				order = append(order, g)
			}
			byGroup[g] = append(byGroup[g], op)
		}
		out := make([][]porcupine.Operation, 0, len(order))
		for _, g := range order {
			out = append(out, byGroup[g])
		}
		return out
	},
	Init: func() []any { return []any{state("")} },
	Step: func(st, input, output any) []any {
		s, in, out := st.(state), input.(Op), output.(Result)
		m := s.tokens()
		cur := m[in.ID]
		ok := false // whether the call succeeds from s
		next := maps.Clone(m)
		switch in.Kind {
		case "create":
			ok, next[in.ID] = !cur.exists, token{exists: true, meta: in.Meta}
		case "update":
			ok, next[in.ID] = cur.exists, token{exists: true, meta: in.Meta}
		case "delete":
			ok = cur.exists
			delete(next, in.ID)
		case "get":
			if out.OK == cur.exists && (!cur.exists || out.Meta == cur.meta) {
				return []any{s}
			}
			return nil
		case "txn":
			ok = true
			for _, id := range in.IDs {
				ok = ok && !m[id].exists
				next[id] = token{exists: true, meta: in.Meta}
			}
			if !out.OK && !out.Unknown {
				return []any{s} // a transaction that failed applied nothing
			}
		default:
			return nil
		}
		switch {
		case in.Locked && out.Conflict && !out.OK && in.Kind != "txn":
			return []any{s} // perhaps refused by a transaction's lock
		case out.Unknown && ok:
			return []any{s, encode(next)} // it took effect, or it never did
		case out.Unknown, !ok && !out.OK:
			return []any{s} // refused (not found, conflict): nothing changed
		case ok && out.OK:
			return []any{encode(next)}
		}
		return nil
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(Op), output.(Result)
		return fmt.Sprintf("%s(%s%v, %q) -> ok=%v unknown=%v %q", in.Kind, in.ID, in.IDs, in.Meta, out.OK, out.Unknown, out.Meta)
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
