package vault

import (
	"net"
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
