package vault

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"iter"
	"slices"
	"strings"

	"github.com/tokenvault/vault/internal/keyenc"
	"github.com/tokenvault/vault/keys"
	"github.com/tokenvault/vault/storage"
)

// ListTokensRequest lists tokens, optionally filtered. All filters must
// match (AND); metadata matches exactly and case-sensitively; Container
// matches the container and every container below it.
type ListTokensRequest struct {
	Type        string            `json:"type,omitempty"`
	Container   string            `json:"container,omitempty"`
	Fingerprint string            `json:"fingerprint,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	// Start is the cursor of the page to return (Pagination.Next of the
	// previous page); empty for the first page.
	Start string `json:"start,omitempty"`
	// Size is the page size: 1 to 100, default 20.
	Size int `json:"size,omitempty"`
}

// SearchTokensRequest searches tokens with a query in the search language
// (see the package documentation, "Search").
type SearchTokensRequest struct {
	Query string `json:"query"`
	Start string `json:"start,omitempty"`
	Size  int    `json:"size,omitempty"`
}

// ListTokens returns one page of the tokens the caller may read, ordered by
// container and then newest first (by type and newest first when filtering by
// type; by id when filtering by fingerprint or metadata). Tokens the caller may not read are left out silently. A page
// may hold fewer than Size tokens while more follow: keep following
// Pagination.Next until it is empty.
func (v *Vault) ListTokens(ctx context.Context, req ListTokensRequest) (*Page[*Token], error) {
	const op = "ListTokens"
	fe := fieldErrors{}
	checkPageSize(fe, req.Size)
	var terms []queryTerm
	if req.Type != "" {
		terms = append(terms, queryTerm{field: fieldType, value: req.Type})
	}
	if req.Container != "" {
		terms = append(terms, queryTerm{field: fieldContainer, value: req.Container})
	}
	if req.Fingerprint != "" {
		terms = append(terms, queryTerm{field: fieldFingerprint, value: req.Fingerprint})
	}
	for _, k := range sortedKeys(req.Metadata) {
		terms = append(terms, queryTerm{field: fieldMetadata, key: k, value: req.Metadata[k]})
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}
	return v.searchTokens(ctx, op, PermTokenRead, [][]queryTerm{terms}, req.Start, req.Size)
}

// AllTokens walks every page of ListTokens, from req.Start.
func (v *Vault) AllTokens(ctx context.Context, req ListTokensRequest) iter.Seq2[*Token, error] {
	return walk(ctx, req.Start, func(ctx context.Context, cursor string) (*Page[*Token], error) {
		r := req
		r.Start = cursor
		return v.ListTokens(ctx, r)
	})
}

// SearchTokens returns one page of the tokens matching the query that the
// caller may search (token:search), shaped by the caller's transform. Tokens
// the caller may not search are left out silently. An invalid query is
// KindInvalid with the field path "query". A page may hold fewer than Size
// tokens while more follow: keep following Pagination.Next until it is
// empty.
func (v *Vault) SearchTokens(ctx context.Context, req SearchTokensRequest) (*Page[*Token], error) {
	const op = "SearchTokens"
	fe := fieldErrors{}
	checkPageSize(fe, req.Size)
	q, err := parseQuery(req.Query)
	if err != nil {
		fe.add("query", "%s", err.Error())
	}
	if err := fe.err(op); err != nil {
		return nil, err
	}
	branches, err := q.dnf()
	if err != nil {
		return nil, invalidField(op, "query", "%s", err.Error())
	}
	return v.searchTokens(ctx, op, PermTokenSearch, branches, req.Start, req.Size)
}

// AllSearchTokens walks every page of SearchTokens, from req.Start.
func (v *Vault) AllSearchTokens(ctx context.Context, req SearchTokensRequest) iter.Seq2[*Token, error] {
	return walk(ctx, req.Start, func(ctx context.Context, cursor string) (*Page[*Token], error) {
		r := req
		r.Start = cursor
		return v.SearchTokens(ctx, r)
	})
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// maxScanPerPage bounds the index entries one page request visits, so that a
// query whose matches are mostly invisible to the caller still answers
// quickly; the page then comes back short, with a cursor to continue. A
// variable only so that tests can lower it.
var maxScanPerPage = 10_000

// A cursor is base64url of a kind byte and a position: 'k' and the last index
// entry key visited (one OR branch), 'i' and the last token id returned
// (several branches, merged in id order), or 's' and the last staged token
// returned (in a transaction, whose changes come first).
const (
	cursorKey    = 'k'
	cursorID     = 'i'
	cursorStaged = 's' // the last staged token returned, in a transaction
)

func encodeCursor(kind byte, pos []byte) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte{kind}, pos...))
}

func decodeCursor(s string) (kind byte, pos []byte, ok bool) {
	if s == "" {
		return 0, nil, true
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2 || (b[0] != cursorKey && b[0] != cursorID && b[0] != cursorStaged) {
		return 0, nil, false
	}
	return b[0], b[1:], true
}

// driver is how one OR branch finds candidate tokens: the entries of an
// index under a term prefix, or the tokens table itself.
type driver struct {
	ix      *index[tokenRecord] // nil: the tokens table, in id order
	prefix  []byte              // term prefix within the index (or id prefix in the table)
	idOrder bool                // entries come in token id order
	single  string              // an exact id: at most one candidate
}

// pickDriver chooses the most selective index for a branch of ANDed terms.
func pickDriver(tk *keys.TenantKeys, terms []queryTerm) driver {
	rank := func(t queryTerm) int {
		switch {
		case t.field == fieldID && !t.prefix:
			return 0
		case t.field == fieldData:
			return 1
		case t.field == fieldFingerprint:
			return 2
		case t.field == fieldMetadata && !t.prefix:
			return 3
		case t.field == fieldID:
			return 4
		case t.field == fieldType:
			return 5
		case t.field == fieldMetadata:
			return 6
		case t.field == fieldContainer:
			return 7
		}
		return 9
	}
	if len(terms) == 0 {
		return driver{ix: tokenByContainer}
	}
	best := slices.MinFunc(terms, func(a, b queryTerm) int { return rank(a) - rank(b) })
	switch {
	case best.field == fieldID && !best.prefix:
		return driver{single: best.value, idOrder: true}
	case best.field == fieldData:
		return driver{ix: tokenBySearchTerm, prefix: searchTerm(tk, best.value), idOrder: true}
	case best.field == fieldFingerprint:
		return driver{ix: tokenByFingerprint, prefix: keyenc.AppendString(nil, best.value), idOrder: true}
	case best.field == fieldMetadata && !best.prefix:
		return driver{ix: tokenByMetadata, prefix: keyenc.AppendString(keyenc.AppendString(nil, best.key), best.value), idOrder: true}
	case best.field == fieldID:
		return driver{prefix: escapedPrefix(best.value), idOrder: true}
	case best.field == fieldType:
		return driver{ix: tokenByType, prefix: keyenc.AppendString(nil, best.value)}
	case best.field == fieldMetadata:
		return driver{ix: tokenByMetadata, prefix: append(keyenc.AppendString(nil, best.key), escapedPrefix(best.value)...)}
	default:
		c, _ := containerPrefix(best.value)
		return driver{ix: tokenByContainer, prefix: escapedPrefix(c)}
	}
}

// escapedPrefix encodes s as keyenc does but without the terminator, so that
// it is a prefix of the encoding of every string that starts with s.
func escapedPrefix(s string) []byte {
	enc := keyenc.AppendString(nil, s)
	return enc[:len(enc)-2]
}

// containerPrefix normalises a container term: lower case, with the slashes
// around it that a container has.
func containerPrefix(c string) (string, bool) {
	c = strings.ToLower(c)
	if !strings.HasPrefix(c, "/") {
		c = "/" + c
	}
	if !strings.HasSuffix(c, "/") {
		c += "/"
	}
	n, ok := normalizeContainer(c)
	return n, ok
}

// matchTerm evaluates one term on a stored token.
func matchTerm(tk *keys.TenantKeys, rec *tokenRecord, t queryTerm) bool {
	switch t.field {
	case fieldID:
		if t.prefix {
			return strings.HasPrefix(rec.ID, t.value)
		}
		return rec.ID == t.value
	case fieldType:
		return rec.Type == t.value
	case fieldFingerprint:
		return rec.Fingerprint != "" && rec.Fingerprint == t.value
	case fieldData:
		return containsTerm(rec.SearchTerms, searchTerm(tk, t.value))
	case fieldMetadata:
		v, ok := rec.Metadata[t.key]
		if t.prefix {
			return ok && strings.HasPrefix(v, t.value)
		}
		return ok && v == t.value
	case fieldContainer:
		c, ok := containerPrefix(t.value)
		if !ok {
			return false
		}
		for _, have := range rec.Containers {
			if strings.HasPrefix(have, c) {
				return true
			}
		}
	}
	return false
}

func matchAll(tk *keys.TenantKeys, rec *tokenRecord, terms []queryTerm) bool {
	for _, t := range terms {
		if !matchTerm(tk, rec, t) {
			return false
		}
	}
	return true
}

// listedContainer is the one container under which a token is listed when a
// container index is scanned: the first of its containers that the branch's
// container terms accept. A token with several containers is then returned
// once.
func listedContainer(tk *keys.TenantKeys, rec *tokenRecord, terms []queryTerm) string {
	for _, c := range rec.Containers {
		ok := true
		for _, t := range terms {
			if t.field == fieldContainer {
				if p, valid := containerPrefix(t.value); !valid || !strings.HasPrefix(c, p) {
					ok = false
					break
				}
			}
		}
		if ok {
			return c
		}
	}
	return ""
}

type searchHit struct {
	rec *tokenRecord
	tf  transform
}

// searchTokens runs the branches (ORed lists of ANDed terms) and shapes one
// page of results for the caller.
func (v *Vault) searchTokens(ctx context.Context, op, perm string, branches [][]queryTerm, start string, size int) (*Page[*Token], error) {
	p := v.principal(ctx)
	size = pageSize(size)
	kind, pos, ok := decodeCursor(start)
	if !ok {
		return nil, invalidField(op, "start", "is not a cursor returned by this vault")
	}
	for _, b := range branches {
		for _, t := range b {
			if t.field == fieldContainer {
				if _, ok := containerPrefix(t.value); !ok {
					return nil, invalidField(op, "query", "a container must be a path like /pci/high/")
				}
			}
		}
	}
	tk, _, err := v.tenantContext(ctx, p.TenantID)
	if err != nil {
		return nil, wrapErr(op, err)
	}
	var hits []searchHit
	var next string
	err = v.view(ctx, op, func(tx storage.Tx) error {
		hits, next = nil, ""
		w, err := v.tokenView(tx, op, p, TransactionFrom(ctx))
		if err != nil {
			return err
		}
		// In a transaction, the tokens it changed are served from its staged
		// state, ahead of the committed results, which skip them.
		var staged []stagedToken
		if w.txn != nil {
			if staged, err = stagedOf(tx, p.TenantID, w.txn.ID); err != nil {
				return err
			}
		}
		changed := make(map[string]bool, len(staged))
		for _, s := range staged {
			changed[s.Token] = true
		}
		visible := func(rec *tokenRecord) (transform, bool) {
			if rec.expired(v.now()) || changed[rec.ID] {
				return 0, false
			}
			tf, err := v.authorizeToken(op, p, perm, rec.ID, rec.Containers)
			return tf, err == nil
		}
		if w.txn != nil && (kind == 0 || kind == cursorStaged) {
			slices.SortFunc(staged, func(a, b stagedToken) int { return strings.Compare(a.Token, b.Token) })
			for _, s := range staged {
				if s.Deleted || kind == cursorStaged && s.Token <= string(pos) || s.Record.expired(v.now()) {
					continue
				}
				if !slices.ContainsFunc(branches, func(b []queryTerm) bool { return matchAll(tk, s.Record, b) }) {
					continue
				}
				tf, err := v.authorizeToken(op, p, perm, s.Token, s.Record.Containers)
				if err != nil {
					continue
				}
				if len(hits) == size {
					next = encodeCursor(cursorStaged, []byte(hits[len(hits)-1].rec.ID))
					return nil
				}
				hits = append(hits, searchHit{s.Record, tf})
			}
			kind, pos = 0, nil // the committed results follow from their start
			if len(hits) == size {
				next = encodeCursor(cursorStaged, []byte(hits[len(hits)-1].rec.ID))
				return nil
			}
		}
		rest := size - len(hits)
		var more []searchHit
		if len(branches) == 1 {
			if kind == cursorID || kind == cursorStaged {
				return invalidField(op, "start", "is not a cursor of this query")
			}
			more, next, err = v.scanBranch(tx, p.TenantID, tk, branches[0], pos, rest, visible)
		} else {
			if kind == cursorKey || kind == cursorStaged {
				return invalidField(op, "start", "is not a cursor of this query")
			}
			more, next, err = v.scanBranches(tx, p.TenantID, tk, branches, string(pos), pos != nil, rest, visible)
		}
		hits = append(hits, more...)
		return err
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	page := &Page[*Token]{Data: make([]*Token, 0, len(hits)), Pagination: Pagination{PageSize: size, Next: next}}
	limits := pageMaskLimits(len(hits))
	for _, h := range hits {
		tok, err := v.shapeToken(ctx, p.TenantID, tk, h.rec, h.tf, nil, "", limits)
		if err != nil {
			return nil, wrapErr(op, err)
		}
		page.Data = append(page.Data, tok)
	}
	for _, h := range hits {
		v.auditRead(ctx, h.rec, AuditRead, msgTokenSearched)
	}
	return page, nil
}

// scanBranch streams the driver of one branch from after the cursor key and
// keeps what matches, until the page is full or the scan budget is spent.
func (v *Vault) scanBranch(tx storage.Tx, tenant string, tk *keys.TenantKeys, terms []queryTerm, after []byte, size int,
	visible func(*tokenRecord) (transform, bool)) ([]searchHit, string, error) {
	d := pickDriver(tk, terms)
	var hits []searchHit
	var last []byte
	scanned := 0
	more := false
	consider := func(rec *tokenRecord, key []byte) error {
		if len(hits) == size {
			more = true
			return storage.StopScan
		}
		last = append(last[:0], key...)
		scanned++
		if matchAll(tk, rec, terms) {
			if tf, ok := visible(rec); ok {
				hits = append(hits, searchHit{rec, tf})
			}
		}
		if scanned >= maxScanPerPage {
			more = true
			return storage.StopScan
		}
		return nil
	}
	var err error
	switch {
	case d.single != "":
		if after == nil {
			rec, gerr := tokenTable.get(tx, tenant, d.single)
			if gerr == nil {
				err = consider(rec, []byte(d.single))
			} else if !errors.Is(gerr, errRecordNotFound) {
				err = gerr
			}
		}
	case d.ix == nil:
		opts := storage.ScanOptions{Prefix: append(tenantPrefix(tenant), d.prefix...)}
		if after != nil {
			opts.Start = append(bytes.Clone(after), 0)
		}
		err = tx.Scan(tokenTable.bucket, opts, func(k, val []byte) error {
			rec, err := tokenTable.decode(val)
			if err != nil {
				return err
			}
			return consider(rec, k)
		})
	default:
		err = d.ix.scan(tx, tenant, d.prefix, after, false, func(id string, key []byte) error {
			rec, err := tokenTable.get(tx, tenant, id)
			if errors.Is(err, errRecordNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			if d.ix == tokenByContainer && entryContainer(key, tenant) != listedContainer(tk, rec, terms) {
				return nil // listed under another of its containers
			}
			return consider(rec, key)
		})
	}
	if err == storage.StopScan {
		err = nil
	}
	if err != nil {
		return nil, "", err
	}
	if !more {
		return hits, "", nil
	}
	return hits, encodeCursor(cursorKey, last), nil
}

// entryContainer decodes the container of a tokens.container entry key.
func entryContainer(key []byte, tenant string) string {
	rest := key[len(tenantPrefix(tenant)):]
	c, _, err := keyenc.String(rest)
	if err != nil {
		return ""
	}
	return c
}

// scanBranches runs several OR branches and merges them in token id order.
// Each branch contributes its first size matches after the cursor id; the
// page is the first size ids of their union. When a branch has no index in id
// order, the tokens table is scanned in id order instead (token records, not
// decrypted data).
func (v *Vault) scanBranches(tx storage.Tx, tenant string, tk *keys.TenantKeys, branches [][]queryTerm, afterID string, hasAfter bool, size int,
	visible func(*tokenRecord) (transform, bool)) ([]searchHit, string, error) {
	drivers := make([]driver, len(branches))
	indexed := true
	for i, b := range branches {
		drivers[i] = pickDriver(tk, b)
		if !drivers[i].idOrder {
			indexed = false
		}
	}
	found := map[string]searchHit{}
	// When a driver spends its scan budget, ids above the last one it
	// visited are unknown for this page: limit is the highest id the page
	// may hold, and the next page resumes after it.
	limit, limited := "", false
	matchesAny := func(rec *tokenRecord) bool {
		for _, b := range branches {
			if matchAll(tk, rec, b) {
				return true
			}
		}
		return false
	}
	if !indexed {
		drivers = []driver{{idOrder: true}}
	}
	for _, d := range drivers {
		n, scanned, lastID := 0, 0, ""
		consider := func(rec *tokenRecord) error {
			if hasAfter && rec.ID <= afterID {
				return nil
			}
			if scanned++; scanned > maxScanPerPage {
				if !limited || lastID < limit {
					limit, limited = lastID, true
				}
				return storage.StopScan
			}
			lastID = rec.ID
			if !matchesAny(rec) {
				return nil
			}
			if tf, ok := visible(rec); ok {
				found[rec.ID] = searchHit{rec, tf}
				if n++; n > size {
					return storage.StopScan
				}
			}
			return nil
		}
		var err error
		switch {
		case d.single != "":
			rec, gerr := tokenTable.get(tx, tenant, d.single)
			if gerr == nil {
				err = consider(rec)
			} else if !errors.Is(gerr, errRecordNotFound) {
				err = gerr
			}
		case d.ix == nil:
			opts := storage.ScanOptions{Prefix: append(tenantPrefix(tenant), d.prefix...)}
			if hasAfter {
				opts.Start = append(tokenTable.key(tenant, afterID), 0)
			}
			err = tx.Scan(tokenTable.bucket, opts, func(_, val []byte) error {
				rec, err := tokenTable.decode(val)
				if err != nil {
					return err
				}
				return consider(rec)
			})
		default:
			var after []byte
			if hasAfter {
				after = keyenc.AppendString(append(tenantPrefix(tenant), d.prefix...), afterID)
				after = append(after, 0xff, 0xff, 0xff)
			}
			err = d.ix.scan(tx, tenant, d.prefix, after, false, func(id string, _ []byte) error {
				rec, err := tokenTable.get(tx, tenant, id)
				if errors.Is(err, errRecordNotFound) {
					return nil
				}
				if err != nil {
					return err
				}
				return consider(rec)
			})
		}
		if err != nil && err != storage.StopScan {
			return nil, "", err
		}
	}
	ids := make([]string, 0, len(found))
	for id := range found {
		if !limited || id <= limit {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	more := len(ids) > size
	if more {
		ids = ids[:size]
	}
	hits := make([]searchHit, len(ids))
	for i, id := range ids {
		hits[i] = found[id]
	}
	switch {
	case more:
		return hits, encodeCursor(cursorID, []byte(ids[len(ids)-1])), nil
	case limited && limit != "":
		return hits, encodeCursor(cursorID, []byte(limit)), nil
	}
	return hits, "", nil
}
