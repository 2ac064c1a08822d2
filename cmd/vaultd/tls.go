package main

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// tlsFlags are serve's TLS flags.
type tlsFlags struct {
	cert, key *string
}

// tls defines the TLS flags.
func (f *flags) tls() tlsFlags {
	return tlsFlags{
		cert: f.string("tls-cert", "VAULT_TLS_CERT", "", "serve HTTPS with this PEM certificate (chain) file; needs --tls-key"),
		key:  f.string("tls-key", "VAULT_TLS_KEY", "", "the PEM private key file of --tls-cert"),
	}
}

// config returns the server's TLS configuration, nil when TLS is off: TLS
// 1.2 at least, Go's default cipher suites (all AEAD with forward secrecy
// for 1.2), the certificate loaded once at start.
func (t tlsFlags) config() (*tls.Config, error) {
	if *t.cert == "" && *t.key == "" {
		return nil, nil
	}
	if *t.cert == "" || *t.key == "" {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	cert, err := tls.LoadX509KeyPair(*t.cert, *t.key)
	if err != nil {
		// The error names the files' problem, never the key's bytes.
		return nil, fmt.Errorf("loading the TLS certificate and key: %w", err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}
