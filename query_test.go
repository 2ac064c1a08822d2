package vault

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var queryCases = []struct {
	in   string
	want string // canonical form; "" means a syntax error is expected
}{
	{`data:6789`, `data:"6789"`},
	{`data:"two words"`, `data:"two words"`},
	{`container:"/pci/" data:6789`, `(container:"/pci/" AND data:"6789")`},
	{`container:/pci/ AND data:6789`, `(container:"/pci/" AND data:"6789")`},
	{`type:card OR type:bank`, `(type:"card" OR type:"bank")`},
	{`(type:card OR type:bank) AND metadata.user:42`, `((type:"card" OR type:"bank") AND metadata.user:"42")`},
	{`metadata.name:Jo*`, `metadata.name:Jo*`},
	{`id:abc*`, `id:abc*`},
	{`fingerprint:AKCUXS83DokKo4pDRKSAy4d42t9i8dcP1X2jijwEBCQH`, `fingerprint:"AKCUXS83DokKo4pDRKSAy4d42t9i8dcP1X2jijwEBCQH"`},
	{`data:"quote \" and backslash \\"`, `data:"quote \" and backslash \\"`},
	{`metadata.a:b:c`, `metadata.a:"b:c"`},
	{`  type:card  `, `type:"card"`},
	{`type:card ORtype:bank`, ``},
	{`ORDER:1`, ``},
	{`data:`, ``},
	{`data: 1`, ``},
	{`data:12*`, ``},
	{`type:card*`, ``},
	{`unknown:1`, ``},
	{`metadata.:1`, ``},
	{`(type:card`, ``},
	{`type:card)`, ``},
	{`data:"unterminated`, ``},
	{`data:"ends\`, ``},
	{`type:card OR`, ``},
	{`AND type:card`, ``},
	{`justaword`, ``},
}

func TestParseQuery(t *testing.T) {
	for _, tc := range queryCases {
		t.Run(tc.in, func(t *testing.T) {
			n, err := parseQuery(tc.in)
			if tc.want == "" {
				var se *querySyntaxError
				require.ErrorAs(t, err, &se)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, n.String())
			again, err := parseQuery(n.String())
			require.NoError(t, err, "canonical form parses")
			assert.Equal(t, n.String(), again.String(), "round trip")
		})
	}
}

func TestParseQueryEmptyMatchesAll(t *testing.T) {
	n, err := parseQuery("   ")
	require.NoError(t, err)
	b, err := n.dnf()
	require.NoError(t, err)
	assert.Equal(t, [][]queryTerm{{}}, b)
}

func TestQueryDNF(t *testing.T) {
	n, err := parseQuery(`(type:card OR type:bank) AND (metadata.a:1 OR metadata.b:2)`)
	require.NoError(t, err)
	b, err := n.dnf()
	require.NoError(t, err)
	assert.Len(t, b, 4)
	for _, branch := range b {
		assert.Len(t, branch, 2)
	}
}

func TestQueryLimits(t *testing.T) {
	long := ""
	for i := 0; i < maxQueryTerms+1; i++ {
		long += "type:card "
	}
	_, err := parseQuery(long)
	assert.Error(t, err, "too many terms")

	deep := ""
	for i := 0; i < maxQueryDepth+1; i++ {
		deep += "("
	}
	deep += "type:card"
	for i := 0; i < maxQueryDepth+1; i++ {
		deep += ")"
	}
	_, err = parseQuery(deep)
	assert.Error(t, err, "too deep")

	blowup := "(type:a OR type:b) (type:a OR type:b) (type:a OR type:b) (type:a OR type:b) (type:a OR type:b) (type:a OR type:b)"
	n, err := parseQuery(blowup)
	require.NoError(t, err)
	_, err = n.dnf()
	assert.Error(t, err, "2^6 branches exceed the cap")
}

func TestQueryErrorsDoNotEchoValues(t *testing.T) {
	_, err := parseQuery(`data:"123-45-6789`)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "6789")
}

func FuzzParseQuery(f *testing.F) {
	for _, tc := range queryCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		n, err := parseQuery(in)
		if err != nil {
			if _, ok := err.(*querySyntaxError); !ok {
				t.Fatalf("untyped error %T", err)
			}
			return
		}
		canon := n.String()
		again, err := parseQuery(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, in, err)
		}
		if again.String() != canon {
			t.Fatalf("round trip changed %q to %q", canon, again.String())
		}
		_, _ = n.dnf()
	})
}
