package vault

import "github.com/tokenvault/vault/sandbox"

// WithReactorCacheSizeForTest sets how many compiled programs the vault's
// sandbox keeps, so that benchmarks can measure invocations that compile.
func WithReactorCacheSizeForTest(n int) Option { return func(c *config) { c.reactors.cacheSize = n } }

// ReactorHostForTest is the req.bt host of a reactor acting as the host of
// the default tenant.
func ReactorHostForTest(v *Vault) sandbox.Host {
	return &reactorHost{v: v, p: Principal{TenantID: v.defaultTenant, host: true}}
}
