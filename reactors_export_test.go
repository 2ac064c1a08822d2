package vault

// WithReactorCacheSizeForTest sets how many compiled programs the vault's
// sandbox keeps, so that benchmarks can measure invocations that compile.
func WithReactorCacheSizeForTest(n int) Option { return func(c *config) { c.reactors.cacheSize = n } }
