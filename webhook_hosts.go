package vault

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// webhookHostKey is the allow-list entry of h: a host ("hooks.internal",
// "127.0.0.1", "::1"), which admits every port, or a host and port
// ("127.0.0.1:8080", "[::1]:8080"), which admits that port only.
func webhookHostKey(h string) string {
	if host, port, err := net.SplitHostPort(h); err == nil {
		return net.JoinHostPort(strings.ToLower(host), port)
	}
	return strings.ToLower(strings.Trim(h, "[]"))
}

// addHosts adds the allow-list entries of hosts to *list, making it.
func addHosts(list *map[string]bool, hosts []string) {
	if *list == nil {
		*list = map[string]bool{}
	}
	for _, h := range hosts {
		(*list)[webhookHostKey(h)] = true
	}
}

// checkOutbound validates what the host lent the outbound requests of
// what ("webhook", "proxy"): a client whose transport the vault clones,
// and an allow-list.
func checkOutbound(op, what string, client *http.Client, hosts map[string]bool) error {
	if client != nil && client.Transport != nil {
		if _, ok := client.Transport.(*http.Transport); !ok {
			return newError(KindInvalid, op, "the %s client's transport must be an *http.Transport", what)
		}
	}
	for h := range hosts {
		if h == "" {
			return newError(KindInvalid, op, "a %s host must not be empty", what)
		}
	}
	return nil
}

// webhookHostAllowed reports whether the allow-list admits host on port.
func webhookHostAllowed(hosts map[string]bool, host, port string) bool {
	host = strings.ToLower(host)
	return hosts[host] || hosts[net.JoinHostPort(host, port)]
}

// validPort reports whether a URL's port is absent or from 1 to 65535.
func validPort(port string) bool {
	if port == "" {
		return true
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// urlPort is the port of a URL: its own, or its scheme's.
func urlPort(scheme, port string) string {
	switch {
	case port != "":
		return port
	case scheme == "http":
		return "80"
	}
	return "443"
}

// checkOutboundURL returns why raw is refused as the destination of an
// outbound request (a webhook's, a proxy's), or "". With an allow-list
// (hosts not nil) it must name one of its hosts, over http or https;
// without, it must be https and not name a non-public address (a name is
// checked again on the address dialed), nor, when dnsOnly, any IP literal
// or localhost. A name with a trailing dot is the same host.
func checkOutboundURL(raw string, hosts map[string]bool, dnsOnly bool) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > maxWebhookURL {
		return fmt.Sprintf("must be at most %d characters", maxWebhookURL)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "":
		return "must be an absolute URL"
	case u.User != nil:
		return "must not carry user information"
	case u.Fragment != "" || u.RawFragment != "":
		return "must not carry a fragment"
	case !validPort(u.Port()):
		return "must have a port from 1 to 65535"
	}
	host := strings.ToLower(u.Hostname())
	if hosts != nil {
		if u.Scheme != "https" && u.Scheme != "http" {
			return "must be an http or https URL"
		}
		if !webhookHostAllowed(hosts, host, urlPort(u.Scheme, u.Port())) {
			return "must name a host the vault allows"
		}
		return ""
	}
	if u.Scheme != "https" {
		return "must be an https URL"
	}
	name := strings.TrimRight(host, ".")
	ip, err := netip.ParseAddr(name)
	switch {
	case err == nil && dnsOnly:
		return "must name a host by its DNS name, not an IP address"
	case err == nil && !publicAddr(ip):
		return "must not name a private, loopback, link-local or unspecified address"
	case dnsOnly && (!strings.Contains(name, ".") || strings.HasSuffix(name, ".localhost") || name == "localhost"):
		return "must name a public DNS host"
	}
	return ""
}
