package main

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/BurntSushi/toml"
)

// The config file of serve (--config FILE, TOML) has one key per flag, of
// the same name and meaning: addr = "127.0.0.1:8080", reactor-timeout =
// "10s", max-body-bytes = 1048576, pprof = true, allow-host = ["a", "b"].
// A setting comes from, in order: the command line, the environment, the
// config file, the default. A key that is no flag is an error naming it,
// so that a misspelt setting never goes unnoticed.

// withConfig defines --config, the file whose keys parse applies.
func (f *flags) withConfig() {
	f.configPath = f.string("config", "VAULT_CONFIG", "", "a TOML file of settings, one key per flag (allow-host = [...]); flags and the environment win over it")
}

// applyConfig sets, from the config file, every flag that neither the
// command line nor the environment set.
func (f *flags) applyConfig() error {
	if f.configPath == nil || *f.configPath == "" {
		return nil
	}
	path := *f.configPath
	var doc map[string]any
	if _, err := toml.DecodeFile(path, &doc); err != nil {
		// toml's errors give the line and column, and quote the text
		// around the fault: a line of the file. Only the position is kept,
		// lest a DSN's password reach the terminal or a log.
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return fmt.Errorf("config file %s: line %d, column %d: not valid TOML", path, perr.Position.Line, perr.Position.Col)
		}
		return fmt.Errorf("config file %s: %w", path, err)
	}
	given := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
	for _, key := range slices.Sorted(maps.Keys(doc)) {
		fl := f.Lookup(key)
		if fl == nil || key == "config" {
			return fmt.Errorf("config file %s: unknown key %q (the keys are the flags of \"vaultd serve -h\")", path, key)
		}
		if given[key] || (f.envs[key] != "" && f.getenv(f.envs[key]) != "") {
			continue
		}
		values, err := configValues(fl, doc[key])
		if err != nil {
			return fmt.Errorf("config file %s: key %q: %w", path, key, err)
		}
		for _, v := range values {
			if err := fl.Value.Set(v); err != nil {
				return fmt.Errorf("config file %s: key %q: %w", path, key, err)
			}
		}
	}
	return nil
}

// repeatable is a flag that may be given more than once (allow-host).
type repeatable interface{ repeatable() }

// configValues turns a TOML value into the text(s) the flag's Set takes:
// a list only for a repeatable flag.
func configValues(fl *flag.Flag, v any) ([]string, error) {
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case int64:
		return []string{strconv.FormatInt(v, 10)}, nil
	case bool:
		return []string{strconv.FormatBool(v)}, nil
	case []any:
		if _, ok := fl.Value.(repeatable); !ok {
			return nil, errors.New("takes one value, not a list")
		}
		out := make([]string, 0, len(v))
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil, errors.New("want a list of strings")
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, errors.New("want a string, an integer, true or false (a duration is a string: \"30s\")")
}
