package proxyxform

import (
	"fmt"

	"github.com/ohler55/ojg/jp"
)

// locationField is the transform field a location comes from.
const locationField = "options.location"

// step is one fragment of a location: a child name, an array index
// (negative counts from the end) or a wildcard.
type step struct {
	kind  stepKind
	name  string
	index int
}

type stepKind int

const (
	stepChild stepKind = iota
	stepIndex
	stepWildcard
)

// CheckLocation validates a JSONPath location when a proxy is created,
// returning a *FieldError on "options.location". The path starts at "$"
// and uses only child names (.a, ['a'], ["a"]), array indexes ([0],
// [-1]) and wildcards (.*, [*]): descent, filters, slices and unions are
// refused because they leave unclear where a value goes.
func CheckLocation(location string) error {
	_, err := parseLocation(location)
	return err
}

func parseLocation(location string) ([]step, error) {
	x, err := jp.ParseString(location)
	if err != nil {
		// The message quotes the location, which is configuration, not data.
		return nil, &FieldError{locationField, "is not a valid JSONPath: " + err.Error()}
	}
	if len(x) == 0 || x[0] != jp.Root('$') {
		return nil, &FieldError{locationField, `must start at the root, "$"`}
	}
	steps := make([]step, 0, len(x)-1)
	for _, f := range x[1:] {
		s, ok := toStep(f)
		if !ok {
			return nil, &FieldError{locationField, fmt.Sprintf("may use only child names, array indexes and wildcards, not %q", jp.Expr{f}.String())}
		}
		steps = append(steps, s)
	}
	return steps, nil
}

func toStep(f jp.Frag) (step, bool) {
	switch f := f.(type) {
	case jp.Child:
		return step{kind: stepChild, name: string(f)}, true
	case jp.Nth:
		return step{kind: stepIndex, index: int(f)}, true
	case jp.Wildcard:
		return step{kind: stepWildcard}, true
	}
	return step{}, false
}
