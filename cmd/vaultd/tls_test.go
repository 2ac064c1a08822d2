package main_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// selfSigned writes a certificate for 127.0.0.1 and its key into dir and
// returns their paths and a pool trusting the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vaultd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLS serves HTTPS with --tls-cert/--tls-key: TLS 1.2 and 1.3 clients
// are served, a TLS 1.1 client is refused at the handshake, and plain HTTP
// gets no answer from the vault. Half a pair or an unreadable file is a
// usage error.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	p := startServe(t, dir, nil, "--tls-cert", certFile, "--tls-key", keyFile)
	get := func(minV, maxV uint16) (*http.Response, error) {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: minV, MaxVersion: maxV}}}
		return c.Get("https://" + p.addr + "/healthz")
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		res, err := get(v, v)
		require.NoError(t, err, tls.VersionName(v))
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, v, res.TLS.Version)
		_ = res.Body.Close()
	}
	_, err := get(tls.VersionTLS10, tls.VersionTLS11)
	require.Error(t, err, "TLS 1.1 is refused")
	assert.Contains(t, err.Error(), "protocol version", "by the server, at the handshake")
	res, err := http.Get("http://" + p.addr + "/healthz")
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "plain HTTP to the HTTPS port")
	_ = res.Body.Close()
	require.Equal(t, 0, p.stop(t))

	for name, args := range map[string][]string{
		"cert alone":   {"--tls-cert", certFile},
		"key alone":    {"--tls-key", keyFile},
		"missing file": {"--tls-cert", filepath.Join(dir, "nope.pem"), "--tls-key", keyFile},
		"swapped":      {"--tls-cert", keyFile, "--tls-key", certFile},
	} {
		code, _, stderr := runCmd(t, nil, append([]string{"serve", "--addr", "127.0.0.1:0", "--path", filepath.Join(dir, "v2.db")}, args...)...)
		assert.Equal(t, 2, code, "%s: %s", name, stderr)
		assert.NoFileExists(t, filepath.Join(dir, "v2.db"), name)
	}
}
