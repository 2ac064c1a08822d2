package httpapi_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tokenvault/vault/httpapi"
)

// observed records what a RequestObserver was told.
type observed struct {
	mu   sync.Mutex
	seen []string
}

func (o *observed) ObserveRequest(route string, status int, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, route+" "+http.StatusText(status))
}

// TestRequestObserver: the observer gets the route pattern and the status
// of each request, never its path; an unmatched request has no route.
func TestRequestObserver(t *testing.T) {
	o := &observed{}
	f := newFixture(t, nil, httpapi.WithRequestObserver(o))
	f.do(t, "GET", "/tokens/secret-id-in-path", key("private"), "")
	f.do(t, "GET", "/tokens", nil, "")
	f.do(t, "GET", "/no/such/route/4242424242424242", nil, "")
	o.mu.Lock()
	defer o.mu.Unlock()
	assert.Equal(t, []string{"GET /tokens/{id} Not Found", "GET /tokens Unauthorized", " Not Found"}, o.seen)
}
