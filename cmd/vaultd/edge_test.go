package main_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawConn is a client connection the test drives by hand. A goroutine reads
// whatever the server sends and notes when the server closes it.
type rawConn struct {
	net.Conn
	opened   time.Time
	closedAt atomic.Int64 // Unix nanoseconds; 0 while open
	done     chan struct{}
}

// dialRaw connects to addr and sends send.
func dialRaw(t *testing.T, addr, send string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	rc := &rawConn{Conn: c, opened: time.Now(), done: make(chan struct{})}
	t.Cleanup(func() {
		_ = c.Close()
		<-rc.done
	})
	if send != "" {
		_, err := io.WriteString(c, send)
		require.NoError(t, err)
	}
	go func() {
		defer close(rc.done)
		_, _ = io.Copy(io.Discard, c) // until the server closes it, or the cleanup does
		rc.closedAt.CompareAndSwap(0, time.Now().UnixNano())
	}()
	return rc
}

// dial connects to addr with a 10 s deadline on the whole exchange.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	return c
}

// openAt reports whether the server had not closed c at instant at.
func (c *rawConn) openAt(at time.Time) bool {
	n := c.closedAt.Load()
	return n == 0 || n > at.UnixNano()
}

// waitClosed waits until deadline for the server to close c and returns
// how long after it was opened that happened.
func (c *rawConn) waitClosed(t *testing.T, deadline time.Time) time.Duration {
	t.Helper()
	select {
	case <-c.done:
		return time.Unix(0, c.closedAt.Load()).Sub(c.opened)
	case <-time.After(time.Until(deadline)):
		t.Errorf("a slow connection was still open %s after it was opened", time.Since(c.opened).Round(time.Millisecond))
		return 0
	}
}

// Slow and incomplete requests, all without an API key, as in the finding:
// headers with a Content-Length of 1000 and 10 bytes of body, headers cut
// short, and nothing at all.
const (
	slowBody    = "POST /tokens HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"type\":\"t"
	slowHeaders = "POST /tokens HTTP/1.1\r\nHost: vault\r\nContent-Le"
)

// TestSlowClients: a client that is slow to send its request, or stops
// halfway, is closed when its time is up, whether or not it sent a key;
// connections still sending a request are capped, the oldest closed first;
// and a normal client is served all the while. A reactor slower than the
// body timeout still answers: the limits are on reading the request only.
func TestSlowClients(t *testing.T) {
	t.Run("timeouts", func(t *testing.T) {
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "bootstrap.key")
		p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile,
			"--read-header-timeout", "1s", "--read-body-timeout", "1s", "--idle-timeout", "30s")
		mgmt := readKey(t, keyFile)

		var slow []*rawConn
		for i := range 150 {
			switch i % 3 {
			case 0:
				slow = append(slow, dialRaw(t, p.addr, slowBody))
			case 1:
				slow = append(slow, dialRaw(t, p.addr, slowHeaders))
			default:
				slow = append(slow, dialRaw(t, p.addr, ""))
			}
		}
		start := time.Now()
		status, body := p.do(t, "GET", "/tenants/self", mgmt, "")
		require.Equal(t, http.StatusOK, status, "%s", body)
		assert.Less(t, time.Since(start), 5*time.Second, "a normal client is served while slow ones wait")

		var longest time.Duration
		deadline := time.Now().Add(15 * time.Second)
		for _, c := range slow {
			longest = max(longest, c.waitClosed(t, deadline))
		}
		t.Logf("150 slow connections closed, the last %s after it was opened", longest.Round(time.Millisecond))

		t.Run("a body sent in time is read", func(t *testing.T) {
			c := dial(t, p.addr)
			body := `{"name":"in time","type":"private","permissions":["token:read"]}`
			_, err := fmt.Fprintf(c, "POST /applications HTTP/1.1\r\nHost: vault\r\nBT-API-KEY: %s\r\nContent-Length: %d\r\n\r\n%s", mgmt, len(body), body[:10])
			require.NoError(t, err)
			time.Sleep(500 * time.Millisecond) // half the body timeout
			_, err = io.WriteString(c, body[10:])
			require.NoError(t, err)
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			require.NoError(t, err)
			defer res.Body.Close()
			assert.Equal(t, http.StatusCreated, res.StatusCode)
		})

		t.Run("a slow reactor is not cut short", func(t *testing.T) {
			status, body := p.do(t, "POST", "/reactors", mgmt, `{"name":"slow","code":"module.exports = async function (req) { const end = Date.now() + 2500; while (Date.now() < end) {} return { raw: { ok: true } }; };"}`)
			require.Equal(t, http.StatusCreated, status, "%s", body)
			var reactor struct{ ID string }
			require.NoError(t, json.Unmarshal(body, &reactor))
			status, body = p.do(t, "POST", "/applications", mgmt, `{"name":"invoker","type":"private","permissions":["reactor:invoke"]}`)
			require.Equal(t, http.StatusCreated, status, "%s", body)
			var app struct{ Key string }
			require.NoError(t, json.Unmarshal(body, &app))

			start := time.Now()
			status, body = p.do(t, "POST", "/reactors/"+reactor.ID+"/react", app.Key, `{"args":{"a":1}}`)
			require.Equal(t, http.StatusOK, status, "%s", body)
			assert.JSONEq(t, `{"raw":{"ok":true}}`, string(body))
			assert.GreaterOrEqual(t, time.Since(start), 2500*time.Millisecond, "the reactor ran its course")
		})
		require.Equal(t, 0, p.stop(t), "%s", p.stderr)
	})

	t.Run("cap on connections sending a request", func(t *testing.T) {
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "bootstrap.key")
		p := startServe(t, dir, nil, "--bootstrap-key-file", keyFile, "--max-pending-conns", "32",
			"--read-header-timeout", "1m", "--read-body-timeout", "1m")
		mgmt := readKey(t, keyFile)

		var slow []*rawConn
		for i := range 100 {
			if i%2 == 0 {
				slow = append(slow, dialRaw(t, p.addr, slowBody))
			} else {
				slow = append(slow, dialRaw(t, p.addr, ""))
			}
		}
		// The server has accepted them all once it answers a request sent
		// after them; the oldest beyond the cap were closed as they came.
		status, body := p.do(t, "GET", "/tenants/self", mgmt, "")
		require.Equal(t, http.StatusOK, status, "%s", body)
		deadline := time.Now().Add(10 * time.Second)
		for _, c := range slow[:100-32-1] { // the normal client's connection took one more place
			c.waitClosed(t, deadline)
		}
		now := time.Now()
		open := 0
		for _, c := range slow {
			if c.openAt(now) {
				open++
			}
		}
		assert.LessOrEqual(t, open, 32, "connections sending a request")
		assert.Positive(t, open, "the newest are left alone until their time is up")
		for _, c := range slow[100-32+1:] {
			assert.True(t, c.openAt(now), "the newest are left alone")
		}

		// Still served: each new client pushes out the oldest slow one.
		for range 10 {
			status, _ := p.do(t, "GET", "/tenants/self", mgmt, "")
			require.Equal(t, http.StatusOK, status)
			p.client.Transport.(*http.Transport).CloseIdleConnections()
		}
		assert.Contains(t, p.stderr.String(), "too many connections sending a request")
		require.Equal(t, 0, p.stop(t), "%s", p.stderr)
	})
}

// TestEdgeLimits: the header size limit is 431 and the body size limit 413,
// both set by flags, and bad edge flags are usage errors.
func TestEdgeLimits(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bootstrap.key")
	p := startServe(t, dir, []string{"VAULT_MAX_BODY_BYTES=2048"}, "--bootstrap-key-file", keyFile, "--max-header-bytes", "4096")
	mgmt := readKey(t, keyFile)

	c := dial(t, p.addr)
	_, err := io.WriteString(c, "GET /tenants/self HTTP/1.1\r\nHost: vault\r\nBT-API-KEY: "+mgmt+"\r\nX-Big: "+strings.Repeat("h", 16<<10)+"\r\n\r\n")
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, res.StatusCode)

	status, body := p.do(t, "POST", "/applications", mgmt, `{"name":"`+strings.Repeat("n", 4096)+`","type":"private"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, status, "%s", body)
	require.Equal(t, 0, p.stop(t))

	for _, args := range [][]string{
		{"--read-body-timeout", "-1s"}, {"--max-pending-conns", "-1"}, {"--max-body-bytes", "0"}, {"--max-header-bytes", "x"},
	} {
		code, _, stderr := runCmd(t, nil, append([]string{"serve", "--path", filepath.Join(dir, "v.db")}, args...)...)
		assert.Equal(t, 2, code, "%v: %s", args, stderr)
	}
	code, _, stderr := runCmd(t, []string{"VAULT_MAX_PENDING_CONNS=many"}, "serve", "--path", filepath.Join(dir, "v.db"))
	assert.Equal(t, 2, code, "%s", stderr)
}
