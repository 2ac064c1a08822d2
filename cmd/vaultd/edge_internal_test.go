package main

import (
	"log/slog"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// closeConn is a net.Conn that notes whether it was closed.
type closeConn struct {
	net.Conn
	closed bool
}

func (c *closeConn) Close() error { c.closed = true; return nil }

// TestGate: beyond its cap the gate closes the connections that have been
// sending a request longest; a connection done sending (its body read, or
// idle) no longer counts; a kept-alive connection counts again from its
// next request; at shutdown every one still sending is closed.
func TestGate(t *testing.T) {
	g := newGate(3, slog.New(slog.DiscardHandler))
	c := make([]*closeConn, 6)
	for i := range c {
		c[i] = &closeConn{}
	}
	closed := func() []bool {
		out := make([]bool, len(c))
		for i, x := range c {
			out[i] = x.closed
		}
		return out
	}
	g.connState(c[0], http.StateNew)
	g.connState(c[1], http.StateNew)
	g.connState(c[2], http.StateNew)
	g.connState(c[0], http.StateActive) // its headers are in: still sending, still the oldest
	g.delivered(c[1])                   // its body was read
	g.connState(c[3], http.StateNew)
	assert.Equal(t, []bool{false, false, false, false, false, false}, closed(), "three sending: c0, c2, c3")
	g.connState(c[4], http.StateNew)
	assert.Equal(t, []bool{true, false, false, false, false, false}, closed(), "the oldest goes")
	assert.False(t, g.delivered(c[0]), "a body that arrives as its connection is closed is refused")
	g.connState(c[0], http.StateClosed)

	g.connState(c[1], http.StateIdle)
	g.connState(c[1], http.StateActive) // a kept-alive connection's next request
	assert.Equal(t, []bool{true, false, true, false, false, false}, closed(), "c1 is now the newest")
	g.connState(c[3], http.StateClosed)
	g.connState(c[5], http.StateNew)
	assert.Equal(t, []bool{true, false, true, false, false, false}, closed(), "c3 closed on its own: room for c5")

	g.closePending()
	assert.Equal(t, []bool{true, true, true, false, true, true}, closed(), "at shutdown")
	assert.False(t, g.delivered(c[5]))
	for _, x := range c {
		g.connState(x, http.StateClosed)
	}
	assert.Empty(t, g.pending, "nothing is kept for closed connections")
	assert.Zero(t, g.order.Len())
}
