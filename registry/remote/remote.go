// Package remote reads registries: it finds a package's index across the
// configured registries in order, checks the index against the signed
// SHA256SUMS before trusting a byte of it, and downloads artifacts while
// hashing them, so nothing unverified ever reaches the unpacker.
package remote

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/openclaw-go/openclaw/registry/index"
	"github.com/openclaw-go/openclaw/registry/signing"
)

// maxMetaBytes bounds an index, checksum or signature file.
const maxMetaBytes = 16 << 20

// Client reads packages from registries, first match wins.
type Client struct {
	registries []*url.URL
	keys       *signing.KeyRing
	http       *http.Client
}

// New returns a client for registries (http(s) URLs, file:// URLs or plain
// folder paths), trusting keys. A nil httpClient gets sensible timeouts.
func New(registries []string, keys *signing.KeyRing, httpClient *http.Client) (*Client, error) {
	if len(registries) == 0 {
		return nil, errors.New("no registries configured (plugins.registries)")
	}
	c := &Client{keys: keys, http: httpClient}
	if c.http == nil {
		c.http = DefaultHTTPClient()
	}
	for _, r := range registries {
		u, err := ParseLocation(r)
		if err != nil {
			return nil, err
		}
		c.registries = append(c.registries, u)
	}
	return c, nil
}

// DefaultHTTPClient fails fast on a dead host but lets a large download run.
func DefaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		MaxIdleConnsPerHost:   4,
	}}
}

// ParseLocation turns a registry location into a base URL ending in "/".
func ParseLocation(loc string) (*url.URL, error) {
	loc = strings.TrimSpace(loc)
	if loc == "" {
		return nil, errors.New("registry location is empty")
	}
	var u *url.URL
	if strings.Contains(loc, "://") {
		var err error
		if u, err = url.Parse(loc); err != nil {
			return nil, fmt.Errorf("registry %q: %w", loc, err)
		}
		switch u.Scheme {
		case "http", "https":
		case "file":
			if u.Host != "" && u.Host != "localhost" {
				return nil, fmt.Errorf("registry %q: file URLs must name a local path", loc)
			}
		default:
			return nil, fmt.Errorf("registry %q: scheme %q is not supported (http, https, file or a folder path)", loc, u.Scheme)
		}
	} else {
		abs, err := filepath.Abs(loc)
		if err != nil {
			return nil, fmt.Errorf("registry %q: %w", loc, err)
		}
		u = &url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// Registries lists the configured locations, in order.
func (c *Client) Registries() []string {
	out := make([]string, len(c.registries))
	for i, u := range c.registries {
		out[i] = u.String()
	}
	return out
}

// NotFoundError means no reachable registry has the package.
type NotFoundError struct {
	Name        string
	Searched    []string
	Unreachable []error
}

func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("package %s not found in %s", e.Name, strings.Join(e.Searched, ", "))
	if len(e.Searched) == 0 {
		msg = fmt.Sprintf("package %s not found", e.Name)
	}
	for _, u := range e.Unreachable {
		msg += "; " + u.Error()
	}
	return msg
}

// UnreachableError means a registry could not be read at all.
type UnreachableError struct {
	Registry string
	Err      error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("registry %s unreachable: %v", e.Registry, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// ChecksumError means downloaded or listed bytes do not have the signed hash.
type ChecksumError struct {
	What      string
	Want, Got string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("checksum mismatch for %s: expected sha256 %s, got %s (the file was altered or corrupted)", e.What, e.Want, e.Got)
}

// TruncatedError means a download ended early or ran long.
type TruncatedError struct {
	What      string
	Got, Want int64
}

func (e *TruncatedError) Error() string {
	if e.Got > e.Want {
		return fmt.Sprintf("download of %s is larger than the %d bytes the index declares", e.What, e.Want)
	}
	return fmt.Sprintf("download of %s truncated: received %d of %d bytes", e.What, e.Got, e.Want)
}

// errNotFound marks a 404 or a missing file.
var errNotFound = errors.New("not found")

// open returns the body of u. errNotFound for 404s and missing files.
func (c *Client) open(ctx context.Context, u *url.URL) (io.ReadCloser, int64, error) {
	if u.Scheme == "file" {
		f, err := os.Open(filepath.FromSlash(u.Path))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, 0, errNotFound
		}
		if err != nil {
			return nil, 0, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		if fi.IsDir() {
			f.Close()
			return nil, 0, errNotFound
		}
		return f, fi.Size(), nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("User-Agent", "openclaw-registry-client/1")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		resp.Body.Close()
		return nil, 0, errNotFound
	case resp.StatusCode != http.StatusOK:
		resp.Body.Close()
		return nil, 0, fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	return resp.Body, resp.ContentLength, nil
}

func (c *Client) fetch(ctx context.Context, u *url.URL) ([]byte, error) {
	body, _, err := c.open(ctx, u)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	data, err := io.ReadAll(io.LimitReader(body, maxMetaBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", u.Redacted(), err)
	}
	if len(data) > maxMetaBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", u.Redacted(), maxMetaBytes)
	}
	return data, nil
}

// Fetched is a package index that passed signature and checksum checks.
type Fetched struct {
	// Registry is the location that served it.
	Registry string
	Package  *index.Package
	Sums     index.Sums
	// KeyID names the trusted key whose signature verified.
	KeyID string
	// The files as served, for writing a mirror.
	IndexBytes, SumsBytes, SigBytes []byte

	dir *url.URL
}

// ArtifactURL resolves an artifact's URL against the package folder.
func (f *Fetched) ArtifactURL(a index.Artifact) (*url.URL, error) {
	ref, err := url.Parse(a.URL)
	if err != nil {
		return nil, fmt.Errorf("artifact url %q: %w", a.URL, err)
	}
	return f.dir.ResolveReference(ref), nil
}

// Package finds name in the first registry that has it and verifies it.
// A registry that is down is skipped for the next; a registry that serves a
// package failing verification stops the search, since that is an attack or
// a broken publish the user must hear about.
func (c *Client) Package(ctx context.Context, name string) (*Fetched, error) {
	if err := index.ValidName(name); err != nil {
		return nil, err
	}
	nf := &NotFoundError{Name: name}
	for _, base := range c.registries {
		f, err := c.packageFrom(ctx, base, name)
		switch {
		case err == nil:
			return f, nil
		case errors.Is(err, errNotFound):
			nf.Searched = append(nf.Searched, base.Redacted())
		case isUnreachable(err):
			nf.Unreachable = append(nf.Unreachable, err)
		default:
			return nil, err
		}
	}
	if len(nf.Searched) == 0 && len(nf.Unreachable) > 0 {
		return nil, fmt.Errorf("look up %s: %w", name, errors.Join(nf.Unreachable...))
	}
	return nil, nf
}

func isUnreachable(err error) bool {
	var ue *UnreachableError
	return errors.As(err, &ue)
}

func (c *Client) packageFrom(ctx context.Context, base *url.URL, name string) (*Fetched, error) {
	dir := base.ResolveReference(&url.URL{Path: index.PackageDir(name) + "/"})
	get := func(file string) ([]byte, error) {
		data, err := c.fetch(ctx, dir.ResolveReference(&url.URL{Path: file}))
		if err != nil && !errors.Is(err, errNotFound) {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, &UnreachableError{Registry: base.Redacted(), Err: err}
		}
		return data, err
	}
	idx, err := get(index.IndexFile)
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("%s from %s", name, base.Redacted())
	sums, err := get(index.SumsFile)
	if errors.Is(err, errNotFound) {
		return nil, fmt.Errorf("verify %s: %s is missing", where, index.SumsFile)
	}
	if err != nil {
		return nil, err
	}
	sigs, err := get(index.SignatureFile)
	if errors.Is(err, errNotFound) {
		return nil, fmt.Errorf("verify %s: %s is missing (the package is unsigned)", where, index.SignatureFile)
	}
	if err != nil {
		return nil, err
	}
	f, err := c.verify(name, idx, sums, sigs)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", where, err)
	}
	f.Registry, f.dir = base.String(), dir
	return f, nil
}

// verify checks the signature over SHA256SUMS, the index against it, and
// that the index and the list agree on every artifact.
func (c *Client) verify(name string, idx, sumsData, sigData []byte) (*Fetched, error) {
	sigs, err := signing.ParseSignatures(sigData)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", index.SignatureFile, err)
	}
	keyID, err := c.keys.Verify(sumsData, sigs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", index.SumsFile, err)
	}
	sums, err := index.ParseSums(sumsData)
	if err != nil {
		return nil, err
	}
	got := sha256.Sum256(idx)
	if want := sums[index.IndexFile]; want != index.HexSHA256(got[:]) {
		return nil, &ChecksumError{What: index.IndexFile, Want: want, Got: index.HexSHA256(got[:])}
	}
	pkg, err := index.ParsePackage(idx)
	if err != nil {
		return nil, err
	}
	if pkg.Name != name {
		return nil, fmt.Errorf("index is for %s, not %s", pkg.Name, name)
	}
	for _, v := range pkg.Versions {
		for key, a := range v.Platforms {
			if sums[a.URL] != a.SHA256 {
				return nil, fmt.Errorf("%s %s %s: index and %s disagree about %s", name, v.Version, key, index.SumsFile, a.URL)
			}
		}
	}
	pkg.SortVersions()
	return &Fetched{Package: pkg, Sums: sums, KeyID: keyID, IndexBytes: idx, SumsBytes: sumsData, SigBytes: sigData}, nil
}

// Download writes the artifact to w, failing unless exactly the declared
// size arrived with the signed SHA-256. w sees the bytes as they come; the
// caller must discard them on error.
func (c *Client) Download(ctx context.Context, f *Fetched, a index.Artifact, w io.Writer) error {
	u, err := f.ArtifactURL(a)
	if err != nil {
		return err
	}
	what := u.Redacted()
	body, _, err := c.open(ctx, u)
	if errors.Is(err, errNotFound) {
		return fmt.Errorf("download %s: not found on %s", what, f.Registry)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &UnreachableError{Registry: f.Registry, Err: err}
	}
	defer body.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(body, a.Size+1))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if n < a.Size {
			return fmt.Errorf("%w: %v", &TruncatedError{What: what, Got: n, Want: a.Size}, err)
		}
		return fmt.Errorf("download %s: %w", what, err)
	}
	if n != a.Size {
		return &TruncatedError{What: what, Got: n, Want: a.Size}
	}
	if got := index.HexSHA256(h.Sum(nil)); got != a.SHA256 {
		return &ChecksumError{What: what, Want: a.SHA256, Got: got}
	}
	return nil
}

// RootResult is one registry's package list.
type RootResult struct {
	Registry string
	Root     *index.Root
}

// Roots reads every registry's package list. Registries that fail are
// reported in errs; the rest still answer.
func (c *Client) Roots(ctx context.Context) (roots []RootResult, errs []error) {
	for _, base := range c.registries {
		data, err := c.fetch(ctx, base.ResolveReference(&url.URL{Path: index.IndexFile}))
		if errors.Is(err, errNotFound) {
			errs = append(errs, fmt.Errorf("registry %s has no %s", base.Redacted(), index.IndexFile))
			continue
		}
		if err != nil {
			errs = append(errs, &UnreachableError{Registry: base.Redacted(), Err: err})
			continue
		}
		root, err := index.ParseRoot(data)
		if err != nil {
			errs = append(errs, fmt.Errorf("registry %s: %w", base.Redacted(), err))
			continue
		}
		roots = append(roots, RootResult{Registry: base.String(), Root: root})
	}
	return roots, errs
}
