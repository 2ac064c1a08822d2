package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tokenvault/vault"
)

// allowList is --allow-host: the hosts, or host:port pairs, that the
// vault's outbound requests may reach although they are served over plain
// http or on loopback or private addresses, which are refused otherwise.
// One list admits webhook destinations and the destinations of reactor
// code's fetch. It is repeatable; the first entry given on the command line
// (or in the config file) replaces the environment's list.
type allowList struct {
	entries []allowEntry
	set     bool
}

// allowEntry is one host, with a port or not ("" admits every port).
type allowEntry struct {
	host, port string
}

func (e allowEntry) String() string {
	if e.port == "" {
		return e.host
	}
	return net.JoinHostPort(e.host, e.port)
}

// parseAllowEntry reads HOST or HOST:PORT: a name, an IPv4 literal, an
// IPv6 literal (bracketed with a port), without scheme, path or wildcard.
func parseAllowEntry(s string) (allowEntry, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return allowEntry{}, errors.New("a host must not be empty")
	}
	if strings.ContainsAny(s, "/@?#* \t") {
		return allowEntry{}, fmt.Errorf("%q: want HOST or HOST:PORT (a host name or an IP address, no scheme, path or wildcard)", s)
	}
	var e allowEntry
	if host, port, err := net.SplitHostPort(s); err == nil {
		e.host, e.port = host, port
		if n, ok := parsePort(port); !ok || n == 0 {
			return allowEntry{}, fmt.Errorf("%q: the port must be a number from 1 to 65535", s)
		}
	} else {
		e.host = strings.Trim(s, "[]")
	}
	e.host = strings.TrimSuffix(strings.ToLower(e.host), ".")
	if ip := net.ParseIP(e.host); ip != nil {
		e.host = ip.String()
		return e, nil
	}
	if e.host == "" || strings.ContainsAny(e.host, "*/:@ \t?#[]") || strings.HasPrefix(e.host, ".") || strings.Contains(e.host, "..") {
		return allowEntry{}, fmt.Errorf("%q: want HOST or HOST:PORT (a host name or an IP address, no scheme, path or wildcard)", s)
	}
	return e, nil
}

func parsePort(s string) (int, bool) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' || n > 65535 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, s != "" && n <= 65535
}

func (a *allowList) String() string {
	out := make([]string, len(a.entries))
	for i, e := range a.entries {
		out[i] = e.String()
	}
	return strings.Join(out, ",")
}

func (a *allowList) Set(s string) error {
	e, err := parseAllowEntry(s)
	if err != nil {
		return err
	}
	if !a.set {
		a.entries, a.set = nil, true
	}
	a.entries = append(a.entries, e)
	return nil
}

func (a *allowList) repeatable() {}

// fromEnv reads the comma-separated list of $VAULT_ALLOW_HOSTS.
func (a *allowList) fromEnv(s string) error {
	for _, item := range splitList(s) {
		e, err := parseAllowEntry(item)
		if err != nil {
			return fmt.Errorf("$VAULT_ALLOW_HOSTS: %w", err)
		}
		a.entries = append(a.entries, e)
	}
	return nil
}

// options returns the vault options of the list: the webhook and proxy
// allow-lists, and the reactor fetch allow-list with a transport that holds
// its ports.
func (a *allowList) options() []vault.Option {
	if len(a.entries) == 0 {
		return nil
	}
	var all, hosts []string
	for _, e := range a.entries {
		all = append(all, e.String())
		if !slices.Contains(hosts, e.host) {
			hosts = append(hosts, e.host)
		}
	}
	return []vault.Option{
		vault.WithWebhookHosts(all...),
		vault.WithProxyHosts(all...),
		vault.WithReactorHTTP(hosts, &portGuard{entries: a.entries, next: http.DefaultTransport}),
	}
}

// errPortNotAllowed is a reactor request to an allowed host on a port its
// entries do not admit.
var errPortNotAllowed = errors.New("destination port is not allowed by --allow-host")

// portGuard is the transport of reactor requests. The sandbox admits a
// request by its host only; portGuard refuses one whose port no entry of
// that host admits.
type portGuard struct {
	entries []allowEntry
	next    http.RoundTripper
}

func (g *portGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	host := strings.TrimSuffix(strings.ToLower(req.URL.Hostname()), ".")
	if ip := net.ParseIP(host); ip != nil {
		host = ip.String()
	}
	if admits(g.entries, host, urlPort(req.URL)) {
		return g.next.RoundTrip(req)
	}
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return nil, errPortNotAllowed
}

// urlPort is u's port, or its scheme's default.
func urlPort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "http" {
		return "80"
	}
	return "443"
}

// admits reports whether an entry names host (lower-cased, an IP literal
// in its canonical form) and, if it has one, port.
func admits(entries []allowEntry, host, port string) bool {
	for _, e := range entries {
		if e.host == host && (e.port == "" || e.port == port) {
			return true
		}
	}
	return false
}
