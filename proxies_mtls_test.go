package vault_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokenvault/vault"
	"github.com/tokenvault/vault/storage/memory"
)

// clientCertPEM returns a CA pool and the PEM of a client certificate the
// CA signed, with its private key.
func clientCertPEM(t *testing.T) (*x509.CertPool, string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "vault client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return pool, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
}

// TestProxyClientCertificate has a destination that requires a client
// certificate: the proxy that holds one gets through, one without is
// refused at the handshake; reads show the chain, never the key, which is
// sealed at rest; a PUT that echoes the chain keeps the pair.
func TestProxyClientCertificate(t *testing.T) {
	pool, certPEM := clientCertPEM(t)
	dest, opts := newDestination(t, func(s *httptest.Server) {
		s.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	})
	store := memory.New()
	v, err := vault.Open("", append(opts, vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0))...)
	require.NoError(t, err)
	defer v.Close()
	ctx := proxyCaller(t, v)

	with := mustCreateProxy(t, v, vault.CreateProxyRequest{ClientCertificate: vault.NewSecret(certPEM)})
	without := mustCreateProxy(t, v, vault.CreateProxyRequest{})
	resp, err := v.Proxy(ctx, vault.ProxyRequest{Key: with.Key, Method: http.MethodGet})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 1, dest.count())
	_, err = v.Proxy(ctx, vault.ProxyRequest{Key: without.Key, Method: http.MethodGet})
	assert.Equal(t, vault.KindUnavailable, vault.KindOf(err))

	got, err := v.GetProxy(t.Context(), with.ID)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(got.ClientCertificate, "-----BEGIN CERTIFICATE-----"))
	assert.NotContains(t, got.ClientCertificate, "PRIVATE KEY")
	keyBlock := certPEM[strings.Index(certPEM, "-----BEGIN PRIVATE KEY-----"):]
	keyBody := strings.Split(keyBlock, "\n")[1]
	assert.NotContains(t, string(dumpAll(t, store)), keyBody, "the private key is sealed")

	_, err = v.UpdateProxy(t.Context(), with.ID, vault.UpdateProxyRequest{Name: "renamed", DestinationURL: got.DestinationURL,
		ClientCertificate: vault.NewSecret(got.ClientCertificate)})
	require.NoError(t, err)
	_, err = v.Proxy(ctx, vault.ProxyRequest{Key: with.Key, Method: http.MethodGet})
	require.NoError(t, err, "the chain alone keeps the stored pair")
	_, err = v.UpdateProxy(t.Context(), without.ID, vault.UpdateProxyRequest{Name: "x", DestinationURL: got.DestinationURL,
		ClientCertificate: vault.NewSecret(got.ClientCertificate)})
	assert.Equal(t, vault.KindInvalid, vault.KindOf(err), "a chain without its key is refused where no pair is stored")

	_, err = v.PatchProxy(t.Context(), with.ID, []byte(`{"client_certificate": null}`))
	require.NoError(t, err)
	_, err = v.Proxy(ctx, vault.ProxyRequest{Key: with.Key, Method: http.MethodGet})
	assert.Equal(t, vault.KindUnavailable, vault.KindOf(err), "a patch to null removes the certificate")
}

// TestDeleteTenantPurgesProxies deletes a tenant with a proxy: its key
// stops working at once, and the sweep leaves no record of it, its key
// hash included.
func TestDeleteTenantPurgesProxies(t *testing.T) {
	store := memory.New()
	v, err := vault.Open("", vault.WithStore(store), vault.WithKeyProvider(testProvider(t)), vault.WithSweepInterval(0),
		vault.WithProxyHosts(destHost))
	require.NoError(t, err)
	defer v.Close()
	ctx := t.Context()
	tenant, _, err := v.CreateTenant(ctx, vault.CreateTenantRequest{Name: "doomed"})
	require.NoError(t, err)
	asB := vault.AsHost(ctx, tenant.ID)
	noAuth := false
	p, err := v.CreateProxy(asB, vault.CreateProxyRequest{Name: "p", DestinationURL: "https://" + destHost, RequireAuth: &noAuth,
		Configuration: vault.Secrets{"K": "v"}})
	require.NoError(t, err)
	require.NoError(t, v.DeleteTenant(ctx, tenant.ID))
	_, err = v.Proxy(vault.WithAnonymous(ctx), vault.ProxyRequest{Key: p.Key, Method: http.MethodGet})
	assert.Contains(t, []vault.Kind{vault.KindNotFound, vault.KindUnauthenticated}, vault.KindOf(err), "%v", err)
	_, err = vault.SweepForTest(ctx, v)
	require.NoError(t, err)
	require.NoError(t, store.ForEach(func(bucket string, k, _ []byte) error {
		if strings.HasPrefix(bucket, "proxies") || strings.HasPrefix(bucket, "proxykeys") {
			t.Errorf("bucket %s still holds a record of the deleted tenant", bucket)
		}
		return nil
	}))
}
