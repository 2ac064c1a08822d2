package expr

import "sync/atomic"

// Limits bound one evaluation: one [Template.Eval] or [Template.EvalString],
// one [EvalJSON] or one [Document.Render] (the steps of all leaves
// together). Templates come from API clients, so every evaluation is
// bounded; exceeding a bound is a [KindLimit] error, never a hang or an
// exhausted memory. A zero field takes its default.
type Limits struct {
	// MaxOutput caps, in bytes, every string a filter or a capture builds,
	// the text of an array or object a template outputs (refused before it
	// is built), and the result: the rendered text of a template, or the
	// JSON of the value of a template that is one {{ }}; in [EvalJSON], the
	// results of all the leaves together; in [Document.Render], the text of
	// each leaf (a leaf that is one {{ }} embeds its reference whole: the
	// caller bounds references). Default 1 MiB.
	MaxOutput int
	// MaxItems caps the items of an array a filter builds or sorts and of a
	// range a filter receives. Default 100,000.
	MaxItems int
	// MaxSteps caps the work: one step per loop iteration, per expression
	// evaluated and per filter call, plus one per KiB a filter reads
	// (input and arguments) or writes, per KiB an operator or a loop reads
	// of the variables it names, and per KiB of output; array items and
	// object entries count 128 and 256 bytes. Default 100,000.
	MaxSteps int
}

// Default limits; see [Limits].
const (
	DefaultMaxOutput = 1 << 20
	DefaultMaxItems  = 100_000
	DefaultMaxSteps  = 100_000
)

var defaultLimits atomic.Pointer[Limits]

// SetDefaultLimits sets the limits of evaluations that pass no
// [WithLimits] option, and returns the previous ones. Safe for concurrent use.
func SetDefaultLimits(l Limits) Limits {
	l = l.withDefaults()
	return *defaultLimits.Swap(&l)
}

// DefaultLimits returns the limits of evaluations that pass no [WithLimits].
func DefaultLimits() Limits {
	if l := defaultLimits.Load(); l != nil {
		return *l
	}
	return Limits{}.withDefaults()
}

func init() {
	l := Limits{}.withDefaults()
	defaultLimits.Store(&l)
}

func (l Limits) withDefaults() Limits {
	if l.MaxOutput <= 0 {
		l.MaxOutput = DefaultMaxOutput
	}
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	if l.MaxSteps <= 0 {
		l.MaxSteps = DefaultMaxSteps
	}
	return l
}

// An Option adjusts one evaluation.
type Option func(*evalOptions)

type evalOptions struct {
	limits Limits
	budget *Budget
}

// A Budget is a number of steps that several evaluations share, for a
// caller that evaluates many templates for one request (the masks of a
// page of tokens, the templates of one token): with [WithBudget], an
// evaluation stops at its own MaxSteps or when the budget runs out,
// whichever comes first, and the steps it used are taken from the budget.
// An evaluation that finds the budget spent fails at its first step with
// KindLimit. A Budget is used by one goroutine at a time.
type Budget struct {
	Steps int // left
}

// NewBudget returns a budget of steps, or of [DefaultLimits]' MaxSteps if
// steps is not positive.
func NewBudget(steps int) *Budget {
	if steps <= 0 {
		steps = DefaultLimits().MaxSteps
	}
	return &Budget{Steps: steps}
}

// WithBudget draws the evaluation's steps from b too; nil is no budget.
func WithBudget(b *Budget) Option {
	return func(o *evalOptions) { o.budget = b }
}

// WithLimits bounds the evaluation by l instead of [DefaultLimits]; zero
// fields take the package defaults.
func WithLimits(l Limits) Option {
	return func(o *evalOptions) { o.limits = l.withDefaults() }
}

func buildOptions(opts []Option) evalOptions {
	if len(opts) == 0 {
		return evalOptions{limits: DefaultLimits()}
	}
	o := &evalOptions{limits: DefaultLimits()}
	for _, opt := range opts {
		if opt != nil {
			opt(o)
		}
	}
	return *o
}

// Parse-time bounds: they keep evaluation recursion shallow.
const (
	maxBlockDepth = 64   // nested {% %} blocks
	maxExprDepth  = 32   // nested ( and [ in one expression
	maxExprTokens = 1024 // tokens in one expression
	maxDocDepth   = 10_000
	maxMarkup     = 10_000 // {{ }} and {% %} in one template, and {{ }} in one document
)
