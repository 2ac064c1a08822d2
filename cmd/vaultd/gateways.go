package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/gateway"
	"github.com/tokenvault/vault/gateway/stripe"
)

// The gateways' endpoints. Stripe's is api.stripe.com unless
// --stripe-base-url names another (stripe-mock, an egress proxy). Such an
// endpoint is held to the rules of every outbound request of vaultd: https,
// and no loopback, private or other non-public address (checked on the
// address each connection dials, so DNS cannot bypass it), unless
// --allow-host names its host (and port), which then admits plain http and
// any address.

// gatewayDialTimeout bounds the connection to a gateway.
const gatewayDialTimeout = 10 * time.Second

// errGatewayDestination is a gateway connection the rules refuse.
var errGatewayDestination = errors.New("gateway destination refused: not a public address, and not in --allow-host")

// gatewayOptions returns the vault options of --stripe-base-url.
func gatewayOptions(stripeBaseURL string, allow *allowList) ([]vault.Option, error) {
	if stripeBaseURL == "" {
		return nil, nil
	}
	a, err := stripeAdapter(stripeBaseURL, allow.entries)
	if err != nil {
		return nil, err
	}
	return []vault.Option{vault.WithGatewayAdapter(a)}, nil
}

// stripeAdapter is the Stripe adapter sending to raw, under the rules above.
func stripeAdapter(raw string, entries []allowEntry) (gateway.Adapter, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, errors.New("--stripe-base-url: want an absolute http or https URL, without user info, query or fragment")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip := net.ParseIP(host); ip != nil {
		host = ip.String()
	}
	allowed := admits(entries, host, urlPort(u))
	if u.Scheme == "http" && !allowed {
		return nil, fmt.Errorf("--stripe-base-url: plain http is only for a host --allow-host names (%s is not)", net.JoinHostPort(host, urlPort(u)))
	}
	dialer := &net.Dialer{Timeout: gatewayDialTimeout}
	if !allowed {
		dialer.Control = refuseNonPublic
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // the endpoint is the destination: no environment proxy in between
	tr.DialContext = dialer.DialContext
	return stripe.New(stripe.WithBaseURL(u.String()), stripe.WithHTTPClient(&http.Client{Transport: tr})), nil
}

// refuseNonPublic is the dialer's Control: it runs on the resolved address
// of every connection attempt.
func refuseNonPublic(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !vault.PublicAddress(ap.Addr()) {
		return errGatewayDestination
	}
	return nil
}
